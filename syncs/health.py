"""/healthz: is the database reachable and is a django-q2 cluster alive?"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_q.status import Stat

# The cluster's sentinel saves its status every few seconds; older than this means no worker.
HEARTBEAT_MAX_AGE = timedelta(seconds=60)


def database_status(alias="default") -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError as exc:
        return f"error: {exc.__class__.__name__}"


def worker_status() -> str:
    try:
        clusters = Stat.get_all()
    except Exception as exc:  # the broker or cache may be down: report it, never 500
        return f"error: {exc.__class__.__name__}"
    fresh = [c for c in clusters if timezone.now() - c.timestamp < HEARTBEAT_MAX_AGE]
    if not fresh:
        return "error: no django-q2 cluster heartbeat (is `manage.py qcluster` running?)"
    return "ok"


@login_not_required
@never_cache
def healthz(request):
    checks = {"database": database_status(), "worker": worker_status()}
    if "sandbox" in settings.DATABASES:  # only while the sandbox is enabled
        checks["sandbox_database"] = database_status("sandbox")
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
