"""Store URLs are typed in by people: outside DEBUG only https to public addresses, checked in the form AND again
before every request (a row written some other way, or a name that now resolves elsewhere, gets no request)."""

import pytest

from integrations.stores.models import Store
from integrations.stores.sources import get_source
from syncs.engine import Hooks, run_sync
from tests.syncs.conftest import make_settings, no_sleep

PRIVATE = ["https://127.0.0.1/", "https://2130706433/", "https://0x7f.1/", "https://[::ffff:127.0.0.1]/",
           "https://169.254.169.254/latest/meta-data/", "https://10.0.0.8/", "https://192.168.1.1/",
           "https://[fe80::1]/", "https://0.0.0.0/", "https://localhost/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PRIVATE)
def test_a_private_store_url_gets_no_request_at_sync_time_in_production(http, settings, url):
    settings.ALLOW_PRIVATE_STORE_URLS = False
    sync_settings = make_settings()
    store = Store.objects.create(name="Sneaky", kind=Store.Kind.WOOCOMMERCE, base_url=url)
    store.set_credentials({"consumer_key": "ck_x", "consumer_secret": "cs_y"})
    store.save()
    run = run_sync(sync_settings, hooks=Hooks(sleep=no_sleep))
    run.refresh_from_db()
    assert run.status == "failed" and "private or loopback" in run.error_summary
    assert not get_source(store).check().ok
    assert len(http.calls) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*PRIVATE[:4], "file:///etc/passwd", "gopher://shop.example/", "http://shop.example/"])
def test_the_store_form_refuses_unsafe_urls_in_production(admin_client, settings, url):
    settings.ALLOW_PRIVATE_STORE_URLS = False
    response = admin_client.post("/stores/add/woocommerce/", {
        "name": "Sneaky", "base_url": url, "consumer_key": "ck_x", "consumer_secret": "cs_y", "is_my_store": "on",
        "enabled": "on", "customer_role": "all"})
    assert response.status_code == 200 and not Store.objects.exists()
    assert "errorlist" in response.content.decode()
