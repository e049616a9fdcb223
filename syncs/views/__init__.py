"""The sync pages, one module per page: dashboard, wizard, mapping, preview, runs, inbox, reset, progress.
Every object is looked up through `access`, so other owners' objects are 404 and settings an affiliate may
not change are 403."""
