"""Write a first `.env` with fresh secrets. Never overwrites an existing file.

    python -m config.envfile .env
"""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

TEMPLATE = """\
# Written by `make run` on first start. Edit freely; see .env.example for every variable.
DEBUG=True
SECRET_KEY={secret_key}
FIELD_ENCRYPTION_KEYS={encryption_key}
SITE_URL=http://127.0.0.1:8000
"""


def write_env(path: Path) -> bool:
    if path.exists():
        return False
    path.write_text(
        TEMPLATE.format(
            secret_key=secrets.token_urlsafe(50),
            encryption_key=Fernet.generate_key().decode(),
        )
    )
    path.chmod(0o600)
    return True


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    if write_env(target):
        print(f"Wrote {target} with a new SECRET_KEY and encryption key.", file=sys.stderr)
