"""Tenant isolation over EVERY URL of the app, found by walking the URL resolver (so pages added later are
covered without touching this file, or fail it until someone decides what they are).

- Logged out: every non-public URL sends the browser to a login page.
- Affiliate owner: 404 on URLs naming an object that is not theirs (another affiliate's or the platform's),
  403 on platform pages, the admin sends them to its login, and pages about "their own things" show nothing
  of anybody else's.
- Staff: every page renders for any object, and no page shows a secret or its ciphertext.
- CSRF: every non-public URL refuses a POST without a CSRF token.

The classification is data: PUBLIC / PLATFORM / OWN_PAGES by URL name, object URLs by their path arguments
(FILLERS, PK_OWNERS). A URL that fits none of them fails `test_every_url_is_classified` with what to add.
"""

import re
import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from integrations.stores.models import Store, WebhookEvent
from integrations.stores.sources import get_source
from integrations.stores.sources.errors import SourceError
from integrations.zoho.models import ZohoConnection
from syncs.models import RecordError, SyncRun
from tests.syncs.conftest import make_connection, make_settings

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])

# Reachable without logging in (each checked to be login-free on purpose: webhooks, health, login, sandbox).
PUBLIC = {
    "healthz", "woocommerce-webhook", "login", "password_reset", "password_reset_done",
    "password_reset_confirm", "password_reset_complete", "admin:login",
}
HARMLESS = {"logout", "admin:logout"}  # logging out: nothing to protect (it only ever ends the caller's own session)
PUBLIC_PREFIXES = ("sandbox-",)  # the emulators: off (404) in production, public while on
# Pages only platform admins (staff) may use: an affiliate owner gets 403.
PLATFORM = {"store-add"}
# Pages about the signed-in user's own things, with no object in the URL: they must show nobody else's data.
OWN_PAGES = {"home", "zoho-integration", "store-list", "password_change", "password_change_done",
             "zoho-oauth-callback", "profile", "profile-detect-time-zone"}
# The Django admin (staff only): anyone else is sent to the admin's login page.
ADMIN_PREFIX = "admin:"

# Path arguments → how to fill them for an object owned by `owner` ("other" or "mine" world).
# pk: whose object depends on the URL name's prefix (PK_OWNERS); the others name their object directly.
PK_OWNERS = {"zoho-": "connection", "sync-": "connection", "store-": "store"}
FILLERS = {
    "connection": lambda w: w.connection.pk,
    "store": lambda w: w.store.pk,
    "run_id": lambda w: w.run.pk,
    "error_id": lambda w: w.error.pk,
    "public_id": lambda w: w.store.public_id,
    "module": lambda w: "Contacts",
    "kind": lambda w: "woocommerce",
    # public or admin-only URLs: any well-formed value
    "uidb64": lambda w: "MQ", "token": lambda w: "set-password", "org_id": lambda w: 1, "slug": lambda w: "shop",
    "order_id": lambda w: 1, "route": lambda w: "wc/v3/customers", "path": lambda w: "org",
    "app_label": lambda w: "stores", "object_id": lambda w: w.store.pk,
    "content_type_id": lambda w: ContentType.objects.get_for_model(Store).pk,
    "url": lambda w: "no-such-page/",
    "job_id": lambda w: "1", "zgid": lambda w: "1", "name": lambda w: "1",  # the sandbox's Bulk Write
    "id": lambda w: get_user_model().objects.order_by("pk").first().pk,
}
ADMIN_OBJECT = re.compile(r"admin:(?P<model>\w+)_(?:change|delete|history)$")


@dataclass
class Route:
    name: str
    pattern: str
    kwargs: tuple[str, ...]


def all_routes(patterns=None, prefix="", namespace="") -> list[Route]:
    routes = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += all_routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            names = tuple(entry.pattern.regex.groupindex)
            name = f"{namespace}{entry.name}" if entry.name else ""
            if not name and namespace == ADMIN_PREFIX:
                name = f"{ADMIN_PREFIX}unnamed:{prefix}{entry.pattern}"  # the admin's "<object_id>/" redirects
            routes.append(Route(name, prefix + str(entry.pattern), names))
    return routes


def is_public(route):
    return route.name in PUBLIC or route.name.startswith(PUBLIC_PREFIXES)


def is_admin(route):
    return route.name.startswith(ADMIN_PREFIX) and route.name not in PUBLIC | HARMLESS


def object_kwargs(route):
    return [k for k in route.kwargs if k not in ("uidb64", "token", "route", "path", "slug", "org_id", "order_id")]


