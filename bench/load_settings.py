"""Settings of the load benchmark (bench/load.py): production's, plus one URL for the reference.

The reference of the load benchmark is a minimal Django view measured in the same run. Chibo
has no such URL in production and should not get one for a benchmark, so gunicorn is started
with ``DJANGO_SETTINGS_MODULE=load_settings`` (``bench/`` on ``PYTHONPATH``): every setting and
middleware is production's, only the URL configuration adds ``/bench/minimal/``.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
