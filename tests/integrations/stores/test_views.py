import pytest
from django.test import Client

from integrations.stores.models import Store
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.http import check_store_url

SANDBOX = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def stores(db, affiliate_user):
    mine = Store.objects.create(name="Main shop", kind="woocommerce", base_url="https://shop.example.com",
                                webhook_secret="whsec-very-secret-value")
    mine.set_credentials({"consumer_key": "ck_" + "1" * 40, "consumer_secret": "cs_" + "2" * 40})
    mine.save()
    theirs = Store.objects.create(name="Bob's shop", kind="magento", base_url="https://bob.example.com",
                                  is_my_store=False, owner=affiliate_user)
    return mine, theirs


def test_staff_see_every_store_and_affiliates_only_their_own(admin_user, affiliate_client, stores):
    mine, theirs = stores
    admin_client = Client()
    admin_client.force_login(admin_user)
    body = admin_client.get("/stores/").content.decode()
    assert "Main shop" in body and "Bob&#x27;s shop" in body
    body = affiliate_client.get("/stores/").content.decode()
    assert "Main shop" not in body and "Bob&#x27;s shop" in body
    assert affiliate_client.get(f"/stores/{mine.pk}/").status_code == 404
    assert affiliate_client.post(f"/stores/{mine.pk}/test/").status_code == 404
    assert affiliate_client.get(f"/stores/{theirs.pk}/").status_code == 200
    assert affiliate_client.get("/stores/add/woocommerce/").status_code == 403


def test_credentials_are_never_rendered_back(admin_client, stores):
    mine, _ = stores
    for url in (f"/stores/{mine.pk}/", f"/stores/{mine.pk}/edit/", f"/admin/stores/store/{mine.pk}/change/"):
        body = admin_client.get(url).content.decode()
        assert "1" * 40 not in body and "2" * 40 not in body and "whsec-very-secret-value" not in body, url
    edit = admin_client.get(f"/stores/{mine.pk}/edit/").content.decode()
    assert "Leave blank to keep" in edit and "••••••••" in edit


