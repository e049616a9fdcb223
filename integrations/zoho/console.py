"""What a person enters in Zoho's API console to register this website (DecoNetwork's info box): homepage URL,
Authorized Redirect URI, the console of each data center and the scopes to grant."""

from django.conf import settings
from django.urls import reverse

from . import oauth
from .datacenters import DATA_CENTERS
from .models import ZohoConnection


def register_context(connection: ZohoConnection | None) -> dict:
    dc = connection.api_client.data_center_info if connection else None
    return {
        "homepage_url": settings.SITE_URL + "/",
        "redirect_uri": settings.SITE_URL + reverse("zoho-oauth-callback"),
        "data_center": dc,
        "data_centers_consoles": {dc.key: dc.console_url for dc in DATA_CENTERS.values()},
        "scopes": oauth.SCOPES,
    }
