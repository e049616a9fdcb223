from django.conf import settings
from django.http import Http404

SANDBOX_PREFIX = "/sandbox/"


class SandboxGateMiddleware:
    """The sandbox is unreachable (404) unless SANDBOX_ENABLED is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(SANDBOX_PREFIX) and not settings.SANDBOX_ENABLED:
            raise Http404("The sandbox is disabled.")
        return self.get_response(request)
