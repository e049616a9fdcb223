"""Settings for the `qcluster` processes `manage.py bench_scaleout` starts: the real settings with the sandbox on,
a queue of their own (SCALEOUT_QUEUE), SCALEOUT_WORKERS workers each, and the benchmark server's SITE_URL.
DATABASE_URL / SANDBOX_DATABASE_URL point at the benchmark's scratch databases. Never for production."""

import os

os.environ["SANDBOX_ENABLED"] = "True"  # installs the sandbox apps, URLs and database alias

from config.settings import *  # noqa: E402,F403
from config.settings import Q_CLUSTER  # noqa: E402

SITE_URL = os.environ["SITE_URL"]
ALLOW_PRIVATE_STORE_URLS = True
Q_CLUSTER = {**Q_CLUSTER, "sync": False, "name": os.environ["SCALEOUT_QUEUE"], "poll": 0.2,
             "workers": int(os.environ.get("SCALEOUT_WORKERS", "1"))}
