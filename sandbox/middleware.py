"""The sandbox's own gate: installed only with the sandbox, it still answers 404 for every sandbox URL the moment
SANDBOX_ENABLED reads False (tests switch it at run time). It matches `path_info`, the path inside the app, so a
deployment under a URL prefix (SCRIPT_NAME) cannot slip past it."""

from django.conf import settings
from django.http import Http404

SANDBOX_PREFIX = "/sandbox/"


class SandboxGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(SANDBOX_PREFIX) and not settings.SANDBOX_ENABLED:
            raise Http404("The sandbox is disabled.")
        return self.get_response(request)
