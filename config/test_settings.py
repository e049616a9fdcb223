"""Settings for the test suite: the real settings with fixed keys, the sandbox on, fast hashing and
django-q2 running tasks inline. DATABASE_URL / SANDBOX_DATABASE_URL still come from the environment,
so the same suite runs on SQLite and on PostgreSQL."""

import os

os.environ.setdefault("DEBUG", "True")
os.environ["SANDBOX_ENABLED"] = "True"  # installs the sandbox apps, URLs and database alias

from config.settings import *  # noqa: E402,F403
from config.settings import Q_CLUSTER  # noqa: E402

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"
FIELD_ENCRYPTION_KEYS = [
    "0F2RaRCuJJBwxjj5gIZMcJC1chkf0WpiZ9r0CWbzZ5M=",  # test key only
]
SITE_URL = "http://testserver"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING_CONFIG = None  # pytest's caplog captures records; no stdout handler in tests

# SQLite test databases are files (WAL, busy timeout, as in production), not shared-cache memory:
# tests run several connections at once (claims, live server, threads), and shared-cache memory
# databases fail table locks at once instead of waiting.
for _alias, _database in DATABASES.items():  # noqa: F405
    if _database["ENGINE"].endswith("sqlite3"):
        _database["TEST"] = {"NAME": str(VAR_DIR / f"test_{_alias}_{os.getpid()}.sqlite3")}  # noqa: F405
