"""Property tests: no header or body anyone can send to the public webhook receiver or to the OAuth callback
gives a 5xx. Hostile values include non-ASCII and control characters, huge or negative lengths, and bodies
that are signed with the store's real secret (so every check after the signature is reached too)."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from integrations.stores.models import Store
from integrations.stores.webhooks import signature
from integrations.zoho import oauth_state
from tests.syncs.conftest import make_connection

PROPERTY = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SECRET = "hostile-requests-webhook-secret"

# Header values as a WSGI server could hand them over: any character a latin-1 decoded header can carry, plus
# characters outside latin-1 that a test client or an ASGI server may pass.
header_text = st.one_of(st.text(max_size=60), st.text(st.characters(max_codepoint=255), max_size=60),
                        st.sampled_from(["é", "\x00", "\u202e", "=" * 44, "-1", "99999999999999999999", " "]))
json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
).map(lambda value: json.dumps(value).encode())
order_like = st.fixed_dictionaries({"id": st.one_of(st.integers(), st.text(max_size=80), st.none())},
                                   optional={"date_modified_gmt": st.text(max_size=30),
                                             "billing": st.dictionaries(st.text(max_size=8), st.text(max_size=8))}
                                   ).map(lambda value: json.dumps(value).encode())
bodies = st.one_of(st.binary(max_size=300), json_bodies, order_like, st.just(b"webhook_id=1"),
                   st.just(b"[" * 5000 + b"]" * 5000))


@pytest.fixture
def woo_store(db):
    return Store.objects.create(name="Woo", kind="woocommerce", base_url="https://shop.example.com",
                                webhook_secret=SECRET)


@pytest.mark.django_db
@PROPERTY
@given(body=bodies, sign_properly=st.booleans(), signature_header=header_text,
       topic=st.one_of(st.sampled_from(["order.created", "customer.updated"]), header_text),
       content_type=st.one_of(st.just("application/json"), header_text),
       delivery_id=header_text, content_length=st.one_of(st.none(), header_text))
def test_no_webhook_header_or_body_gives_a_5xx(woo_store, body, sign_properly, signature_header, topic,
                                               content_type, delivery_id, content_length):
    headers = {"X-WC-Webhook-Signature": signature(SECRET, body) if sign_properly else signature_header,
               "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Delivery-ID": delivery_id}
    # A declared length beyond the body cannot be replayed through the test client (it asserts); a real server
    # hands the view a short stream, which Django reads as it is.
    assume(content_length is None or _int_or_none(content_length) is None
           or _int_or_none(content_length) <= len(body))
    extra = {} if content_length is None else {"CONTENT_LENGTH": content_length}
    response = Client(raise_request_exception=False).generic(
        "POST", f"/webhooks/woocommerce/{woo_store.public_id}/", data=body, content_type=content_type,
        headers=headers, **extra)
    assert response.status_code < 500, response.content[:200]


def _int_or_none(text):
    try:
        return int(text)
    except ValueError:
        return None


@pytest.mark.django_db
def test_a_non_ascii_signature_is_401_not_500(woo_store):
    response = Client(raise_request_exception=False).post(
        f"/webhooks/woocommerce/{woo_store.public_id}/", data=b'{"id": 1}', content_type="application/json",
        headers={"X-WC-Webhook-Signature": "é" * 44, "X-WC-Webhook-Topic": "order.created"})
    assert response.status_code == 401


@pytest.fixture
def signed_in(db, admin_user):
    connection = make_connection("hostile")
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    return client, connection


@pytest.mark.django_db
@PROPERTY
@given(query=st.dictionaries(st.sampled_from(["state", "code", "error", "accounts-server", "location", "x"]),
                             header_text, max_size=5),
       valid_state=st.booleans(), referer=header_text)
def test_no_oauth_callback_query_or_header_gives_a_5xx(signed_in, query, valid_state, referer):
    """With a valid state, the callback reaches the accounts-server allowlist: any value that is not a known
    accounts server is refused before anything is sent, so no request leaves the machine."""
    client, connection = signed_in
    if valid_state:
        session = client.session
        query = {**query, "state": oauth_state.stash(session, connection.pk)}
        session.save()
        if "error" not in query:
            query["accounts-server"] = "https://accounts.zoho.example.invalid"
    response = client.get("/zoho/oauth/callback/", query, headers={"Referer": referer})
    assert response.status_code < 500


@pytest.mark.django_db(databases=["default", "sandbox"])
@PROPERTY
@given(authorization=st.one_of(
    header_text, header_text.map(lambda t: "OAuth " + t), header_text.map(lambda t: "Bearer " + t),
    st.dictionaries(st.sampled_from(["oauth_consumer_key", "oauth_token", "oauth_signature_method",
                                     "oauth_timestamp", "oauth_nonce", "oauth_signature", "oauth_version", "realm"]),
                    header_text, max_size=8).map(
        lambda d: "OAuth " + ", ".join(f'{k}="{v}"' for k, v in d.items()))),
    query=st.dictionaries(st.text(max_size=30), st.text(max_size=30), max_size=4))
def test_no_authorization_header_gives_the_sandbox_magento_a_5xx(authorization, query):
    """The emulated Magento's OAuth 1.0a check (oauthlib's server side) answers 401 to anything unsigned."""
    from tests.fixtures.store_sandbox import make_sandbox_store

    shop = make_sandbox_store("magento", "hostile-oauth")
    response = Client(raise_request_exception=False).get(
        f"/sandbox/magento/{shop.slug}/rest/V1/customers/search", query, headers={"Authorization": authorization})
    assert response.status_code in (400, 401)
