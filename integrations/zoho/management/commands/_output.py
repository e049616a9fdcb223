"""Shared output for the zoho_* commands: one JSON document with --json, plain lines otherwise."""

import json

from django.core.management.base import CommandError


def finish(command, options, report: dict):
    """Print the report; exit non-zero (CommandError) when `report["ok"]` is false."""
    if options.get("json"):
        command.stdout.write(json.dumps(report, sort_keys=True))
    elif report.get("ok"):
        for key, value in report.items():
            if key != "ok":
                command.stdout.write(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    if not report.get("ok"):
        raise CommandError(report.get("error", "failed"))
