"""Demo step for syncs: with `--connect`, a ready sandbox Zoho connection "demo" with DecoNetwork's defaults
(all affiliate stores, Contacts, Leads and Deals, default mappings) plus Accounts and Sales Orders (the demo
stores' orders have products and line items), so `manage.py sync_now` works without a browser.

The connection is made through the self-client paste flow, like a person would: the sandbox's console issues
a self-client grant token (a sandbox-only shortcut: this step may call the sandbox's service directly), and
the app exchanges it over HTTP with `integrations.zoho.grants.exchange_pasted_grant`. That HTTP call goes to
the sandbox's accounts server at SITE_URL, so the web server must be running. When it is not, the step still
saves the connection and its sync settings and prints a fresh grant token plus the one command that finishes
the job once the server is up (or the token can be pasted on the connection page).
"""

from django.conf import settings

from integrations.zoho import grants
from integrations.zoho.errors import ZohoError
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from integrations.zoho.oauth import SCOPES
from syncs.services import save_settings, settings_for

CONNECTION = "demo"
GRANT_MINUTES = 10  # the longest a self-client grant token lives


def setup(stdout, connect=False, **options):
    if not connect:
        stdout.write("Syncs: run `manage.py demo --connect` while the web server runs to connect the sandbox "
                     "Zoho org with DecoNetwork's defaults, then `manage.py sync_now --connection demo`.")
        return
    from sandbox.zoho import oauth as sandbox_oauth
    from sandbox.zoho.demo import ensure_demo_sandbox

    sandbox = ensure_demo_sandbox()
    connection = demo_connection(sandbox.client)
    sync_settings = settings_for(connection)
    if not sync_settings.enabled:
        sync_settings.sync_accounts = sync_settings.sync_sales_orders = True
        sync_settings.save(update_fields=["sync_accounts", "sync_sales_orders", "updated_at"])
        save_settings(sync_settings)
    if connection.status == ZohoConnection.Status.CONNECTED:
        stdout.write(f"Syncs: the Zoho connection “{CONNECTION}” is connected; run `manage.py sync_now "
                     f"--connection {CONNECTION}`.")
        return
    code = sandbox_oauth.issue_self_client_code(sandbox.client, list(SCOPES), minutes=GRANT_MINUTES).code
    try:
        grants.exchange_pasted_grant(connection, code)
    except ZohoError as exc:
        stdout.write(
            f"Syncs: the Zoho connection “{CONNECTION}” and its sync settings are saved, but the grant token could "
            f"not be exchanged ({exc.message}). The exchange goes over HTTP to the sandbox at {settings.SITE_URL}: "
            f"start the server (`make run`), then either run `manage.py demo --connect` again or, within "
            f"{GRANT_MINUTES} minutes, `manage.py zoho_connect --name {CONNECTION} --data-center sandbox "
            f"--client-id {sandbox.client.client_id} --client-secret-stdin (paste the sandbox console's secret) "
            f"--grant-token {code}`."
        )
        return
    stdout.write(f"Syncs: connected the sandbox org “{sandbox.org.name}” as “{CONNECTION}” (all affiliate "
                 f"stores, Contacts, Leads, Accounts, Deals and Sales Orders, default mappings); run "
                 f"`manage.py sync_now --connection {CONNECTION}`.")


def demo_connection(sandbox_client) -> ZohoConnection:
    connection = ZohoConnection.objects.filter(name=CONNECTION).select_related("api_client").first()
    if connection is not None:
        return connection
    api_client = ZohoApiClient.objects.create(
        name="Zoho sandbox (demo)", data_center="sandbox", client_id=sandbox_client.client_id,
        client_secret=sandbox_client.client_secret,
    )
    return ZohoConnection.objects.create(name=CONNECTION, api_client=api_client)