def classify(route) -> str:
    if not route.name:
        return f"unnamed URL {route.pattern!r}: give it a name and classify it"
    if is_public(route):
        return "public"
    if is_admin(route):
        return "admin"
    if route.name in HARMLESS:
        return "harmless"
    if route.name in PLATFORM:
        return "platform"
    if route.name in OWN_PAGES and not route.kwargs:
        return "own"
    if route.kwargs:
        unknown = [k for k in route.kwargs if k not in FILLERS and k != "pk"]
        if unknown:
            return (f"URL {route.name!r} ({route.pattern}) has path arguments {unknown} this test cannot fill: "
                    "add them to FILLERS in tests/reliability/test_tenant_isolation.py")
        if "pk" in route.kwargs and not pk_owner(route):
            return (f"URL {route.name!r} ({route.pattern}) takes a pk of an unknown kind: add its name prefix to "
                    "PK_OWNERS")
        return "object"
    return (f"URL {route.name!r} ({route.pattern}) is not classified: add it to PUBLIC, PLATFORM or OWN_PAGES in "
            "tests/reliability/test_tenant_isolation.py")


def pk_owner(route):
    return next((kind for prefix, kind in PK_OWNERS.items() if route.name.startswith(prefix)), None)


def url_for(route, world) -> str:
    kwargs = {}
    for name in route.kwargs:
        kind = pk_owner(route) if name == "pk" else name
        kwargs[name] = FILLERS[kind](world)
    match = ADMIN_OBJECT.match(route.name)
    if match and "object_id" in route.kwargs:
        kwargs["object_id"] = world.admin_object(match["model"])
    if ":unnamed:" in route.name:
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m[1] or m[2]]), route.pattern)
        return "/" + path.replace("^", "").replace("$", "")
    return reverse(route.name, kwargs=kwargs)


# --- the worlds: the platform's objects, another affiliate's, and the signed-in affiliate's own ---------

SECRETS = {
    "platform": {"client": "platform-client-secret-0123456789", "refresh": "1000.platformrefresh.0123456789abcdef",
                 "access": "1000.platformaccess.0123456789abcdef", "key": "ck_" + "1a" * 20,
                 "secret": "cs_" + "2b" * 20, "webhook": "platform-webhook-secret-0123456789"},
    "carol": {"client": "carol-client-secret-0123456789", "refresh": "1000.carolrefresh.0123456789abcdef",
              "access": "1000.carolaccess.0123456789abcdef", "key": "ck_" + "3c" * 20, "secret": "cs_" + "4d" * 20,
              "webhook": "carol-webhook-secret-0123456789"},
    "bob": {"client": "bob-client-secret-0123456789", "refresh": "1000.bobrefresh.0123456789abcdef",
            "access": "1000.bobaccess.0123456789abcdef", "key": "ck_" + "5e" * 20, "secret": "cs_" + "6f" * 20,
            "webhook": "bob-webhook-secret-0123456789"},
}


class World:
    """One owner's connection, settings, store, run, inbox error and webhook event."""

    def __init__(self, label, owner):
        secrets = SECRETS[label]
        self.label, self.secrets = label, secrets
        self.connection = make_connection(f"conn-{label}", owner=owner, org_name=f"Org of {label}",
                                          refresh_token=secrets["refresh"], access_token=secrets["access"])
        self.connection.api_client.client_secret = secrets["client"]
        self.connection.api_client.name = f"client-{label}"
        self.connection.api_client.owner = owner
        self.connection.api_client.save()
        self.settings = make_settings(self.connection, allow_affiliate_integrations=True)
        self.store = Store(name=f"Shop of {label}", kind=Store.Kind.WOOCOMMERCE, owner=owner,
                           is_my_store=owner is None, base_url=f"https://{label}-shop.example",
                           webhook_secret=secrets["webhook"])
        self.store.set_credentials({"consumer_key": secrets["key"], "consumer_secret": secrets["secret"]})
        self.store.save()
        # One store of every other kind: a Magento shop and another Zoho org read through this owner's own
        # (source) connection.
        self.magento = Store(name=f"Shop of {label} (Magento)", kind=Store.Kind.MAGENTO, owner=owner,
                             is_my_store=owner is None, base_url=f"https://{label}-magento.example")
        self.magento.set_credentials({"access_token": secrets["key"] + "m"})
        self.magento.save()
        self.source_connection = make_connection(f"source-{label}", owner=owner, org_id=f"source-org-{label}",
                                                 org_name=f"Org of {label}, source")
        self.zoho_store = Store.objects.create(name=f"Shop of {label} (Zoho org)", kind=Store.Kind.ZOHO,
                                               owner=owner, is_my_store=owner is None,
                                               zoho_connection=self.source_connection, config={"module": "Contacts"})
        self.stores = [self.store, self.magento, self.zoho_store]
        self.run = SyncRun.objects.create(settings=self.settings, trigger="manual", status="succeeded")
        self.error = RecordError.objects.create(settings=self.settings, run=self.run, module="Contacts",
                                                key=f"{label}.customer@example.com", code="INVALID_DATA",
                                                message="bad phone")
        self.event = WebhookEvent.objects.create(store=self.store, topic="order.created", resource="order",
                                                 resource_id="1", modified_at=self.run.queued_at, body="{}")

    @property
    def markers(self):
        """Strings that only this owner's pages may show."""
        return [f"Org of {self.label}", f"Shop of {self.label}", f"{self.label}.customer@example.com"]

    def admin_object(self, label):
        """The pk of this world's object for an admin URL name's "<app_label>_<model_name>" (else any row)."""
        mine = {"zoho_zohoconnection": self.connection, "zoho_zohoapiclient": self.connection.api_client,
                "stores_store": self.store, "stores_webhookevent": self.event, "syncs_syncrun": self.run,
                "syncs_recorderror": self.error, "syncs_syncsettings": self.settings}
        if label in mine:
            return mine[label].pk
        model = next(m for m in apps.get_models() if f"{m._meta.app_label}_{m._meta.model_name}" == label)
        first = model.objects.order_by("pk").first()
        return first.pk if first else 1


