import json as jsonlib

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from syncs.alerts import evaluate


class Command(BaseCommand):
    help = ("Check for alerts now: open, mail and close incidents (the worker does it every 5 minutes; run this from "
            "a timer too, so a stopped worker is noticed).")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, json=False, **options):
        try:
            result = evaluate()
        except DatabaseError as exc:
            raise CommandError(f"The database is unavailable: {exc.__class__.__name__}")
        if json:
            self.stdout.write(jsonlib.dumps(result))
            return
        for incident in result["open"]:
            state = "mailed" if incident["notified"] else "not mailed yet"
            self.stdout.write(f"OPEN {incident['kind']} {incident['subject']} since {incident['since']} ({state})")
        for incident in result["recovered"]:
            self.stdout.write(f"RECOVERED {incident['kind']} {incident['subject']}")
        if not result["open"] and not result["recovered"]:
            self.stdout.write("No alerts.")
        self.stdout.write(f"{result['emails_sent']} email(s) sent.")
