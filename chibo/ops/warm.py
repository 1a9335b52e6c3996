"""Build, as a gunicorn worker starts, what Django otherwise builds during its first requests
(decision 0020; called by ``post_worker_init`` in deploy/gunicorn.conf.py).

Django builds three things lazily, in each process: the URL resolver, the translation
catalogues, and each template (the cached loader compiles a template on its first use; the
project has over a hundred). A new worker, and gunicorn replaces each worker every few thousand
requests (``max_requests``), used to spend its first requests building them: about a second of
extra time for whoever sent them. Built before the worker accepts a request, nobody waits.

The application is not preloaded in gunicorn's master (``preload_app``): with it, ``systemctl
reload chibo`` would fork new workers from the old code, and the upgrade procedure of
docs/deploy.md relies on the reload loading the new one.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation


def template_names() -> list[str]:
    """The names of the project's HTML templates (``TEMPLATES[0]["DIRS"]``: all of Chibo's)."""
    names: set[str] = set()
    for directory in engines["django"].engine.dirs:  # type: ignore[attr-defined]
        root = Path(directory)
        names.update(p.relative_to(root).as_posix() for p in root.rglob("*.html"))
    return sorted(names)


def warm() -> int:
    """Build the URL resolver, the catalogues of every language and the project's templates;
    returns the number of templates compiled."""
    get_resolver().url_patterns  # noqa: B018  (imports every URLconf)
    get_resolver()._populate()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")
    engine = engines["django"]
    compiled = 0
    for name in template_names():
        try:
            engine.get_template(name)
        except (TemplateDoesNotExist, TemplateSyntaxError):
            continue
        compiled += 1
    return compiled
