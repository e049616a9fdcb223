"""The ASGI entry point. Like config.wsgi it refuses to start with unsafe settings."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

from integrations.checks import refuse_unsafe_settings  # noqa: E402  (needs the apps loaded above)

refuse_unsafe_settings()