@pytest.fixture
def worlds(admin_user):
    users = get_user_model().objects
    bob = users.create_user("bob", "bob@example.com", "bob-password")
    carol = users.create_user("carol", "carol@example.com", "carol-password")
    return {"platform": World("platform", None), "carol": World("carol", carol), "bob": World("bob", bob),
            "users": {"staff": admin_user, "bob": bob}}


def client_for(user=None, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def routes(kind):
    return [r for r in all_routes() if classify(r) == kind]


# --- tests -----------------------------------------------------------------------------------------------

def test_every_url_is_classified():
    kinds = ("public", "admin", "platform", "own", "object", "harmless")
    problems = [classify(r) for r in all_routes() if classify(r) not in kinds]
    assert problems == []


def test_a_logged_out_visitor_is_sent_to_login_everywhere_but_public_urls(worlds):
    client, world = client_for(), worlds["platform"]
    checked = 0
    for route in all_routes():
        if route.name in HARMLESS:
            continue
        url = url_for(route, world)
        response = client.get(url)
        assert response.status_code < 500 or route.name == "healthz", url  # healthz: 503 without a worker
        if is_public(route):
            assert not _login_redirect(response), f"{url} is public but asks for a login"
            continue
        logins = ("/admin/login/", reverse("login")) if is_admin(route) else (reverse("login"),)
        for answer in (response, client.post(url)):
            assert answer.status_code == 302 and answer.url.startswith(logins), f"{url} → {answer.status_code}"
        checked += 1
    assert checked > 50


def test_an_affiliate_gets_404_for_every_object_that_is_not_theirs(worlds):
    bob = client_for(worlds["users"]["bob"])
    object_routes = routes("object")
    assert len(object_routes) >= 15
    for route in object_routes:
        for owner in ("platform", "carol"):
            url = url_for(route, worlds[owner])
            answers = [bob.get(url), bob.post(url)]
            allowed = [a for a in answers if a.status_code != 405]
            assert allowed and all(a.status_code == 404 for a in allowed), \
                f"{route.name}: {url} → {[a.status_code for a in answers]}"
        own = [bob.get(url_for(route, worlds["bob"]))]
        assert own[0].status_code in (200, 302, 405), f"{route.name} on bob's own object → {own[0].status_code}"


def test_an_affiliate_gets_404_for_every_kind_of_store_that_is_not_theirs(worlds):
    bob = client_for(worlds["users"]["bob"])
    store_routes = [r for r in routes("object") if pk_owner(r) == "store"]
    assert len(store_routes) >= 4
    kinds = set()
    for route in store_routes:
        for owner in ("platform", "carol"):
            for store in worlds[owner].stores:
                url = reverse(route.name, kwargs={"pk": store.pk})
                answers = [a.status_code for a in (bob.get(url), bob.post(url)) if a.status_code != 405]
                assert answers and set(answers) == {404}, f"{route.name} on {store.kind}: {url} → {answers}"
                kinds.add(store.kind)
    assert kinds == set(Store.Kind.values)


def test_an_affiliate_is_offered_and_may_pick_only_their_own_zoho_connections_as_a_source(worlds):
    bob = client_for(worlds["users"]["bob"])
    store = worlds["bob"].zoho_store
    url = reverse("store-edit", args=[store.pk])
    page = bob.get(url).content.decode()
    assert "Org of bob, source" in page
    assert "Org of platform" not in page and "Org of carol" not in page
    for owner in ("platform", "carol"):
        foreign = worlds[owner].source_connection
        response = bob.post(url, {"name": store.name, "zoho_connection": foreign.pk, "module": "Contacts",
                                  "enabled": "on"})
        assert response.status_code == 200 and "errorlist" in response.content.decode()
        store.refresh_from_db()
        assert store.zoho_connection == worlds["bob"].source_connection


def test_a_staff_user_cannot_give_an_affiliate_store_another_owners_connection(worlds):
    staff = client_for(worlds["users"]["staff"])
    store = worlds["bob"].zoho_store
    response = staff.post(reverse("store-edit", args=[store.pk]), {
        "name": store.name, "zoho_connection": worlds["platform"].source_connection.pk, "module": "Contacts",
        "owner": worlds["users"]["bob"].pk, "enabled": "on"})
    assert response.status_code == 200
    assert "belongs to another account" in response.content.decode()
    store.refresh_from_db()
    assert store.zoho_connection == worlds["bob"].source_connection


@pytest.mark.parametrize("owner", ["platform", "carol"])
def test_a_store_pointed_at_another_tenants_connection_is_unreadable_and_zoho_is_never_called(worlds, http, owner):
    """A row written around the form (the admin, a shell, an old row): the source refuses before any request."""
    store = worlds["bob"].zoho_store
    store.zoho_connection = worlds[owner].source_connection
    store.save()
    source = get_source(Store.objects.get(pk=store.pk))
    with pytest.raises(SourceError) as refused:
        list(source.customers(None))
    assert refused.value.permanent and "belongs to another account" in refused.value.message
    check = source.check()
    assert not check.ok and "belongs to another account" in check.message
    assert len(http.calls) == 0


def test_an_affiliate_gets_403_on_platform_pages_and_the_admin_login_for_the_admin(worlds):
    bob = client_for(worlds["users"]["bob"])
    for route in routes("platform"):
        url = url_for(route, worlds["platform"])
        assert bob.get(url).status_code == 403, url
        assert bob.post(url).status_code == 403, url
    for route in routes("admin"):
        url = url_for(route, worlds["platform"])
        response = bob.get(url)
        assert response.status_code == 302 and response.url.startswith("/admin/login/"), url


def test_an_affiliate_sees_nothing_of_anybody_else_on_their_own_pages(worlds):
    bob = client_for(worlds["users"]["bob"])
    foreign = worlds["platform"].markers + worlds["carol"].markers
    for route in routes("own"):
        response = bob.get(reverse(route.name))
        assert response.status_code in (200, 302, 403, 405), route.name  # 405: POST-only (the time zone)
        body = response.content.decode(errors="replace")
        assert [m for m in foreign if m in body] == [], route.name
    assert "Shop of bob" in bob.get(reverse("store-list")).content.decode()


def test_no_page_shows_a_secret_or_its_ciphertext_even_to_staff(worlds):
    staff = client_for(worlds["users"]["staff"])
    secrets = [s for label in ("platform", "carol", "bob") for s in SECRETS[label].values()]
    pages = 0
    for route in all_routes():
        if is_public(route) or route.name in HARMLESS:
            continue
        for owner in ("platform", "carol"):
            url = url_for(route, worlds[owner])
            response = staff.get(url)
            assert response.status_code < 500, url
            raw = b"".join(response.streaming_content) if response.streaming else response.content  # CSV export
            body = raw.decode(errors="replace")
            shown = [s for s in secrets if s in body]
            assert shown == [] and "gAAAAA" not in body, f"{url} shows a secret"
            pages += 1
    assert pages > 100


def test_every_non_public_url_refuses_a_post_without_a_csrf_token(worlds):
    staff = client_for(worlds["users"]["staff"], csrf=True)
    for route in all_routes():
        if is_public(route):
            continue
        url = url_for(route, worlds["platform"])
        assert staff.post(url, {"x": "1"}).status_code == 403, f"{url} accepts a POST without CSRF token"


def test_the_csrf_exempt_webhook_still_refuses_unsigned_posts(worlds):
    anonymous = client_for(csrf=True)
    store = worlds["platform"].store
    response = anonymous.post(reverse("woocommerce-webhook", args=[store.public_id]), b"{}",
                              content_type="application/json")
    assert response.status_code == 401  # CSRF-exempt, but only signed deliveries get in
    response = anonymous.post(reverse("woocommerce-webhook", args=[uuid.uuid4()]), b"{}",
                              content_type="application/json")
    assert response.status_code == 404
    assert ZohoConnection.objects.count() == 6  # three worlds × (target + source): nothing created


def _login_redirect(response) -> bool:
    return response.status_code == 302 and "/login/" in response.get("Location", "")
