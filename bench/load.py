"""Load benchmark (issue 7): wrk against gunicorn and PostgreSQL on 127.0.0.1, bounded in time.

    .venv/bin/python bench/load.py                       # throwaway PostgreSQL, seeds, measures
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/load.py   # reuse a seeded database

What it does, stopping by itself (at most 60 s of load):

1. installs ``wrk`` if missing (scripts/ensure-apt.sh), starts a throwaway PostgreSQL
   (scripts/pg-test.sh) unless ``BENCH_DATABASE_URL`` names one, migrates, seeds the synthetic
   province of 250,000 members (``seed_demo --scale``; skipped when it exists) and collects the
   static files;
2. prepares, as a command would: a login for the secretary of the province's first cell, whose
   roll is brought to 30 members (bulk rows with their events, as bench/meetings.py), a session
   (Django's SessionStore) and CSRF token for the form, an API token for the API. The cell gets
   the history of a real cell, once and kept: its fixed meeting day and a regular meeting in
   each of the 12 past months, held, the whole roll recorded (the roll-call services). Each run
   deletes the meetings earlier runs made (extraordinary, topic "Load benchmark" or none) and
   makes a small pool of its own: 6 meetings per wrk thread for the roll form and 12 for the
   API, one a month in turn: each save's refresh of the cell's monthly report rows then reads
   about what a real cell's would (not thousands of fresh meetings). The roll form has an
   optimistic check (the body's version must be the meeting's, and each save adds one):
   load.lua keeps each meeting's version, saves only a meeting with no save in flight and
   marks the roll present and late in turn; load.py reads the versions again between wrk runs;
3. starts gunicorn with deploy/gunicorn.conf.py (production settings, ``DEBUG=0``; its workers,
   2 × cores + 1, unless ``--workers``) and, for each URL, sends one request to check its
   answer, then runs
   ``wrk -t2 -c8`` for a 2 s warm-up and a measured ``--seconds`` (default 7) run: 6 URLs,
   54 s of load in all (about 57 s with wrk's start-ups; never more than 60 s of requests).
   ``--smoke`` stops after the one request per URL.

Measured, each as a ratio to the **minimal view** measured in the same run (a view that returns
"ok" through the whole middleware stack, added by bench/load_settings.py only for this run):

- ``/healthz`` (one database query), for information;
- the secretary's **cell page** (``/units/<cell>/``);
- the **member API**: ``GET /api/v1/members?unit=<cell>`` with a bearer token;
- the **attendance save**: POST of the roll-call form of a 30-member meeting (header and 30
  rows, every save changing the 30 rows); its normal answer is 302 back to the roll
  (post/redirect/get), so 302 to ``/roll/`` is success and a 200 (the form shown again:
  refused or stale) is counted as a failure;
- the same save through the API: ``PUT /api/v1/meetings/<id>/attendance`` (answers 200),
  every request changing the 30 rows (present and late in turn).

Every answer is checked (status, and Location for the form): "bad" counts any other answer.
Both wrk and gunicorn share the machine's cores: compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
ROLL_SIZE = 30
WARMUP = 2
MAX_LOAD_SECONDS = 60
THREADS, CONNECTIONS = 2, 8
# gunicorn's workers: deploy/gunicorn.conf.py's, 2 × cores + 1, as production runs (--workers
# to compare another count). The first runs used 3 (docs/benchmarks.md, "Fifth run").
WORKERS = 2 * (os.cpu_count() or 1) + 1
CASES = 6  # URLs measured, each for a warm-up and --seconds
# The roll form's pool: 6 meetings per wrk thread, more than its CONNECTIONS / THREADS (4)
# connections (and the one wrk's check of the script takes), so a thread always has a meeting
# with no save in flight.
FORM_MEETINGS = 6 * THREADS
API_MEETINGS = 12  # each PUT twice in turn (present, late): 6 lines apart in a thread's cycle
BENCH_TOPIC = "Load benchmark"  # the topic of the meetings a run makes (deleted by the next)
FORM_PATH = re.compile(r"/meetings/(\d+)/roll/")


# --- Preparation (in a child process with Django set up) ---------------------------------------
def prepare(out_dir: Path) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.db import transaction
    from django.http import HttpResponse
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # type: ignore[attr-defined]
    from django.test import RequestFactory
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from chibo.accounts.models import User
    from chibo.accounts.services import api_token_create, user_create
    from chibo.core.vietnamese import fold, name_sort_key
    from chibo.demo.plan import scale_root_code
    from chibo.meetings.models import DayRule, Meeting, MeetingDay, MeetingKind
    from chibo.meetings.selectors import RollEntry, eligible_members
    from chibo.meetings.services import MeetingData, RollRow, meeting_day_set, roll_call_save
    from chibo.members.lifecycle import EventRow, derived_columns
    from chibo.members.models import EventKind, Member, MemberEvent, Sex
    from chibo.members.services import member_link_user
    from chibo.orgunits.models import OrgUnit, Post, PostKind, UnitKind
    from chibo.reports import rollup

    today = timezone.localdate()
    # Twelve meeting days, one per past month: the saves spread over the cell's months.
    days = [
        (today.replace(day=1) - dt.timedelta(days=1 + 31 * i)).replace(day=15) for i in range(12)
    ]

    def allowed_category(entry: RollEntry) -> str:
        allowed = entry.allowed()
        return "present" if "present" in allowed else allowed[0]

    def chair_of(members: list[Member]) -> Member:
        return secretary if secretary in members else members[0]

    def minute_taker_of(members: list[Member]) -> Member:
        return next(m for m in members if m != chair_of(members))

    def regular_history(user: User, cell: OrgUnit, secretary: Member, days: list[dt.date]) -> None:
        """A year of regular meetings as a real cell has: one a month on its fixed day, held,
        the whole roll recorded, through the services of the roll-call screen (made once, kept
        between runs). The regular meetings are written as ``plan_year`` writes them, for the
        past months only."""
        if not MeetingDay.objects.filter(cell=cell).exists():
            meeting_day_set(
                actor=user, cell=cell, rule=DayRule.DAY_OF_MONTH, day=15,
                time=dt.time(19, 30), place="Nhà văn hóa thôn",
            )  # fmt: skip
        planned = Meeting.objects.bulk_create(
            Meeting(
                cell=cell, kind=MeetingKind.REGULAR, month=day.replace(day=1), fixed_date=day,
                planned_date=day, planned_time=dt.time(19, 30), place="Nhà văn hóa thôn",
            )
            for day in days
        )  # fmt: skip
        with rollup.deferred():  # the cell's rollup computed once, at the end
            for meeting in planned:
                roll = eligible_members(cell.pk, meeting.planned_date, MeetingKind.REGULAR)
                members = [e.member for e in roll]
                opened = timezone.make_aware(
                    dt.datetime.combine(meeting.planned_date, dt.time(19, 30))
                )
                data = replace(
                    MeetingData.of(meeting),
                    held_start=opened,
                    held_end=opened + dt.timedelta(minutes=105),
                    chair=chair_of(members),
                    minute_taker=minute_taker_of(members),
                    guests="Đồng chí Lò Văn Minh, Đảng ủy viên xã",
                )
                rows = [RollRow(e.member.pk, allowed_category(e)) for e in roll]
                roll_call_save(
                    actor=user, meeting=meeting, data=data, version=meeting.version, rows=rows
                )

    with scopes_disabled(), transaction.atomic():
        root = OrgUnit.objects.get(code=scale_root_code(1))
        post = (
            Post.objects.filter(
                kind=PostKind.SECRETARY,
                end_date__isnull=True,
                unit__kind=UnitKind.CELL,
                unit__path__startswith=root.path,
            )
            .select_related("unit", "member")
            .order_by("unit__path")
            .first()
        )
        if post is None:
            raise SystemExit("The synthetic province has no cell secretary: seed it again.")
        cell, secretary = post.unit, post.member
        # What earlier runs left: their pool of extraordinary meetings, with the bench's topic
        # (or none, before runs set it). The synthetic seed makes no meeting at all: on the seeded
        # benchmark database, "SELECT cell_id, kind, topic, count(*) FROM meetings_meeting
        # GROUP BY 1, 2, 3" gave only this cell's extraordinary meetings without a topic, the
        # runs'. Their rolls and agendas cascade; their audit entries stay (the database refuses
        # to delete them). The rollup is refreshed once the new pool is made.
        Meeting.objects.filter(
            cell=cell, kind=MeetingKind.EXTRAORDINARY, topic__in=[BENCH_TOPIC, ""]
        ).delete()
        user = User.objects.filter(username="bench-secretary").first()
        if user is None:
            user = user_create(
                actor=None,
                username="bench-secretary",
                full_name=secretary.full_name,
                password=secrets.token_urlsafe(16),
            )
        if secretary.user_id != user.pk:
            Member.objects.filter(user=user).update(user=None)
            member_link_user(actor=None, member=secretary, user=user)
        # A roll of at least 30 on every meeting day: official members admitted long ago.
        shortest = min(
            len(eligible_members(cell.pk, day, MeetingKind.EXTRAORDINARY)) for day in days
        )
        if shortest < ROLL_SIZE:
            admitted = dt.date(2005, 5, 4)
            history = [
                EventRow(kind, admitted + dt.timedelta(days=d), cell.pk)
                for kind, d in ((EventKind.ADMISSION, 0), (EventKind.CEREMONY, 20),
                                (EventKind.RECOGNITION, 400))
            ]  # fmt: skip
            stored = derived_columns(history, today=today)
            names = [f"Lò Văn Tải {i:02d}" for i in range(ROLL_SIZE - shortest)]
            added = Member.objects.bulk_create(
                Member(
                    full_name=name, sort_key=name_sort_key(name), search_name=fold(name),
                    sex=Sex.MALE, birth_date=dt.date(1970, 1, 1), cell=cell, **stored,
                )
                for name in names
            )  # fmt: skip
            MemberEvent.objects.bulk_create(
                MemberEvent(member=m, kind=e.kind, date=e.date, cell=cell)
                for m in added
                for e in history
            )
        rolls = {
            day: eligible_members(cell.pk, day, MeetingKind.EXTRAORDINARY)[:ROLL_SIZE]
            for day in days
        }
        assert all(len(r) == ROLL_SIZE for r in rolls.values()), "roll shorter than 30"
        if not Meeting.objects.filter(cell=cell, kind=MeetingKind.REGULAR).exists():
            regular_history(user, cell, secretary, days)
        # The pool: a few meetings saved over and over (the roll form's optimistic version is
        # followed by load.lua), one per month in turn.
        meetings = Meeting.objects.bulk_create(
            Meeting(
                cell=cell,
                kind=MeetingKind.EXTRAORDINARY,
                month=days[i % len(days)].replace(day=1),
                planned_date=days[i % len(days)],
                topic=BENCH_TOPIC,
            )
            for i in range(FORM_MEETINGS + API_MEETINGS)
        )
        rollup.refresh([cell.pk])  # the deleted meetings and the new pool
        _token, raw_token = api_token_create(user=user, name="load benchmark")
        in_province = Member.objects.filter(cell__path__startswith=root.path).count()

    # A session as a real login makes it (the login signal stamps the session's clocks).
    request = RequestFactory().get("/")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])
    request.session.save()
    session_key = request.session.session_key
    csrf_secret = _get_new_csrf_string()
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={session_key}; {settings.CSRF_COOKIE_NAME}={csrf_secret}"
    )

    def form_body(meeting: Meeting) -> str:
        """The roll form's body, its version ``@V@`` and the categories ``@C@`` (of members who
        may be present or late) left for load.lua: present and late in turn, every save of
        the meeting changing its 30 rows."""
        roll = rolls[meeting.planned_date]
        fields = {
            "csrfmiddlewaretoken": _mask_cipher_secret(csrf_secret),
            "held_date": meeting.planned_date.isoformat(),
            "held_start": "19:30",
            "held_end": "21:15",
            # As in the cell's year: the secretary chairs. (Another chair on every save would
            # also leave the planner statistics of a one-cell meeting table far from a real
            # province's: all twelve meetings chaired by one member.)
            "chair": str(chair_of([e.member for e in roll]).pk),
            "minute_taker": str(minute_taker_of([e.member for e in roll]).pk),
            "guests": "Đồng chí Lò Văn Minh, Đảng ủy viên xã",
            "version": "@V@",
        }
        for entry in roll:
            both = {"present", "late"} <= set(entry.allowed())
            fields[f"cat_{entry.member.pk}"] = "@C@" if both else allowed_category(entry)
            fields[f"reason_{entry.member.pk}"] = ""
        return urllib.parse.urlencode(fields, safe="@")

    def api_body(meeting: Meeting, category: str) -> str:
        rows = [
            {"member_id": e.member.pk, "category": category, "reason": ""}
            for e in rolls[meeting.planned_date]
        ]
        return json.dumps({"rows": rows}, separators=(",", ":"))

    form, api = meetings[:FORM_MEETINGS], meetings[FORM_MEETINGS:]
    # The form's lines: METHOD, path, body, the meeting's version (load.py writes the current
    # one before each wrk run). Thread t of n owns lines t, t+n, …: a pool of its own.
    (out_dir / "form.txt").write_text(
        "".join(f"POST\t/meetings/{m.pk}/roll/\t{form_body(m)}\t{m.version}\n" for m in form)
    )
    # The API's lines: each meeting twice, present then late, so that every PUT writes 30 rows.
    api_lines = [
        f"PUT\t/api/v1/meetings/{m.pk}/attendance\t{api_body(m, cat)}\n"
        for cat in ("present", "late")
        for m in api
    ]
    (out_dir / "api_put.txt").write_text("".join(api_lines))
    info = {
        "cell": cell.pk,
        "cell_name": cell.name,
        "cookie": cookie,
        "token": raw_token,
        "smoke_path": f"/meetings/{form[0].pk}/roll/",
        # As load.lua writes it: present at an even version, late at an odd one.
        "smoke_body": form_body(form[0])
        .replace("@V@", str(form[0].version))
        .replace("@C@", "late" if form[0].version % 2 else "present"),
        "members_in_province": in_province,
    }
    (out_dir / "info.json").write_text(json.dumps(info))


# --- The run -------------------------------------------------------------------------------------
@dataclass
class Result:
    label: str
    rps: float
    requests: int
    ok: int
    bad: int
    bad_statuses: str
    socket_errors: int
    p50_ms: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def province_exists(env: dict[str, str]) -> bool:
    code = (
        "import django; django.setup()\n"
        "from django_scopes import scopes_disabled\n"
        "from chibo.demo.plan import scale_root_code\n"
        "from chibo.orgunits.models import OrgUnit\n"
        "with scopes_disabled(): print(OrgUnit.objects.filter(code=scale_root_code(1)).exists())"
    )
    out = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip() == "True"


def create_database(url: str) -> None:
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute("CREATE DATABASE chibo")


def smoke(base: str, method: str, path: str, headers: dict[str, str], body: str | None,
          expect: int, label: str) -> None:  # fmt: skip
    """One request before the load: a wrong answer stops the benchmark with what came back."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    data = body.encode() if body is not None else None
    # An http://127.0.0.1 URL built above, never a user's.
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as answer:
            status, text = answer.status, answer.read(300)
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read(300)
    if status != expect:
        raise SystemExit(f"{label}: {method} {path} answered {status}, not {expect}: {text!r}")


