"""Secrets are read exactly as given: a Django key may start with "$", which django-environ would otherwise read
as the name of another variable (and so leave SECRET_KEY empty)."""

import subprocess
import sys

from django.conf import settings

PRINT_SECRETS = "from config import settings; print(settings.SECRET_KEY); print(settings.EMAIL_HOST_PASSWORD)"


def test_a_secret_key_starting_with_a_dollar_sign_is_kept_as_given(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SECRET_KEY": "$ecret-(key)-#1",
           "EMAIL_HOST_PASSWORD": "$mtp-pass", "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", PRINT_SECRETS], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.splitlines() == ["$ecret-(key)-#1", "$mtp-pass"]
