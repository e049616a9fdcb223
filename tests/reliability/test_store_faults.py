"""Fault matrix, store side: a store that is down, too slow or refuses the keys fails the run with a clear,
secret-free reason, and Zoho is not called at all."""

import re

import pytest
import requests

from integrations.stores.models import Store
from syncs.engine import Hooks, run_sync
from syncs.models import SyncedRecord
from tests.syncs.conftest import make_settings, no_sleep

KEY, SECRET = "ck_" + "a1" * 20, "cs_" + "b2" * 20
WOO_401 = {"code": "woocommerce_rest_authentication_error", "message": "Invalid signature - provided signature "
           "does not match.", "data": {"status": 401}}
FAILURES = {
    "down": ({"body": requests.exceptions.ConnectionError("Connection refused")}, "Could not connect to"),
    "slow": ({"body": requests.exceptions.ReadTimeout("Read timed out. (read timeout=30)")}, "Timed out waiting"),
    "error page": ({"status": 503, "body": "<h1>Service Unavailable</h1>", "content_type": "text/html"},
                   "failed with HTTP 503"),
    "invalid credentials": ({"status": 401, "json": WOO_401}, "rejected the API keys"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_store_that_cannot_be_read_fails_the_run_clearly_and_zoho_is_untouched(http, failure):
    answer, says = FAILURES[failure]
    sync_settings = make_settings()
    store = Store(name="Broken shop", kind=Store.Kind.WOOCOMMERCE, base_url="https://broken-shop.example")
    store.set_credentials({"consumer_key": KEY, "consumer_secret": SECRET})
    store.save()
    http.add("GET", re.compile(r"https://broken-shop\.example/.*"), **answer)

    run = run_sync(sync_settings, hooks=Hooks(sleep=no_sleep))

    run.refresh_from_db()
    assert run.status == "failed" and run.stop_reason == "store_error"
    assert run.error_summary.startswith("A store could not be read") and says in run.error_summary
    assert KEY not in run.error_summary and SECRET not in run.error_summary
    assert run.zoho_calls == 0 and not SyncedRecord.objects.exists()
    assert all(call.request.url.startswith("https://broken-shop.example/") for call in http.calls)
