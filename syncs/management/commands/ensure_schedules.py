from django.core.management.base import BaseCommand

from syncs.schedules import ensure_schedules


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules of this app (idempotent; also runs after migrate)."

    def handle(self, *args, **options):
        for name in ensure_schedules():
            self.stdout.write(f"Schedule {name} is in place.")
