import argparse
import getpass
import os
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations import audit
from integrations.zoho import grants
from integrations.zoho.datacenters import DATA_CENTERS
from integrations.zoho.errors import ZohoError
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from integrations.zoho.verification import verify_connection

from ._output import finish


class Command(BaseCommand):
    help = (
        "Headless set-up of a Zoho connection: save the API client, exchange a (self-client) grant token for "
        "the authentication token, and verify it. The client secret is never an argument (the command line is "
        "visible to every user of the machine): it is read from --client-secret-file (or ZOHO_CLIENT_SECRET_FILE), "
        "from standard input with --client-secret-stdin, from ZOHO_CLIENT_SECRET, or asked for at a prompt."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="connection name (slug)")
        parser.add_argument("--data-center", required=True, help=f"one of: {', '.join(DATA_CENTERS)}")
        parser.add_argument("--client-id", required=True)
        secret = parser.add_mutually_exclusive_group()
        secret.add_argument("--client-secret-file", default=os.environ.get("ZOHO_CLIENT_SECRET_FILE", ""),
                            help="a file holding the client secret (default: $ZOHO_CLIENT_SECRET_FILE)")
        secret.add_argument("--client-secret-stdin", action="store_true",
                            help="read the client secret from the first line of standard input")
        parser.add_argument("--client-secret", dest="client_secret_argument", default="", help=argparse.SUPPRESS)
        parser.add_argument("--grant-token", required=True)
        parser.add_argument("--owner", default="", help="username of an affiliate owner (default: platform)")
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, **options):
        if options["data_center"] not in DATA_CENTERS:
            finish(self, options, {"ok": False, "error": f"Unknown data center {options['data_center']!r}; "
                                   f"choose one of {', '.join(DATA_CENTERS)}."})
        if options["client_secret_argument"]:
            raise CommandError("The client secret is not taken on the command line (other users of the machine "
                               "can read it there): use --client-secret-file or --client-secret-stdin.")
        options["client_secret"] = self._client_secret(options)
        connection = self._save(options)
        report = {"ok": True, "connection": connection.name}
        try:
            grants.exchange_pasted_grant(connection, options["grant_token"])
            audit.record(audit.Action.CONNECT, "Authorized with zoho_connect (a self-client grant token).",
                         connection=connection, actor="zoho_connect command")
            report.update(verify_connection(connection).as_dict())
        except ZohoError as exc:
            report.update(ok=False, error=exc.explanation, code=exc.code)
        connection.refresh_from_db()
        report.update(status=connection.status, api_domain=connection.api_domain)
        finish(self, options, report)

    def _client_secret(self, options) -> str:
        stdin = options.get("stdin") or sys.stdin
        if options["client_secret_stdin"]:
            secret = stdin.readline()
        elif options["client_secret_file"]:
            try:
                secret = Path(options["client_secret_file"]).read_text()
            except OSError as exc:
                raise CommandError(f"Cannot read the client secret file: {exc.strerror}.")
        elif os.environ.get("ZOHO_CLIENT_SECRET"):
            secret = os.environ["ZOHO_CLIENT_SECRET"]
        elif stdin.isatty():
            secret = getpass.getpass("Zoho API Client Secret: ")
        else:
            secret = ""
        if not secret.strip():
            raise CommandError("No client secret: use --client-secret-file, --client-secret-stdin, "
                               "ZOHO_CLIENT_SECRET(_FILE), or run the command in a terminal to be asked for it.")
        return secret.strip()

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
