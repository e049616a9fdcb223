"""Print the configured database aliases, one a line (`default`, plus `sandbox` while SANDBOX_ENABLED), so the
Makefile migrates exactly the databases these settings use.

    python -m config.database_aliases
"""

import os

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    print("\n".join(settings.DATABASES))
