from django.http import HttpResponse
from django.urls import path


def _placeholder(request):
    return HttpResponse(status=404)


urlpatterns = [
    path("zoho/oauth/callback/", _placeholder, name="zoho-oauth-callback"),
]
