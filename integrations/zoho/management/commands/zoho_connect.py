import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.zoho import grants
from integrations.zoho.datacenters import DATA_CENTERS
from integrations.zoho.errors import ZohoError
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from integrations.zoho.verification import verify_connection

from ._output import finish


class Command(BaseCommand):
    help = (
        "Headless set-up of a Zoho connection: save the API client, exchange a (self-client) grant token for "
        "the authentication token, and verify it. The client secret may come from ZOHO_CLIENT_SECRET instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="connection name (slug)")
        parser.add_argument("--data-center", required=True, help=f"one of: {', '.join(DATA_CENTERS)}")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", default=os.environ.get("ZOHO_CLIENT_SECRET", ""))
        parser.add_argument("--grant-token", required=True)
        parser.add_argument("--owner", default="", help="username of an affiliate owner (default: platform)")
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, **options):
        if options["data_center"] not in DATA_CENTERS:
            finish(self, options, {"ok": False, "error": f"Unknown data center {options['data_center']!r}; "
                                   f"choose one of {', '.join(DATA_CENTERS)}."})
        if not options["client_secret"]:
            raise CommandError("Give --client-secret (or set ZOHO_CLIENT_SECRET).")
        connection = self._save(options)
        report = {"ok": True, "connection": connection.name}
        try:
            grants.exchange_pasted_grant(connection, options["grant_token"])
            report.update(verify_connection(connection).as_dict())
        except ZohoError as exc:
            report.update(ok=False, error=exc.explanation, code=exc.code)
        connection.refresh_from_db()
        report.update(status=connection.status, api_domain=connection.api_domain)
        finish(self, options, report)

    @transaction.atomic
    def _save(self, options) -> ZohoConnection:
        owner = None
        if options["owner"]:
            owner = get_user_model().objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"No user {options['owner']!r}.")
        connection = ZohoConnection.objects.select_related("api_client").filter(name=options["name"]).first()
        client = connection.api_client if connection else ZohoApiClient(name=options["name"], owner=owner)
        client.data_center = options["data_center"]
        client.client_id = options["client_id"]
        client.client_secret = options["client_secret"]
        client.save()
        if connection is None:
            connection = ZohoConnection(name=options["name"], owner=owner)
        connection.api_client = client
        connection.save()
        return connection
