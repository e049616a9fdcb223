"""Scratch databases for a benchmark, made the way the test runner makes its own (create, migrate, destroy), so
a benchmark never reads or writes the app's real or demo data, on SQLite and on PostgreSQL alike."""

import os
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

ALIASES = ("default", "sandbox")


def scratch_name(alias: str) -> str:
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return str(settings.VAR_DIR / f"bench_{alias}_{os.getpid()}.sqlite3")
    return f"bench_{connection.settings_dict['NAME']}_{os.getpid()}"


@contextmanager
def scratch_databases():
    originals = {}
    try:
        for alias in ALIASES:
            connection = connections[alias]
            connection.settings_dict.setdefault("TEST", {})["NAME"] = scratch_name(alias)
            originals[alias] = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        yield {alias: connections[alias].settings_dict["NAME"] for alias in ALIASES}
    finally:
        for alias, original in originals.items():
            connections[alias].creation.destroy_test_db(original, verbosity=0)