def test_blank_secrets_on_edit_keep_the_stored_ones(admin_client, stores):
    mine, _ = stores
    response = admin_client.post(f"/stores/{mine.pk}/edit/", {
        "name": "Renamed", "base_url": "https://shop.example.com", "is_my_store": "on", "enabled": "on",
        "consumer_key": "", "consumer_secret": "", "newsletter_meta_key": "news", "customer_role": "customer"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.name == "Renamed" and mine.get_credentials()["consumer_secret"] == "cs_" + "2" * 40
    assert mine.config["customer_role"] == "customer" and mine.config["newsletter_meta_key"] == "news"


def test_adding_a_store_needs_its_keys_and_a_safe_url(admin_client, settings, db):
    settings.ALLOW_PRIVATE_STORE_URLS = False
    response = admin_client.post("/stores/add/woocommerce/", {
        "name": "Local", "base_url": "http://127.0.0.1:8080", "is_my_store": "on", "enabled": "on",
        "customer_role": "all"})
    body = response.content.decode()
    assert response.status_code == 200 and "must use https" in body and "This field is required" in body
    response = admin_client.post("/stores/add/magento/", {
        "name": "Partner", "base_url": "https://127.0.0.1", "enabled": "on", "access_token": "tok"})
    assert "loopback, link-local and cloud metadata addresses are not allowed" in response.content.decode()
    assert not Store.objects.exists()


def test_an_affiliate_store_needs_an_owner(admin_client, db):
    response = admin_client.post("/stores/add/magento/", {
        "name": "Partner", "base_url": "https://magento.example.com", "enabled": "on", "access_token": "tok"})
    assert "An affiliate store needs an owner." in response.content.decode()


def test_the_magento_form_explains_integration_tokens(admin_client, db):
    body = admin_client.get("/stores/add/magento/").content.decode()
    assert "Integration" in body and "two-factor" in body and "standalone Bearer tokens" in body


def test_ssrf_guard_refuses_other_schemes_and_private_addresses(settings):
    settings.ALLOW_PRIVATE_STORE_URLS = False
    for url, words in (("ftp://shop.example.com", "http(s)"), ("https://user:pw@shop.example.com", "user name"),
                       ("https://10.1.2.3", "private"), ("https://localhost", "private"),
                       ("https://[::1]", "private"), ("http://shop.example.com", "https")):
        with pytest.raises(SourceError) as caught:
            check_store_url(url)
        assert words in caught.value.message and caught.value.permanent, url
    settings.ALLOW_PRIVATE_STORE_URLS = True
    assert check_store_url("http://127.0.0.1:8000/shop/") == "http://127.0.0.1:8000/shop"


@SANDBOX
def test_test_connection_says_exactly_what_failed_then_succeeds(admin_client, store_sandbox):
    shop = store_sandbox.woocommerce(customers=4)
    store = store_sandbox.app_store(shop)
    store.set_credentials({"consumer_key": shop.consumer_key, "consumer_secret": "cs_wrong"})
    store.save()
    response = admin_client.post(f"/stores/{store.pk}/test/", follow=True)
    assert "Consumer secret is invalid." in response.content.decode()
    store.refresh_from_db()
    assert store.last_check_ok is False and "rejected the API keys" in store.last_check_message
    store.set_credentials({"consumer_key": shop.consumer_key, "consumer_secret": shop.consumer_secret})
    store.save()
    response = admin_client.post(f"/stores/{store.pk}/test/", follow=True)
    assert "Connected to WooCommerce" in response.content.decode()
    store.refresh_from_db()
    assert store.last_check_ok is True


def test_redirects_to_another_host_are_not_followed(http, db):
    import responses as responses_lib

    http.add(responses_lib.GET, "https://shop.example.com/wp-json/wc/v3/customers", status=301,
             headers={"Location": "https://evil.example.net/wp-json/wc/v3/customers"})
    store = Store.objects.create(name="Moved", kind="woocommerce", base_url="https://shop.example.com")
    store.set_credentials({"consumer_key": "ck_a", "consumer_secret": "cs_b"})
    store.save()
    from integrations.stores.sources import get_source

    result = get_source(store).check()
    assert not result.ok and "another host" in result.message and "evil.example.net" in result.message


def test_webhook_panel_shows_url_setup_steps_and_reveals_or_regenerates_the_secret(admin_client, stores):
    mine, theirs = stores
    body = admin_client.get(f"/stores/{mine.pk}/").content.decode()
    assert f"http://testserver/webhooks/woocommerce/{mine.public_id}/" in body
    assert "Settings → Advanced → Webhooks" in body and "v3" in body and "Order updated" in body
    assert "whsec-very-secret-value" not in body
    revealed = admin_client.post(f"/stores/{mine.pk}/webhook-secret/", {"action": "reveal"}).content.decode()
    assert "whsec-very-secret-value" in revealed
    admin_client.post(f"/stores/{mine.pk}/webhook-secret/", {"action": "regenerate"})
    mine.refresh_from_db()
    assert mine.webhook_secret != "whsec-very-secret-value" and len(mine.webhook_secret) >= 40
    assert admin_client.post(f"/stores/{theirs.pk}/webhook-secret/", {"action": "reveal"}).status_code == 404


def test_webhook_events_admin_is_read_only(admin_client, stores):
    assert admin_client.get("/admin/stores/webhookevent/").status_code == 200
    assert admin_client.get("/admin/stores/webhookevent/add/").status_code == 403


def test_a_changed_store_url_needs_every_secret_again(admin_client, stores):
    mine, _ = stores
    form = {"name": "Main shop", "base_url": "https://attacker.example", "is_my_store": "on", "enabled": "on",
            "consumer_key": "", "consumer_secret": "", "newsletter_meta_key": "news", "customer_role": "all"}
    response = admin_client.post(f"/stores/{mine.pk}/edit/", form)
    assert response.status_code == 200 and "The store URL changed: enter this secret again" in response.content.decode()
    mine.refresh_from_db()
    assert mine.base_url == "https://shop.example.com" and mine.get_credentials()["consumer_key"] == "ck_" + "1" * 40
    response = admin_client.post(f"/stores/{mine.pk}/edit/", {**form, "consumer_key": "ck_new", "consumer_secret": ""})
    assert response.status_code == 200  # every secret, not just one
    new_keys = {"consumer_key": "ck_new", "consumer_secret": "cs_new"}
    response = admin_client.post(f"/stores/{mine.pk}/edit/", {**form, **new_keys})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.base_url == "https://attacker.example"
    assert mine.get_credentials() == {"consumer_key": "ck_new", "consumer_secret": "cs_new"}


def test_saved_keys_never_follow_a_url_changed_around_the_form(http, stores):
    """The admin or a shell: the keys stay bound to the URL they were entered for, so no request carries them."""
    mine, _ = stores
    mine.base_url = "https://attacker.example"
    mine.save()
    mine = Store.objects.get(pk=mine.pk)
    assert mine.get_credentials() == {}
    from integrations.stores.sources import get_source

    result = get_source(mine).check()
    assert not result.ok and len(http.calls) == 0
    mine.base_url = "https://shop.example.com/"
    assert mine.get_credentials()["consumer_secret"] == "cs_" + "2" * 40


MAGENTO_KEYS = {"consumer_key": "k" * 32, "consumer_secret": "s" * 32, "access_token": "t" * 32,
                "access_token_secret": "u" * 32}


def test_a_magento_store_signs_with_oauth1_and_needs_the_four_integration_keys(admin_client, db):
    form = {"name": "Mage", "base_url": "https://magento.example.com", "is_my_store": "on", "enabled": "on",
            "auth": "oauth1"}
    response = admin_client.post("/stores/add/magento/", {**form, "access_token": "t" * 32})
    assert response.status_code == 200 and response.content.decode().count("This field is required") == 3
    response = admin_client.post("/stores/add/magento/", {**form, **MAGENTO_KEYS})
    assert response.status_code == 302
    store = Store.objects.get()
    assert store.get_credentials() == MAGENTO_KEYS and store.config["auth"] == "oauth1"
    body = admin_client.get(f"/stores/{store.pk}/edit/").content.decode()
    assert all(value not in body for value in MAGENTO_KEYS.values()) and body.count("Stored: ••••") == 4


def test_a_magento_store_in_bearer_mode_needs_only_the_access_token(admin_client, db):
    response = admin_client.post("/stores/add/magento/", {
        "name": "Mage", "base_url": "https://magento.example.com", "is_my_store": "on", "enabled": "on",
        "auth": "bearer", "access_token": "t" * 32})
    assert response.status_code == 302
    assert Store.objects.get().get_credentials() == {"access_token": "t" * 32}
