"""Chibo settings: one file, driven by environment variables (see README "Configuration").

Development needs nothing set: SQLite in ``var/``, DEBUG on, a throwaway secret.
Production sets ``DEBUG=0``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``; the secure
defaults (HTTPS redirect, HSTS, Secure cookies) follow from ``DEBUG=0``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
VAR_DIR = Path(os.environ.get("CHIBO_VAR_DIR", BASE_DIR / "var"))

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG=0")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "treebeard",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "chibo.core",
    "chibo.accounts",
    "chibo.orgunits",
    "chibo.members",
    "chibo.demo",
    "chibo.exchange",
    "chibo.meetings",
    "chibo.actions",
    "chibo.notifications",
    "chibo.reports",
    "chibo.ops",
    "chibo.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # /healthz answers here, before anything reads the session (chibo.ops.health).
    "chibo.ops.health.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chibo.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "chibo.accounts.sessions.SessionLimitsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "chibo.accounts.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "chibo.core.middleware.ScopeMiddleware",
    # Denied (403/404) requests of signed-in users go to the audit trail (decision 0016).
    "chibo.core.middleware.AuditDeniedMiddleware",
    # Two-factor login: enrolment / verification first (reads request.access).
    "chibo.accounts.otp.OTPRequiredMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "chibo" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default (one commune or a demo); PostgreSQL via DATABASE_URL.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'chibo.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL)
# PostgreSQL: server-side binding, so that psycopg prepares a statement the connection runs
# again (after CHIBO_DB_PREPARE_THRESHOLD runs; 0 turns it off, e.g. behind a pooler in
# transaction mode that does not keep prepared statements): PostgreSQL then plans the session,
# user and access queries of every request once per connection, not per request (decision 0019).
_prepare = int(os.environ.get("CHIBO_DB_PREPARE_THRESHOLD", "2"))
_PREPARED = {"server_side_binding": True, "prepare_threshold": _prepare} if _prepare > 0 else {}
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Persistent connections: without them Django on PostgreSQL was 8.7x slower here.
    _db["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {}).update(_PREPARED)
DATABASES = {"default": _db}
# Optional read replica (a PostgreSQL standby): the reports' rollup reads go there
# (chibo.core.db_router). In tests it stands for the default test database.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    _replica.setdefault("OPTIONS", {}).update(_PREPARED)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["chibo.core.db_router.ReportsReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out (username, IP) pair before any password check.
    "axes.backends.AxesStandaloneBackend",
    "chibo.accounts.backends.UsernameOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock the (username, IP) pair, never a whole office behind one IP, and let it cool
# off (TOOLCHAIN.md: its defaults lock by IP only, for ever).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "chibo.accounts.views.lockout"
AXES_USERNAME_CALLABLE = "chibo.accounts.backends.axes_username"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0")) or None
AXES_VERBOSE = False

API_TOKEN_TTL_DAYS = int(os.environ.get("API_TOKEN_TTL_DAYS", "30"))

# Two-factor login (django-otp, docs/decisions/0017-two-factor.md): compulsory for those who can
# change or export data at commune level and above, and for staff, unless turned off.
CHIBO_2FA_REQUIRED = env_bool("CHIBO_2FA_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = "Chibo"
# Wrong codes make a device wait 1, 2, 4, 8... seconds (django-otp's throttle; 0 would turn it off).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "chibo" / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "chibo" / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------
# Django's database sessions, read with one hand-written statement (decision 0020).
SESSION_ENGINE = "chibo.accounts.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions (chibo.accounts.sessions, docs/decisions/0015-sessions.md): a session ends after
# CHIBO_SESSION_IDLE_MINUTES without a request, and CHIBO_SESSION_MAX_HOURS after login whatever
# the activity.
CHIBO_SESSION_IDLE_MINUTES = int(os.environ.get("CHIBO_SESSION_IDLE_MINUTES", "30"))
CHIBO_SESSION_MAX_HOURS = int(os.environ.get("CHIBO_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = CHIBO_SESSION_MAX_HOURS * 60 * 60
# Health probes over plain HTTP on the host itself are not sent to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# HSTS preload is a submission to the browsers' list that a domain's owner decides, not us:
# see docs/decisions/0006-security-headers.md.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "chibo@localhost")
# Where SMS notices go: a dotted path to a chibo.notifications.sms.SMSBackend (a provider plugs
# in here); the default only records them in the outbox.
CHIBO_SMS_BACKEND = os.environ.get(
    "CHIBO_SMS_BACKEND", "chibo.notifications.sms.DatabaseSMSBackend"
)
# Tries of a notice before it stays failed; minutes a sender may hold one before it is given
# back (a sender killed between sending and recording leaves it "being sent").
CHIBO_NOTICE_MAX_ATTEMPTS = int(os.environ.get("CHIBO_NOTICE_MAX_ATTEMPTS", "3"))
CHIBO_NOTICE_LEASE_MINUTES = int(os.environ.get("CHIBO_NOTICE_LEASE_MINUTES", "15"))
CHIBO_ACTION_REMINDER_DAYS = int(os.environ.get("CHIBO_ACTION_REMINDER_DAYS", "3"))
ADMINS = [("Chibo admin", a) for a in env_list("ADMIN_EMAILS")]
# Reports (chibo.reports): the first month the rollup holds, and how many days after a meeting
# its minutes count as locked on time.
CHIBO_REPORTS_START = os.environ.get("CHIBO_REPORTS_START", "2025-01")
CHIBO_MINUTES_LOCK_DAYS = int(os.environ.get("CHIBO_MINUTES_LOCK_DAYS", "7"))
