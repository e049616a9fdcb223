from django.core.management.base import BaseCommand

from integrations.zoho.errors import ZohoError
from integrations.zoho.models import ZohoConnection
from integrations.zoho.verification import verify_connection

from ._output import finish


class Command(BaseCommand):
    help = "Verify a Zoho connection: call org and current user, and say what is wrong if that fails."

    def add_arguments(self, parser):
        parser.add_argument("name", help="connection name")
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, **options):
        connection = ZohoConnection.objects.select_related("api_client").filter(name=options["name"]).first()
        if connection is None:
            finish(self, options, {"ok": False, "error": f"No Zoho connection named {options['name']!r}."})
        report = {"ok": True, "connection": connection.name}
        try:
            report.update(verify_connection(connection).as_dict())
        except ZohoError as exc:
            report.update(ok=False, error=exc.explanation, code=exc.code)
        connection.refresh_from_db()
        report["status"] = connection.status
        finish(self, options, report)
