def setup(stdout, **options):
    """Demo data for this area (filled in by its issue)."""
