"""Demo plans: a seed turned into communes, cells, people and posts, without a database.

Each commune draws from its own ``random.Random(f"{seed}:{code}")``, so its content does not
depend on how many communes came before it: a small test build matches the full one, and the
same seed gives the same plan. Dates that look back from "today" are offsets from ``as_of``, so
names and codes never depend on the day, and dates do only through ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate

from django.utils import timezone
from vietnam_provinces import ProvinceCode, Ward

from chibo.demo import names
from chibo.members.lifecycle import add_months
from chibo.members.models import EventKind, MemberStatus, Sex
from chibo.orgunits.models import PostKind

# 1 July 2025: the day the two-level local government (province → commune) took effect.
DEFAULT_SEED = 20250701
NEW_COMMUNES = dt.date(2025, 7, 1)
PROVINCE_CODE = 12  # Lai Châu
REAL_ROOT_CODE = f"P{PROVINCE_CODE}"
# Bình Lư is the former seat of Tam Đường district (there is no "Xã Tam Đường" since 2025).
DEMO_COMMUNE = 3390
OUTSIDER_COMMUNE = 3549  # Xã Phong Thổ
# Cell congresses: term 2020–2025 held in spring 2020, term 2025–2030 in spring 2025.
TERM_2020 = (dt.date(2020, 3, 15), dt.date(2020, 5, 31))
TERM_2025 = (dt.date(2025, 3, 10), dt.date(2025, 5, 31))
UNIFIED_SHARE = 0.4  # cells whose secretary is also the village head ("nhất thể hóa")
PROBATIONARY_SHARE = 0.05
PHONE_SHARE = 0.55  # many elderly members in the mountains have no phone of their own
BATCH_SIZE = 5000
EARLIEST_AS_OF = dt.date(2025, 11, 1)  # after every fixed start date below
EXEMPT_SHARE = 0.03  # official members exempt from activities (old age, long illness)
AWAY_SHARE = 0.02  # official members temporarily in another cell of the commune
# Scenarios of the demo secretary's cell, so that the home page shows its deadlines.
PROBATION_ENDING = "probation_ending"
RECOGNITION_OVERDUE = "recognition_overdue"
CEREMONY_LATE = "ceremony_late"

# (lowest age, highest age, weight): party members in villages are old; many are retired.
_VILLAGE_AGES = ((20, 30, 7), (30, 40, 14), (40, 50, 17), (50, 60, 20), (60, 70, 22), (70, 86, 20))
_WORKING_AGES = ((23, 30, 15), (30, 40, 35), (40, 50, 30), (50, 59, 20))
_CUMULATIVE: dict[Sequence[tuple[int, int, int]], tuple[int, ...]] = {
    b: tuple(accumulate(w for _, _, w in b)) for b in (_VILLAGE_AGES, _WORKING_AGES)
}
_OFFICIAL = MemberStatus.OFFICIAL
_PROBATIONARY = MemberStatus.PROBATIONARY


# --- Plans ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EventPlan:
    """One event of a member's party life; ``other_cell`` indexes the commune's cells."""

    kind: str
    date: dt.date
    decision_number: str = ""
    deciding_body: str = ""
    introducers: str = ""
    other_cell: int | None = None
    temporary: bool = False
    until: dt.date | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class PersonPlan:
    """A member. ``status`` and ``admission_date`` are what the plan aims at; the stored
    columns are derived from ``events`` by the generator (lifecycle.derive), as in real use."""

    full_name: str
    sex: str
    birth_date: dt.date
    ethnicity: str
    phone: str
    status: str
    admission_date: dt.date
    events: tuple[EventPlan, ...] = ()
    scenario: str = ""


@dataclass(frozen=True, slots=True)
class PostPlan:
    """A post; ``holder`` indexes the cell's members, or for commune posts all the commune's
    members in cell order."""

    kind: str
    holder: int
    start: dt.date
    end: dt.date | None = None
    decision: str = ""


@dataclass(frozen=True, slots=True)
class CellPlan:
    code: str
    name: str
    members: tuple[PersonPlan, ...]
    posts: tuple[PostPlan, ...]


@dataclass(frozen=True, slots=True)
class CommunePlan:
    code: str
    name: str
    admin_code: int | None
    cells: tuple[CellPlan, ...]
    posts: tuple[PostPlan, ...]

    @property
    def member_count(self) -> int:
        return sum(len(c.members) for c in self.cells)


@dataclass(frozen=True)
class DemoConfig:
    """The real demo. ``max_communes`` and ``cells_per_commune`` shrink it for tests."""

    seed: int = DEFAULT_SEED
    as_of: dt.date | None = None
    max_communes: int | None = None
    cells_per_commune: tuple[int, int] = (12, 30)
    batch_size: int = BATCH_SIZE


@dataclass(frozen=True)
class ScaleConfig:
    """Synthetic provinces for benchmarks: ``provinces`` × communes × cells × members.

    The default is one province at the size DOMAIN.md gives as the largest (250,000 members,
    10,000 cells); ``--multiplier N`` builds N such provinces rather than one unrealistic one.
    """

    seed: int = DEFAULT_SEED
    as_of: dt.date | None = None
    provinces: int = 1
    communes: int = 100
    cells_per_commune: int = 100
    members_per_cell: int = 25
    batch_size: int = BATCH_SIZE


def resolve_as_of(as_of: dt.date | None) -> dt.date:
    """``as_of`` or today; not before the last fixed date in the plans (posts would start in
    the future)."""
    day = as_of or timezone.localdate()
    if day < EARLIEST_AS_OF:
        raise ValueError(f"as_of must be {EARLIEST_AS_OF.isoformat()} or later")
    return day


def _between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age(person: PersonPlan, as_of: dt.date) -> float:
    return (as_of - person.birth_date).days / 365.25


# --- People -----------------------------------------------------------------------------------
def plan_person(
    rng: random.Random,
    ethnicity: str,
    as_of: dt.date,
    *,
    working: bool = False,
    female_share: float | None = None,
) -> PersonPlan:
    """One member whose name fits the ethnic group and whose dates fit the party's rules:
    admitted at 18 or older, official after a year's probation, probationary for under a year."""
    style = names.NAME_STYLES[ethnicity]
    female = rng.random() < (style.female_share if female_share is None else female_share)
    probationary = rng.random() < PROBATIONARY_SHARE * (1.6 if working else 1.0)
    if probationary:
        birth = as_of - dt.timedelta(days=rng.randint(20 * 366, 40 * 365))
        admitted = as_of - dt.timedelta(days=rng.randint(10, 355))
    else:
        low, high, _ = _pick_band(rng, _WORKING_AGES if working else _VILLAGE_AGES)
        birth = as_of - dt.timedelta(days=rng.randint(int(low * 365.25) + 1, int(high * 365.25)))
        admitted = _admission(rng, birth, as_of)
    phone = ""
    if rng.random() < (0.95 if working else PHONE_SHARE):
        phone = rng.choice(names.PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"
    return PersonPlan(
        full_name=style.full_name(rng, female),
        sex=Sex.FEMALE if female else Sex.MALE,
        birth_date=birth,
        ethnicity=ethnicity,
        phone=phone,
        status=_PROBATIONARY if probationary else _OFFICIAL,
        admission_date=admitted,
    )


def _pick_band(rng: random.Random, bands: Sequence[tuple[int, int, int]]) -> tuple[int, int, int]:
    return rng.choices(bands, cum_weights=_CUMULATIVE[bands])[0]


def _admission(rng: random.Random, birth: dt.date, as_of: dt.date) -> dt.date:
    """Most were admitted in their twenties or thirties; never before 18, and at least 400 days
    ago so that the 12 months of probation are over."""
    earliest = _add_years(birth, 18)
    latest = as_of - dt.timedelta(days=400)
    age_at_latest = (latest - birth).days / 365.25
    high = max(18.01, min(50.0, age_at_latest))
    years = rng.triangular(18.0, high, min(24.0, high))
    admitted = birth + dt.timedelta(days=int(years * 365.25))
    return min(max(admitted, earliest), latest)


# --- Posts ------------------------------------------------------------------------------------
def _choose(
    rng: random.Random,
    people: Sequence[PersonPlan],
    taken: set[int],
    wanted: Callable[[PersonPlan], bool],
) -> int:
    """A random member that ``wanted`` accepts and who is not ``taken``; relaxed step by step
    so that a small cell still gets its posts filled."""
    free = [i for i in range(len(people)) if i not in taken]
    for pool in ([i for i in free if wanted(people[i])], free, list(range(len(people)))):
        if pool:
            return rng.choice(pool)
    raise ValueError("a cell without members")


def _official_aged(low: float, high: float, as_of: dt.date) -> Callable[[PersonPlan], bool]:
    return lambda p: p.status == _OFFICIAL and low <= _age(p, as_of) <= high


def _decision(rng: random.Random, pattern: str) -> str:
    return pattern.format(rng.randint(5, 480))


def plan_cell_posts(
    rng: random.Random,
    people: Sequence[PersonPlan],
    as_of: dt.date,
    *,
    village: bool,
    unified: bool,
) -> tuple[PostPlan, ...]:
    """Secretary, usually a deputy, and for a village the village head and Front head; some
    past holders whose term has ended, so that post history has something to show."""

    posts: list[PostPlan] = []
    secretary = _choose(rng, people, set(), _official_aged(30, 72, as_of))
    taken = {secretary}
    start = _between(rng, *TERM_2025)
    if rng.random() < 0.1:  # elected mid-term after a vacancy, re-elected at the 2025 congress
        start = _between(rng, dt.date(2022, 1, 10), dt.date(2024, 11, 30))
    if rng.random() < 0.15:
        former = _choose(rng, people, taken, _official_aged(45, 90, as_of))
        taken.add(former)
        ended = start - dt.timedelta(days=1)
        posts.append(PostPlan(PostKind.SECRETARY, former, _between(rng, *TERM_2020), ended, ""))
    decision = _decision(rng, "{}-QĐ/ĐU")
    posts.append(PostPlan(PostKind.SECRETARY, secretary, start, None, decision))
    deputy = None
    if len(people) >= 10 or rng.random() < 0.5:
        deputy = _choose(rng, people, taken, _official_aged(25, 70, as_of))
        taken.add(deputy)
        posts.append(PostPlan(PostKind.DEPUTY_SECRETARY, deputy, start, None, decision))
    if village:
        posts.extend(_village_posts(rng, people, as_of, taken, secretary, deputy, unified))
    return tuple(posts)


def _village_posts(
    rng: random.Random,
    people: Sequence[PersonPlan],
    as_of: dt.date,
    taken: set[int],
    secretary: int,
    deputy: int | None,
    unified: bool,
) -> list[PostPlan]:
    posts: list[PostPlan] = []
    start = _between(rng, dt.date(2022, 7, 1), dt.date(2025, 9, 30))
    if unified:
        head = secretary
    else:
        head = _choose(rng, people, taken, lambda p: 25 <= _age(p, as_of) <= 65)
        taken.add(head)
        if rng.random() < 0.08:
            former = _choose(rng, people, taken, lambda p: _age(p, as_of) >= 40)
            taken.add(former)
            first = _between(rng, dt.date(2019, 7, 1), dt.date(2020, 12, 31))
            ended = start - dt.timedelta(days=1)
            posts.append(PostPlan(PostKind.VILLAGE_HEAD, former, first, ended, ""))
    posts.append(PostPlan(PostKind.VILLAGE_HEAD, head, start, None, _decision(rng, "{}/QĐ-UBND")))
    if deputy is not None and deputy != head and rng.random() < 0.25:
        front = deputy
    else:
        front = _choose(rng, people, taken | {head}, lambda p: _age(p, as_of) >= 35)
    front_start = _between(rng, dt.date(2024, 1, 15), dt.date(2025, 10, 31))
    posts.append(
        PostPlan(PostKind.FRONT_HEAD, front, front_start, None, _decision(rng, "{}/QĐ-MTTQ"))
    )
    return posts


def plan_commune_posts(
    rng: random.Random, cells: Sequence[CellPlan], as_of: dt.date
) -> tuple[PostPlan, ...]:
    """Secretary, deputy and 3–5 committee members of the commune, appointed when the new
    commune was formed, chosen among official members of working age who hold no cell post."""
    people: list[PersonPlan] = []
    busy: set[int] = set()
    for cell in cells:
        busy.update(len(people) + p.holder for p in cell.posts)
        people.extend(cell.members)
    kinds = [PostKind.SECRETARY, PostKind.DEPUTY_SECRETARY]
    kinds += [PostKind.COMMITTEE_MEMBER] * rng.randint(3, 5)
    decision = _decision(rng, "{}-QĐ/TU")
    posts = []
    for kind in kinds:
        low = 30 if kind == PostKind.COMMITTEE_MEMBER else 38  # leaders are seldom young
        holder = _choose(rng, people, busy, _official_aged(low, 58, as_of))
        busy.add(holder)
        posts.append(PostPlan(kind, holder, NEW_COMMUNES, None, decision))
    return tuple(posts)


# --- Cells and communes -----------------------------------------------------------------------
def _unique_village(rng: random.Random, ethnicity: str, used: set[str]) -> str:
    for _ in range(40):
        name = names.village_name(rng, ethnicity)
        words = name.split()
        if name not in used and len(set(words)) == len(words):
            used.add(name)
            return name
    # A crowded commune: number the village, as real ones do ("Nà Tăm 2").
    base = names.village_name(rng, ethnicity)
    n = 2
    while f"{base} {n}" in used:
        n += 1
    used.add(f"{base} {n}")
    return f"{base} {n}"


def _village_title(prefix: str, village: str) -> str:
    # "Bản Hon" is already the village's own name: "Chi bộ Bản Hon", not "Chi bộ bản Bản Hon".
    if prefix == "bản" and village.startswith("Bản "):
        return f"Chi bộ {village}"
    return f"Chi bộ {prefix} {village}"


def _members(
    rng: random.Random,
    size: int,
    dominant: str,
    mix: names.Weighted,
    as_of: dt.date,
    *,
    dominant_share: float = 0.8,
    working: bool = False,
) -> tuple[PersonPlan, ...]:
    # Teachers and nurses, unlike village members, are mostly women.
    female_share = 0.55 if working else None
    people = []
    for _ in range(size):
        ethnicity = dominant if rng.random() < dominant_share else mix.pick(rng)
        people.append(
            plan_person(rng, ethnicity, as_of, working=working, female_share=female_share)
        )
    return tuple(people)


def _village_cell(
    rng: random.Random,
    code: str,
    title: str,
    dominant: str,
    mix: names.Weighted,
    as_of: dt.date,
    *,
    size: int,
    unified: bool,
    dominant_share: float = 0.8,
    extra: tuple[PersonPlan, ...] = (),
) -> CellPlan:
    people = _members(rng, size, dominant, mix, as_of, dominant_share=dominant_share) + extra
    posts = plan_cell_posts(rng, people, as_of, village=True, unified=unified)
    return CellPlan(code, title, people, posts)


def _institution_cell(
    rng: random.Random, code: str, division: str, place: str, mix: names.Weighted, as_of: dt.date
) -> CellPlan:
    """The school or health-station cell every commune has: mostly Kinh teachers and nurses."""
    title = rng.choice(
        [
            f"Chi bộ Trường PTDTBT THCS {place}",
            f"Chi bộ Trường Tiểu học {place}",
            f"Chi bộ Trường Mầm non {place}",
            f"Chi bộ Trạm Y tế {division} {place}",
        ]
    )
    size = round(rng.triangular(8, 30, 15))
    people = _members(rng, size, names.KINH, mix, as_of, dominant_share=0.5, working=True)
    posts = plan_cell_posts(rng, people, as_of, village=False, unified=False)
    return CellPlan(code, title, people, posts)


def real_wards(config: DemoConfig) -> list[Ward]:
    """The province's communes and wards in code order; a limited build keeps the two that the
    demo logins use."""
    wards = sorted(Ward.iter_by_province(ProvinceCode(PROVINCE_CODE)), key=lambda w: int(w.code))
    if config.max_communes is None:
        return wards
    keep = {DEMO_COMMUNE, OUTSIDER_COMMUNE}
    others = [w for w in wards if int(w.code) not in keep]
    chosen = [w for w in wards if int(w.code) in keep]
    chosen += others[: max(0, config.max_communes - len(chosen))]
    return sorted(chosen, key=lambda w: int(w.code))


def commune_code(ward_code: int) -> str:
    return f"W{ward_code:05d}"


def plan_real_commune(ward: Ward, config: DemoConfig, as_of: dt.date) -> CommunePlan:
    code = commune_code(int(ward.code))
    rng = random.Random(f"{config.seed}:{code}")
    division = ward.division_type.value  # "xã" or "phường"
    place = ward.name.split(" ", 1)[1]  # "Xã Bình Lư" -> "Bình Lư"
    is_ward = division == "phường"
    mix = names.commune_mix(ward.codename)
    count = rng.randint(*config.cells_per_commune)
    prefix = "thôn" if rng.random() < 0.2 else "bản"
    used: set[str] = set()
    cells: list[CellPlan] = []
    for i in range(1, count + 1):
        dominant = mix.pick(rng)
        # The demo commune's first village shows "nhất thể hóa" for the secretary login, and
        # deadlines on the secretary's home page.
        demo_cell = int(ward.code) == DEMO_COMMUNE and i == 1
        unified = rng.random() < UNIFIED_SHARE or demo_cell
        extra = _deadline_people(config.seed, code, dominant, as_of) if demo_cell else ()
        cell_code = f"{code}-C{i:03d}"
        if is_ward:
            title, share = f"Chi bộ tổ dân phố số {i}", 0.5
            size = round(rng.triangular(12, 45, 28))
        else:
            title, share = _village_title(prefix, _unique_village(rng, dominant, used)), 0.8
            size = round(rng.triangular(8, 45, 21))
        cells.append(
            _village_cell(
                rng, cell_code, title, dominant, mix, as_of,
                size=size, unified=unified, dominant_share=share, extra=extra,
            )
        )  # fmt: skip
    cells.append(_institution_cell(rng, f"{code}-C{count + 1:03d}", division, place, mix, as_of))
    posts = plan_commune_posts(rng, cells, as_of)
    name = f"Đảng bộ {division} {place}"
    with_events = plan_commune_events(config.seed, name, cells, as_of)
    return CommunePlan(code, name, int(ward.code), with_events, posts)


def plan_real_demo(config: DemoConfig) -> Iterator[CommunePlan]:
    as_of = resolve_as_of(config.as_of)
    for ward in real_wards(config):
        yield plan_real_commune(ward, config, as_of)


def scale_root_code(index: int) -> str:
    return f"S{index:02d}"


def _synthetic_commune_names(rng: random.Random, count: int) -> list[str]:
    pairs = [f"{a} {b}" for a in names.PLACE_SYLLABLES for b in names.PLACE_SYLLABLES if a != b]
    rng.shuffle(pairs)
    # More communes than pairs (only with absurd settings): number the repeats.
    return [
        pairs[i % len(pairs)] + (f" {i // len(pairs) + 1}" if i >= len(pairs) else "")
        for i in range(count)
    ]


def _cell_sizes(rng: random.Random, count: int, mean: int) -> list[int]:
    """Sizes that vary (8–45 around 25) but add up to exactly ``count * mean``: benchmarks
    quote round totals. Neighbours get +d and -d."""
    sizes = [mean] * count
    spread = max(0, min(mean - 8, 45 - mean))
    for i in range(0, count - 1, 2):
        d = rng.randint(0, spread)
        sizes[i], sizes[i + 1] = mean + d, mean - d
    return sizes


def plan_scale_province(config: ScaleConfig, index: int) -> Iterator[CommunePlan]:
    """The communes of synthetic province ``index``, one at a time (a province is 250,000
    members: holding it all would cost a gigabyte)."""
    as_of = resolve_as_of(config.as_of)
    root_code = scale_root_code(index)
    place_names = _synthetic_commune_names(
        random.Random(f"{config.seed}:{root_code}"), config.communes
    )
    for j, place in enumerate(place_names, 1):
        code = f"{root_code}-X{j:03d}"
        rng = random.Random(f"{config.seed}:{code}")
        used: set[str] = set()
        sizes = _cell_sizes(rng, config.cells_per_commune, config.members_per_cell)
        cells = []
        for k, size in enumerate(sizes, 1):
            dominant = names.LOWLAND_MIX.pick(rng)
            title = f"Chi bộ thôn {_unique_village(rng, dominant, used)}"
            cells.append(
                _village_cell(
                    rng, f"{code}-C{k:03d}", title, dominant, names.LOWLAND_MIX, as_of,
                    size=size, unified=rng.random() < UNIFIED_SHARE,
                )
            )  # fmt: skip
        posts = plan_commune_posts(rng, cells, as_of)
        name = f"Đảng bộ xã {place}"
        yield CommunePlan(
            code, name, None, plan_commune_events(config.seed, name, cells, as_of), posts
        )


# --- Events -----------------------------------------------------------------------------------
def _deadline_people(
    seed: int, commune: str, ethnicity: str, as_of: dt.date
) -> tuple[PersonPlan, ...]:
    """Three probationary members whose dates make deadlines due: probation ending in two
    weeks, recognition overdue, and an admission ceremony not held in time."""
    rng = random.Random(f"{seed}:{commune}:deadlines")
    probation_start = add_months(as_of, -12)
    plans = (
        (PROBATION_ENDING, probation_start + dt.timedelta(days=15 - 20)),
        (RECOGNITION_OVERDUE, probation_start - dt.timedelta(days=20 + 20)),
        (CEREMONY_LATE, as_of - dt.timedelta(days=75)),
    )
    people = []
    for scenario, admitted in plans:
        person = plan_person(rng, ethnicity, as_of)
        birth = as_of - dt.timedelta(days=rng.randint(24 * 366, 35 * 365))
        people.append(
            replace(
                person,
                birth_date=birth,
                status=_PROBATIONARY,
                admission_date=admitted,
                scenario=scenario,
            )
        )
    return tuple(people)


def plan_commune_events(
    seed: int, commune_name: str, cells: Sequence[CellPlan], as_of: dt.date
) -> tuple[CellPlan, ...]:
    """Every member's events, consistent with the rules (lifecycle.py): admission decided by
    the commune committee with two introducers, the ceremony within a few weeks, recognition 12
    months after the ceremony; some exempt or temporarily in another cell. Each cell draws from
    its own random stream, so the people and posts planned before do not change."""
    body = commune_name.replace("Đảng bộ", "Đảng ủy", 1)
    planned = []
    for index, cell in enumerate(cells):
        rng = random.Random(f"{seed}:{cell.code}:events")
        people = tuple(
            replace(
                person,
                events=_person_events(rng, person, cell, as_of, body, index, len(cells)),
            )
            for person in cell.members
        )
        planned.append(replace(cell, members=people))
    return tuple(planned)


def _person_events(
    rng: random.Random,
    person: PersonPlan,
    cell: CellPlan,
    as_of: dt.date,
    body: str,
    index: int,
    cell_count: int,
) -> tuple[EventPlan, ...]:
    admitted = person.admission_date
    others = [p.full_name for p in cell.members if p is not person]
    introducers = ", ".join(rng.sample(others, min(2, len(others))))
    events = [
        EventPlan(EventKind.ADMISSION, admitted, _decision(rng, "{}-QĐ/ĐU"), body, introducers)
    ]
    if person.scenario == CEREMONY_LATE:
        return tuple(events)
    if person.scenario:  # probation ending / recognition overdue: ceremony 20 days later
        ceremony = admitted + dt.timedelta(days=20)
    else:
        ceremony = admitted + dt.timedelta(days=rng.randint(5, 25))
    if ceremony > as_of:
        return tuple(events)
    events.append(EventPlan(EventKind.CEREMONY, ceremony, reason="Lễ kết nạp tại chi bộ"))
    if person.status != _OFFICIAL:
        return tuple(events)
    # Official members were admitted at least 400 days ago (plan_person), so 12 months after
    # the ceremony is in the past.
    earliest = add_months(ceremony, 12)
    recognised = min(earliest + dt.timedelta(days=rng.randint(0, 40)), as_of)
    events.append(EventPlan(EventKind.RECOGNITION, recognised, _decision(rng, "{}-QĐ/ĐU"), body))
    roll = rng.random()
    if roll < EXEMPT_SHARE and recognised <= as_of - dt.timedelta(days=60):
        start = max(
            recognised + dt.timedelta(days=30), as_of - dt.timedelta(days=rng.randint(30, 700))
        )
        old = _age(person, as_of) >= 70
        events.append(
            EventPlan(
                EventKind.EXEMPTION,
                start,
                _decision(rng, "{}-QĐ/CB"),
                cell.name,
                until=as_of + dt.timedelta(days=rng.randint(60, 700)),
                reason="Tuổi cao, sức yếu" if old else "Ốm đau dài ngày",
            )
        )
    elif (
        roll < EXEMPT_SHARE + AWAY_SHARE
        and cell_count > 1
        and recognised <= as_of - dt.timedelta(days=30)
    ):
        start = max(
            recognised + dt.timedelta(days=1), as_of - dt.timedelta(days=rng.randint(10, 300))
        )
        target = rng.choice([i for i in range(cell_count) if i != index])
        events.append(
            EventPlan(
                EventKind.TRANSFER_OUT,
                start,
                _decision(rng, "{}-GGT/ĐU"),
                body,
                other_cell=target,
                temporary=True,
                until=as_of + dt.timedelta(days=rng.randint(30, 300)),
                reason="Đi làm ăn xa",
            )
        )
    return tuple(events)
