import json

from django.core.management.base import BaseCommand

from integrations.encryption import encrypted_fields, rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key in FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, run this, then remove the old key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, **options):
        report = {}
        for model, names in encrypted_fields():
            report[model._meta.label] = {"fields": names, "rows": rotate(model, names)}
        if options["json"]:
            self.stdout.write(json.dumps({"rotated": report}))
        else:
            for label, item in report.items():
                self.stdout.write(f"{label}: {item['rows']} row(s) re-encrypted ({', '.join(item['fields'])})")
