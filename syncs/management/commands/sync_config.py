"""`manage.py sync_config export --connection NAME` and `sync_config import --connection NAME FILE|- [--dry-run]`:
a connection's sync settings as one JSON document (see syncs/config_document.py)."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from integrations import audit
from integrations.zoho.errors import ZohoError
from syncs.config_document import InvalidDocument, apply_import, export_document, plan_import
from syncs.management.commands._runs import settings_named


class Command(BaseCommand):
    help = "Export or import a connection's sync settings (options, modules, mappings, policies) as JSON."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="print the settings as one JSON document (no secrets)")
        export.add_argument("--connection", required=True, help="the Zoho connection's name")
        export.add_argument("--json", action="store_true", help="(always JSON; accepted for symmetry)")
        load = actions.add_parser("import", help="check a document against the org's Zoho fields and apply it")
        load.add_argument("--connection", required=True, help="the Zoho connection's name")
        load.add_argument("file", help="the JSON document, or - for standard input")
        load.add_argument("--dry-run", action="store_true", help="check and report what would change; change nothing")
        load.add_argument("--json", action="store_true", help="(the summary is always one JSON document)")

    def handle(self, *args, action, connection, **options):
        try:
            [sync_settings] = settings_named(connection)
        except CommandError as exc:
            self.stdout.write(json.dumps({"connection": connection, "ok": False, "errors": [str(exc)]}, indent=2))
            raise
        if action == "export":
            self.stdout.write(json.dumps(export_document(sync_settings), indent=2))
            return
        document = self.read(options["file"])
        try:
            plan = plan_import(sync_settings, document)
        except InvalidDocument as exc:
            self.stdout.write(json.dumps({"connection": connection, "ok": False, "errors": exc.errors}, indent=2))
            raise CommandError("The document was not imported, nothing changed: " + " ".join(exc.errors))
        except ZohoError as exc:
            self.stdout.write(json.dumps({"connection": connection, "ok": False, "errors": [exc.explanation]},
                                         indent=2))
            raise CommandError(f"Could not read the org's fields from Zoho, nothing changed: {exc.explanation}")
        if not options["dry_run"]:
            apply_import(sync_settings, plan)
            if plan.changed:
                changed = [*plan.settings_changes, *(f"the {m} mapping" for m in plan.mappings)]
                audit.record(audit.Action.SETTINGS, f"Imported sync settings (sync_config): changed "
                             f"{', '.join(changed)}.", connection=sync_settings.connection,
                             actor="manage.py sync_config")
        self.stdout.write(json.dumps({"connection": connection, "ok": True, "dry_run": options["dry_run"],
                                      **plan.summary()}, indent=2))

    def read(self, path: str):
        try:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.")
        try:
            return json.loads(text)
        except ValueError as exc:
            self.stdout.write(json.dumps({"ok": False, "errors": [f"Not JSON: {exc}"]}))
            raise CommandError(f"{path} is not JSON: {exc}")
