"""Settings for Zoho Store Sync, read from the environment (and `.env` when present).

Every variable is listed with a one-line comment in `.env.example`. Defaults let a fresh
checkout run with SQLite and the ORM broker; PostgreSQL (+ optional Redis) is the production choice.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # SQLite files by default; not in git
VAR_DIR.mkdir(exist_ok=True)

env = environ.FileAwareEnv(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    FIELD_ENCRYPTION_KEYS=(list, []),
    Q_WORKERS=(int, 0),
)
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")



def secret(name: str) -> str:
    """A secret exactly as given. django-environ reads a value that starts with "$" as the name of another
    variable (a Django key from get_random_secret_key() may start so), so the environment is read first; the
    environ reader remains for NAME_FILE (FileAwareEnv)."""
    value = os.environ.get(name)
    return value if value is not None else env.str(name, default="")


DEBUG = env("DEBUG")
SECRET_KEY = secret("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

# Fernet keys for secrets at rest: the first encrypts, all of them decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env("FIELD_ENCRYPTION_KEYS")

# The sandbox emulates Zoho, WooCommerce and Magento for demos and tests. Never in production: with it off, its
# apps, URLs and database are not part of the project at all (see the end of this file).
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_q",
    "axes",
    "integrations",
    "integrations.zoho.apps.Config",
    "integrations.stores.apps.Config",
    "syncs.apps.Config",
    "profiles.apps.Config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "integrations.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "profiles.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "integrations.context_processors.site",
            ],
        },
    },
]


def _database(url):
    """A database config from a URL; SQLite gets WAL and immediate transactions so a worker and
    the web server can write side by side without "database is locked"."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": _database(env("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
Q_BROKER = env("Q_BROKER", default="redis" if REDIS_URL else "orm")
_is_sqlite = DATABASES["default"]["ENGINE"].endswith("sqlite3")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # django-q2 keeps cluster heartbeats in the cache: it must be shared between processes.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "zohosync_cache",
        }
    }

# A task running longer than Q_TIMEOUT seconds is killed by django-q2; `retry` (when the broker hands an
# unacknowledged task out again) must stay above it, or a task still running would be started twice.
Q_TIMEOUT = env.int("Q_TIMEOUT", default=600)
# A sync run works in slices of at most this many seconds, then saves its cursor and continues in a new task;
# well under Q_TIMEOUT so a slice ends before the worker is killed.
SYNC_SLICE_SECONDS = env.int("SYNC_SLICE_SECONDS", default=240)
# A module with more records than this to send goes through Zoho's Bulk Write (500 credits per job of up to
# 25,000 rows) instead of batch upserts of 100 (1 credit per 10 records).
BULK_WRITE_MIN_ROWS = env.int("BULK_WRITE_MIN_ROWS", default=5000)

Q_CLUSTER = {
    "name": "zohosync",
    # SQLite serialises writers: one worker avoids lock contention; PostgreSQL takes more.
    "workers": env("Q_WORKERS") or (1 if _is_sqlite else 2),
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + max(60, Q_TIMEOUT // 2),  # must exceed timeout, or the broker hands a running task out again
    "max_attempts": 3,
    "ack_failures": False,
    "catch_up": False,
    "save_limit": 500,
    "queue_limit": 4,
    "bulk": 1,
    "poll": 1,
    "label": "Task queue",
}
if Q_BROKER == "redis":
    Q_CLUSTER["redis"] = REDIS_URL or "redis://127.0.0.1:6379/0"
else:
    Q_CLUSTER["orm"] = "default"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user name, or from one IP
# address, further attempts are refused (HTTP 429) for AXES_COOLOFF_MINUTES; a successful login resets the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per user and per IP
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "integrations.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # stored times and schedules; pages use each user's zone (profiles.middleware)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `collectstatic` writes here; outside DEBUG pages name the hashed copies (long-lived caching), so a deployment
# must run it after each upgrade.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security: strict outside DEBUG (`manage.py check --deploy` is clean with production settings).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # Strict would drop the session on Zoho's redirect back
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool(
    "BEHIND_HTTPS_PROXY", default=False
) else None
# Plain-http requests are redirected to https outside DEBUG (behind a TLS proxy set BEHIND_HTTPS_PROXY=True, or
# the proxy's own http→https redirect and SECURE_SSL_REDIRECT=False). Never redirected: the health probe, and the
# webhook receiver, because WooCommerce counts a 301/302 as delivered and would silently lose the event.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^webhooks/"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Our own scripts and styles only; no inline script or style anywhere (integrations/security_headers.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)

# Personal data (webhook bodies, run report examples, task results) is pruned daily after this many days.
DATA_RETENTION_DAYS = env.int("DATA_RETENTION_DAYS", default=30)

# Email for alerts (see ALERT_* below); console output in DEBUG.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="zoho-store-sync@localhost")
# Alerts (syncs/alerts.py), checked every few minutes: each is mailed once when it starts and once when it ends,
# to active staff users with an email, to these addresses, and to an affiliate for their own connection.
ALERT_EMAILS = env.list("ALERT_EMAILS", default=[])
ALERT_FAILED_RUNS = env.int("ALERT_FAILED_RUNS", default=3)  # runs of a connection failed in a row
ALERT_STORE_UNREADABLE_MINUTES = env.int("ALERT_STORE_UNREADABLE_MINUTES", default=60)
ALERT_CREDIT_PERCENT = env.int("ALERT_CREDIT_PERCENT", default=80)  # of the daily credit budget, rolling 24 h
ALERT_WORKER_DOWN_MINUTES = env.int("ALERT_WORKER_DOWN_MINUTES", default=5)  # no worker heartbeat for this long

# Outbound HTTP: every call has a timeout (connect, read) in seconds.
HTTP_TIMEOUT = (env.float("HTTP_CONNECT_TIMEOUT", default=5.0), env.float("HTTP_READ_TIMEOUT", default=30.0))
# Store URLs on private or loopback addresses are refused outside DEBUG unless allowed (SSRF).
ALLOW_PRIVATE_STORE_URLS = env.bool("ALLOW_PRIVATE_STORE_URLS", default=DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "integrations.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys." + env("LOG_STREAM", default="stdout"),
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["stdout"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "urllib3": {"level": "WARNING"},
    },
}

# In DEBUG (make run, tests) serve static files straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# The sandbox and the benchmarks (top-level packages `sandbox/` and `bench/`) join the project only when enabled.
# Settings modules built on this one turn them on through the environment (SANDBOX_ENABLED=True before importing).
if SANDBOX_ENABLED:
    INSTALLED_APPS += [
        "sandbox.apps.Config",
        "sandbox.zoho.apps.Config",
        "sandbox.stores.apps.Config",
        "bench.apps.Config",
    ]
    # Right after the session middleware: a request for /sandbox/ while the gate is shut never reaches a view.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
                      "sandbox.middleware.SandboxGateMiddleware")
    # The sandbox stands for outside services, so its tables live in a database of their own.
    DATABASES["sandbox"] = _database(
        env("SANDBOX_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sandbox.sqlite3'}")
    )
    DATABASE_ROUTERS = ["sandbox.routers.SandboxRouter"]
    # The sandbox's Bulk Write writes a share of a job's rows per status read, at most this many rows and about this
    # many seconds (Zoho does it in the background; a bounded share per read keeps every request short).
    SANDBOX_BULK_ROWS_PER_READ = env.int("SANDBOX_BULK_ROWS_PER_READ", default=5000)
    SANDBOX_BULK_SECONDS_PER_READ = env.float("SANDBOX_BULK_SECONDS_PER_READ", default=5.0)
