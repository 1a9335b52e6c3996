"""A gunicorn worker's warm-up before its first request (chibo.ops.warm, deploy/gunicorn.conf.py):
every template of the project compiled and cached, the URL resolver and catalogues built,
without touching the database."""

from __future__ import annotations

import runpy
from pathlib import Path

from django.conf import settings
from django.template import engines

from chibo.ops.warm import template_names, warm

ROOT = Path(__file__).resolve().parents[2]


def _cached_loader():
    """Django's cached loader (inside django-template-partials' loader)."""
    loader = engines["django"].engine.template_loaders[0]
    while not hasattr(loader, "get_template_cache"):
        loader = loader.loaders[0]
    return loader


def _cached_names() -> set[str]:
    return {key.split("-")[0] for key in _cached_loader().get_template_cache}


def test_warm_compiles_every_template_without_the_database():
    # No django_db mark: any query here fails the test ("Database access not allowed").
    html = sorted(
        p.relative_to(settings.BASE_DIR / "chibo" / "templates").as_posix()
        for p in (settings.BASE_DIR / "chibo" / "templates").rglob("*.html")
    )
    assert template_names() == html
    assert len(html) > 100
    _cached_loader().reset()
    assert "orgunits/detail.html" not in _cached_names()
    assert warm() == len(html)
    cached = _cached_names()
    assert {"base.html", "orgunits/detail.html", "meetings/roll.html"} <= cached


def test_gunicorn_workers_warm_up_before_their_first_request():
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert config.get("preload_app", False) is False  # a reload must load the new code
    _cached_loader().reset()
    config["post_worker_init"](worker=None)
    assert "orgunits/detail.html" in _cached_names()