def current_versions(url: str, requests_file: Path) -> None:
    """Write the meetings' current versions in the roll form's lines (their last field), which
    load.lua starts from: the smoke's save and each wrk run moved them on. A save sent just
    before wrk stopped may still be running: read until two reads agree."""
    import psycopg

    lines = [line.split("\t") for line in requests_file.read_text().splitlines()]
    ids = [int(match[1]) for line in lines if (match := FORM_PATH.fullmatch(line[1]))]
    assert len(ids) == len(lines), "a roll form line without its meeting"
    versions: dict[int, int] = {}
    with psycopg.connect(url, autocommit=True) as db:
        for _ in range(20):
            time.sleep(0.25)
            read = dict(
                db.execute(
                    "SELECT id, version FROM meetings_meeting WHERE id = ANY(%s)", [ids]
                ).fetchall()
            )
            if read == versions:
                break
            versions = read
    requests_file.write_text(
        "".join(
            f"{method}\t{path}\t{body}\t{versions[pk]}\n"
            for pk, (method, path, body, _version) in zip(ids, lines, strict=True)
        )
    )


def run_wrk(base: str, requests_file: Path, headers: dict[str, str], seconds: int,
            expect: int, location: str = "") -> dict[str, float]:  # fmt: skip
    lines = "".join(f"{k}: {v}\n" for k, v in headers.items())
    spec = requests_file.with_suffix(".wrk")
    spec.write_text(lines + "\n" + requests_file.read_text())
    env = {
        **os.environ,
        "LOAD_REQUESTS": str(spec),
        "LOAD_EXPECT": str(expect),
        "LOAD_LOCATION": location,
        "LOAD_THREADS": str(THREADS),
    }
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(BENCH / "load.lua"), base],
        env=env, check=True, capture_output=True, text=True, timeout=seconds + 30,
    )  # fmt: skip
    line = [x for x in out.stdout.splitlines() if x.startswith("{")][-1]
    return json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=7, help="measured seconds per URL")
    parser.add_argument(
        "--smoke", action="store_true", help="prepare and send one request per URL, no load"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help=f"gunicorn workers (default {WORKERS}: 2 × cores + 1, deploy/gunicorn.conf.py's)",
    )
    parser.add_argument("--prepare", metavar="DIR", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.prepare:
        prepare(Path(options.prepare))
        return
    if CASES * (WARMUP + options.seconds) > MAX_LOAD_SECONDS:
        parser.error(f"{CASES} × ({WARMUP} + seconds) must stay within {MAX_LOAD_SECONDS} s")
    subprocess.run([str(ROOT / "scripts/ensure-apt.sh"), "wrk", "postgresql"], check=True)
    work = Path(tempfile.mkdtemp(prefix="chibo-load-"))
    # The throwaway cluster belongs to "postgres" when run as root: it must reach its directory.
    os.chmod(work, 0o711)  # noqa: S103
    pg_dir = work / "pg"
    url = os.environ.get("BENCH_DATABASE_URL", "")
    gunicorn: subprocess.Popen[bytes] | None = None
    pidfile = work / "gunicorn.pid"
    try:
        if not url:
            url = subprocess.run(
                [str(ROOT / "scripts/pg-test.sh"), "start", str(pg_dir)],
                check=True, capture_output=True, text=True,
            ).stdout.strip()  # fmt: skip
            create_database(url)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": "load-bench-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1",
            "CHIBO_VAR_DIR": str(work / "var"),
            "CHIBO_2FA_REQUIRED": "0",
            "DJANGO_SETTINGS_MODULE": "load_settings",
            "PYTHONPATH": f"{BENCH}{os.pathsep}{ROOT}",
            "LOG_LEVEL": "ERROR",
        }
        print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        if province_exists(env):
            print("synthetic province S01 exists: not seeded again")
        else:
            seconds = manage(env, "seed_demo", "--scale", "--no-progress")
            print(f"seeded the 250,000-member province in {seconds:.0f} s", flush=True)
        manage(env, "collectstatic", "--noinput", "-v0")
        subprocess.run([PYTHON, __file__, "--prepare", str(work)], cwd=ROOT, env=env, check=True)
        # Planner statistics after the preparation, which deletes and makes meetings: taken
        # before it, a small table's statistics could say "empty" (an autoanalyze that ran
        # while it was) and send the meeting's read to a scan of the 250,000 members.
        subprocess.run(
            [PYTHON, "-c", "import psycopg,sys; psycopg.connect(sys.argv[1], autocommit=True)"
             ".execute('ANALYZE')", url], check=True,
        )  # fmt: skip
        info = json.loads((work / "info.json").read_text())

        port = free_port()
        gunicorn = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", str(options.workers),
             "--pid", str(pidfile),
             # No recycling of workers during the minute: at 5,000 requests a worker (the
             # production setting) the reference's 12,000 requests would have the workers
             # restart, each about a second of CPU, during whichever URL is measured next.
             "--max-requests", "0",
             "--no-control-socket", "--access-logfile", "/dev/null",
             "--error-logfile", str(work / "gunicorn.log"), "config.wsgi:application"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # As behind nginx: HTTPS seen through X-Forwarded-Proto, so the production settings
        # (SSL redirect, Secure cookies, CSRF's origin check) stay on.
        common = {"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https"}
        browser = {**common, "Cookie": info["cookie"]}
        form_headers = {
            **browser,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}/",
        }
        api_headers = {**common, "Authorization": f"Bearer {info['token']}"}
        put_headers = {**api_headers, "Content-Type": "application/json"}
        cell = info["cell"]
        for name, line in (
            ("minimal.txt", "GET\t/bench/minimal/\t\n"),
            ("healthz.txt", "GET\t/healthz\t\n"),
            ("cell.txt", f"GET\t/units/{cell}/\t\n"),
            ("members.txt", f"GET\t/api/v1/members?unit={cell}\t\n"),
        ):
            (work / name).write_text(line)
        cases = [
            ("minimal Django view (reference)", "minimal.txt", common, 200, ""),
            ("/healthz (one database query)", "healthz.txt", common, 200, ""),
            ("secretary's cell page", "cell.txt", browser, 200, ""),
            ("member API (GET /api/v1/members?unit=)", "members.txt", api_headers, 200, ""),
            ("attendance save, roll form (30 rows)", "form.txt", form_headers, 302, "/roll/"),
            ("attendance save, API PUT (30 rows)", "api_put.txt", put_headers, 200, ""),
        ]
        assert len(cases) == CASES
        smoke(base, "GET", "/bench/minimal/", common, None, 200, "minimal view")
        smoke(base, "GET", "/healthz", common, None, 200, "health check")
        smoke(base, "GET", f"/units/{cell}/", browser, None, 200, "cell page")
        smoke(base, "GET", f"/api/v1/members?unit={cell}", api_headers, None, 200, "member API")
        smoke(base, "POST", info["smoke_path"], form_headers, info["smoke_body"], 302, "roll form")
        first_put = (work / "api_put.txt").read_text().splitlines()[0].split("\t")
        smoke(base, "PUT", first_put[1], put_headers, first_put[2], 200, "attendance API")

        if options.smoke:
            print("every URL answered as expected (--smoke: no load)")
            return
        results: list[Result] = []
        load_started = time.perf_counter()
        loads = []
        for label, file, headers, expect, location in cases:
            if file == "form.txt":
                current_versions(url, work / file)  # the smoke saved the first meeting
            run_wrk(base, work / file, headers, WARMUP, expect, location)
            loads.append(os.getloadavg()[0])
            if file == "form.txt":
                current_versions(url, work / file)  # the warm-up's saves
            got = run_wrk(base, work / file, headers, options.seconds, expect, location)
            if got["starved"]:
                print(f"warning: {label}: {got['starved']:.0f} POSTs found no free meeting")
            results.append(
                Result(label, got["requests"] / got["seconds"], int(got["requests"]),
                       int(got["ok"]), int(got["bad"]), str(got["bad_statuses"]),
                       int(got["socket_errors"]), got["p50_ms"], got["p99_ms"])
            )  # fmt: skip
            print(f"  {label}: {results[-1].rps:,.0f} req/s, bad {results[-1].bad}", flush=True)
        load_seconds = time.perf_counter() - load_started
    finally:
        if pidfile.exists():
            subprocess.run(["kill", pidfile.read_text().strip()], check=False)
        if gunicorn is not None:
            gunicorn.wait(timeout=30)
        if not os.environ.get("BENCH_DATABASE_URL"):
            subprocess.run([str(ROOT / "scripts/pg-test.sh"), "stop", str(pg_dir)], check=False)
        shutil.rmtree(work, ignore_errors=True)

    reference = results[0].rps
    targets = {2: 0.15, 3: 0.30, 4: 0.06, 5: 0.06}
    print(
        f"\n## Load: gunicorn {options.workers} sync workers, PostgreSQL, "
        f"wrk -t{THREADS} -c{CONNECTIONS}, "
        f"{options.seconds} s per URL after a {WARMUP} s warm-up"
    )
    print(
        f"{info['members_in_province']:,} members in the province; cell {info['cell_name']}; "
        f"load {load_seconds:.0f} s; load average during the runs "
        f"{min(loads):.2f}–{max(loads):.2f}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(
        "| request | req/s | × minimal view | target | p50 ms | p99 ms | requests | non-expected |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    failed = False
    for i, r in enumerate(results):
        ratio = r.rps / reference
        target = targets.get(i)
        mark = "" if target is None else f"≥ {target:.2f}× {'✓' if ratio >= target else '✗'}"
        failed |= r.bad > 0 or r.socket_errors > 0
        print(
            f"| {r.label} | {r.rps:,.0f} | {ratio:.3f} | {mark} | {r.p50_ms:.1f} | {r.p99_ms:.1f}"
            f" | {r.requests:,} | {r.bad + r.socket_errors}"
            + (f" ({r.bad_statuses})" if r.bad else "")
            + " |"
        )
    print(f"\nnon-expected answers in all runs: {sum(r.bad + r.socket_errors for r in results)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
