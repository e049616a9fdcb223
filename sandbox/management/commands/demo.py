"""Demo data for trying the product without real accounts. Idempotent; touches only the sandbox."""

import os
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

# Each area adds its sandbox data in its own `demo.setup(stdout, **options)`; they run in this order.
DEMO_STEPS = [
    "sandbox.zoho.demo",
    "sandbox.demo.stores",
    "sandbox.demo.zoho_connection",
]

DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = "Create the demo admin and sandbox data (idempotent). Only with SANDBOX_ENABLED."

    def add_arguments(self, parser):
        parser.add_argument(
            "--connect", action="store_true",
            help="also connect the sandbox Zoho org with DecoNetwork's defaults, so sync_now works",
        )

    def handle(self, *args, **options):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The demo needs the sandbox: set SANDBOX_ENABLED=True (demo machines only).")
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "zoho-demo")
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"}
        )
        if created:
            admin.set_password(password)
            admin.save()
        for step in DEMO_STEPS:
            import_module(step).setup(self.stdout, connect=options["connect"])
        self.stdout.write(
            f"\nDemo ready. Log in at {settings.SITE_URL}/accounts/login/ as "
            f"{DEMO_ADMIN} / {password if admin.check_password(password) else '(the password you set)'}"
        )
