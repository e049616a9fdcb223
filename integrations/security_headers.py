"""The Content-Security-Policy header on every response (Django 5.2 has none built in).

The app serves its own scripts and styles only (`static/`), with no inline script or style and no
third-party origin, so the policy is strict: an injected `<script>` or `style=` would not run.
`form-action` is left out on purpose: "Generate Zoho API Grant Token" posts here and is redirected to Zoho's
accounts server, which browsers check against form-action.
"""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
