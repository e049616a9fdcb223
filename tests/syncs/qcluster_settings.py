"""Settings for real `qcluster` subprocesses started by tests: the test settings, with django-q2 NOT in sync mode,
a queue of their own (SCALEOUT_QUEUE, so parallel test runs never share one) and the test server's SITE_URL.
DATABASE_URL / SANDBOX_DATABASE_URL (and REDIS_URL) point at the running test's databases."""

import os

from config.test_settings import *  # noqa: F403
from config.test_settings import Q_CLUSTER

SITE_URL = os.environ["SITE_URL"]
Q_CLUSTER = {**Q_CLUSTER, "sync": False, "name": os.environ["SCALEOUT_QUEUE"], "poll": 0.2,
             "workers": int(os.environ.get("SCALEOUT_WORKERS", "1"))}
