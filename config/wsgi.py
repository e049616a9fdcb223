"""The WSGI entry point (gunicorn config.wsgi). It refuses to start with unsafe settings (the same errors as
`manage.py check`), so a server never serves, say, the sandbox with DEBUG off."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from integrations.checks import refuse_unsafe_settings  # noqa: E402  (needs the apps loaded above)

refuse_unsafe_settings()
