"""gunicorn configuration for Chibo (docs/deploy.md): ``gunicorn -c deploy/gunicorn.conf.py``.

Every value can be changed without editing this file, by the environment (``GUNICORN_*`` below)
or on the command line (the command line wins).
"""

import multiprocessing
import os

# nginx talks to gunicorn on loopback; nothing else should reach it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: Chibo's requests are short and mostly database time. 2 × cores + 1 keeps the
# cores busy while some workers wait on PostgreSQL; each worker holds one persistent database
# connection (CONN_MAX_AGE), so keep workers × servers below PostgreSQL's max_connections.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count() + 1)))
worker_class = "sync"

# A request that takes longer than this is killed (a worker stuck on a lock must come back).
# The longest legitimate requests are imports of a commune's XLSX register and Word exports;
# nginx's proxy_read_timeout is set a little above this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then (with jitter, so they do not restart together): a slow leak in
# any library cannot grow without end.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500

# Only nginx on this host may set X-Forwarded-For / X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr: systemd's journal keeps them (journalctl -u chibo).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# gunicorn 27 opens a control socket in ~/.gunicorn by default; the service does not need it.
control_socket_disable = True

proc_name = "chibo"
wsgi_app = "config.wsgi:application"


def post_worker_init(worker):
    """In each worker, once the application is loaded and before its first request: build what
    Django otherwise builds during a new worker's first requests (chibo.ops.warm), so a user
    never waits for it after a worker is recycled."""
    from chibo.ops.warm import warm

    warm()
