"""Production settings, loaded for real (config.settings in a fresh interpreter, configured only by the
environment as on a server): `manage.py check --deploy` reports nothing, cookies are secure, and responses
carry the security headers."""

import json
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(tmp_path) -> dict:
    return {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "False", "SANDBOX_ENABLED": "False", "SITE_URL": "https://sync.example.com",
        "ALLOWED_HOSTS": "sync.example.com", "SECRET_KEY": get_random_secret_key() + get_random_secret_key(),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "BEHIND_HTTPS_PROXY": "True",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
        "LOG_STREAM": "stderr", "STATIC_ROOT": str(tmp_path / "static"),
    }


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=production_env(tmp_path), capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
page = Client().get("/accounts/login/", secure=True, headers={"host": "sync.example.com"})
plain = Client().get("/accounts/login/", headers={"host": "sync.example.com"})
webhook = Client().post("/webhooks/woocommerce/00000000-0000-0000-0000-000000000000/", b"{}",
                        content_type="application/json", headers={"host": "sync.example.com"})
cookie = page.cookies.get(settings.CSRF_COOKIE_NAME)
print(json.dumps({
    "status": page.status_code, "headers": dict(page.items()), "plain": [plain.status_code, plain.get("Location")],
    "webhook_over_http": webhook.status_code,
    "csrf_cookie": {"secure": bool(cookie and cookie["secure"]), "samesite": cookie and cookie["samesite"]},
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "sandbox": settings.SANDBOX_ENABLED, "allow_private_store_urls": settings.ALLOW_PRIVATE_STORE_URLS,
}))
"""


def test_production_responses_carry_security_headers_and_secure_cookies(tmp_path):
    env = production_env(tmp_path)
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, timeout=120,
                       capture_output=True)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = seen["headers"]
    assert seen["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin" and headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert seen["plain"] == [301, "https://sync.example.com/accounts/login/"]
    assert seen["webhook_over_http"] == 404  # answered, not redirected (WooCommerce would count a 301 as delivered)
    assert seen["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert seen["session_cookie_secure"] and seen["session_cookie_httponly"]
    assert not seen["sandbox"] and not seen["allow_private_store_urls"]


STATIC_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
call_command("collectstatic", "--noinput", "--verbosity", "0")
print(json.dumps({"backend": settings.STORAGES["staticfiles"]["BACKEND"], "css": static("css/app.css"),
                  "root": str(settings.STATIC_ROOT)}))
"""


def test_production_static_files_get_hashed_names_for_long_lived_caching(tmp_path):
    static_root = tmp_path / "static"
    result = subprocess.run([sys.executable, "-c", STATIC_PROBE], cwd=BASE_DIR,
                            env=production_env(tmp_path), capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["backend"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert seen["root"] == str(static_root)
    hashed = seen["css"].removeprefix("/static/")
    assert hashed != "css/app.css" and hashed.startswith("css/app.") and hashed.endswith(".css")
    assert (static_root / hashed).is_file() and (static_root / (hashed + ".gz")).is_file()
    assert json.loads((static_root / "staticfiles.json").read_text())["paths"]["css/app.css"] == hashed


SANDBOX_OFF_PROBE = """
import json, django
django.setup()
from django.apps import apps
from django.conf import settings
from django.test import Client
from integrations.stores.kinds import KINDS
print(json.dumps({
    "apps": sorted(c.name for c in apps.get_app_configs() if c.name.split(".")[0] in ("sandbox", "bench")),
    "databases": sorted(settings.DATABASES),
    "emulators": [kind.emulator for kind in KINDS.values()],
    "sandbox_page": Client().get("/sandbox/", secure=True, headers={"host": "sync.example.com"}).status_code,
    "sandbox_api": Client().get("/sandbox/zoho/crm/v8/org", secure=True,
                                headers={"host": "sync.example.com"}).status_code,
}))
"""


def test_with_the_sandbox_off_no_sandbox_app_url_or_database_exists(tmp_path):
    env = production_env(tmp_path)
    del env["SANDBOX_DATABASE_URL"]
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env,
                   check=True, timeout=120, capture_output=True)
    result = subprocess.run([sys.executable, "-c", SANDBOX_OFF_PROBE], cwd=BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"apps": [], "databases": ["default"], "emulators": [None, None, None], "sandbox_page": 404,
                    "sandbox_api": 404}


def sandbox_in_production_env(tmp_path) -> dict:
    return {**production_env(tmp_path), "SANDBOX_ENABLED": "True"}


def test_check_deploy_refuses_the_sandbox_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=BASE_DIR, env=sandbox_in_production_env(tmp_path),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert "zohosync.E006" in result.stderr


def test_the_wsgi_and_asgi_applications_refuse_to_load_with_the_sandbox_in_production(tmp_path):
    for module in ("config.wsgi", "config.asgi"):
        result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=BASE_DIR,
                                env=sandbox_in_production_env(tmp_path), capture_output=True, text=True, timeout=60,
                                check=False)
        assert result.returncode != 0, module
        assert "ImproperlyConfigured" in result.stderr and "zohosync.E006" in result.stderr, result.stderr
    fine = subprocess.run([sys.executable, "-c", "import config.wsgi"], cwd=BASE_DIR, env=production_env(tmp_path),
                          capture_output=True, text=True, timeout=60, check=False)
    assert fine.returncode == 0, fine.stderr


def test_gunicorn_refuses_to_serve_with_the_sandbox_in_production(tmp_path):
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "config.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"], cwd=BASE_DIR,
        env=sandbox_in_production_env(tmp_path), capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert "zohosync.E006" in result.stderr and "Worker failed to boot" in result.stderr
