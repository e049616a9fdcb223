"""Demo data for the Zoho sandbox: the "Demo Store CRM" org with a user and a server-based API client whose
redirect URI is the app's OAuth callback, and a second org, "Partner CRM", for org-to-org syncs. Idempotent."""

from dataclasses import dataclass

from django.conf import settings

from . import oauth, services
from .models import ApiClient, Org

DEMO_ORG = "Demo Store CRM"
PARTNER_ORG = "Partner CRM"
DEMO_CLIENT = "Zoho Store Sync (demo)"
CALLBACK_PATH = "/zoho/oauth/callback/"  # the app's `zoho-oauth-callback` route


@dataclass(frozen=True)
class DemoSandbox:
    org: Org
    partner_org: Org
    client: ApiClient

    @property
    def accounts_server(self) -> str:
        return oauth.accounts_server()

    @property
    def api_domain(self) -> str:
        return oauth.api_domain()


def _org(name: str, user_email: str, user_name: str) -> Org:
    return Org.objects.filter(name=name).first() or services.create_org(
        name, edition="enterprise", user_email=user_email, user_name=user_name
    )


def ensure_demo_sandbox() -> DemoSandbox:
    """The demo orgs and API client, created on first call. Other code (the demo command, a "connect" step)
    may call this instead of shelling out to `manage.py zoho_sandbox`."""
    org = _org(DEMO_ORG, "patricia.boyle@demo-store.example.com", "Patricia Boyle")
    partner = _org(PARTNER_ORG, "sam.partner@partner-crm.example.com", "Sam Partner")
    redirect_uri = settings.SITE_URL + CALLBACK_PATH
    client = ApiClient.objects.filter(org=org, name=DEMO_CLIENT).first()
    if client is None:
        client = services.create_client(org, DEMO_CLIENT, [redirect_uri], homepage_url=settings.SITE_URL)
    elif redirect_uri not in client.redirect_uri_list:
        # SITE_URL changed since the demo was first built: register the new callback too.
        client.redirect_uris = "\n".join([*client.redirect_uri_list, redirect_uri])
        client.save(update_fields=["redirect_uris"])
    return DemoSandbox(org=org, partner_org=partner, client=client)


def setup(stdout, **options):
    demo = ensure_demo_sandbox()
    stdout.write(
        f"Zoho sandbox: orgs '{demo.org.name}' and '{demo.partner_org.name}'. API client '{demo.client.name}' "
        f"has client ID {demo.client.client_id}; copy its client secret from the sandbox API console at "
        f"{settings.SITE_URL}/sandbox/zoho/accounts/console/ (accounts server {demo.accounts_server})."
    )
