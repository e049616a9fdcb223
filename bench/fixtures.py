"""What one benchmark needs, made the way a person would and named so that it never touches anything else:
a sandbox Zoho org + self-client, a connection made through the paste flow, a sandbox Magento shop with N
deterministic customers, and an app store pointing at it. Everything is called "bench-N"; a rerun replaces it."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Value
from django.db.models.functions import Concat, Trim
from django.utils import timezone

from integrations.stores.models import Store
from integrations.zoho import grants
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from integrations.zoho.oauth import SCOPES
from sandbox.stores import services as store_services
from sandbox.stores.models import SandboxCustomer, SandboxStore
from sandbox.zoho import oauth as sandbox_oauth
from sandbox.zoho import services as zoho_services
from sandbox.zoho.models import Org, Record
from syncs.models import SyncSettings
from syncs.services import settings_for

# The org buys add-on credits for the benchmark, so the naive baseline (2 credits per customer) is measured to the
# end instead of stopping at the edition's daily allowance; the credit rules themselves are the sandbox's own.
BENCH_CREDIT_ALLOWANCE = 100_000_000
CONCURRENCY = 10  # Zoho's sub-concurrency cap for upserts of more than 10 records


@dataclass
class Bench:
    name: str
    org: Org
    connection: ZohoConnection
    sync_settings: SyncSettings
    sandbox_store: SandboxStore
    store: Store


def bench_name(customers: int) -> str:
    return f"bench-{customers}"


def create_bench(customers: int, progress=lambda message: None) -> Bench:
    """Replace any previous bench of this size, then build it. Needs the app served at SITE_URL (paste flow)."""
    name = bench_name(customers)
    remove_bench(name)
    org = zoho_services.create_org(name, edition="enterprise")
    Org.objects.filter(pk=org.pk).update(daily_credit_limit=BENCH_CREDIT_ALLOWANCE)
    org.refresh_from_db()
    client = zoho_services.create_client(org, "Zoho Store Sync (bench)", [f"{settings.SITE_URL}/zoho/oauth/callback/"])
    api_client = ZohoApiClient.objects.create(name=name, data_center="sandbox", client_id=client.client_id,
                                              client_secret=client.client_secret)
    connection = ZohoConnection.objects.create(name=name, api_client=api_client, concurrency_limit=CONCURRENCY)
    code = sandbox_oauth.issue_self_client_code(client, list(SCOPES), minutes=10).code
    grants.exchange_pasted_grant(connection, code)
    sync_settings = settings_for(connection)  # DecoNetwork's defaults; not `enabled`, so no scheduler picks it up
    sync_settings.sync_deals = False  # the customer stream, against a customers-only naive baseline
    sync_settings.save(update_fields=["sync_deals"])
    progress(f"populating a sandbox Magento shop with {customers} customers…")
    shop, _ = store_services.get_or_create_store(SandboxStore.Kind.MAGENTO, name, f"Bench shop {customers}")
    store_services.populate(shop, customers, seed="bench")
    store = Store(name=f"Bench shop {customers}", kind=Store.Kind.MAGENTO,
                  base_url=store_services.sandbox_base_url(shop))
    store.set_credentials(shop.integration_keys)
    store.save()
    return Bench(name, org, connection, sync_settings, shop, store)


def remove_bench(name: str) -> None:
    ZohoConnection.objects.filter(name=name).delete()
    ZohoApiClient.objects.filter(name=name).delete()
    Store.objects.filter(base_url__endswith=f"/sandbox/magento/{name}").delete()
    SandboxStore.objects.filter(slug=name).delete()
    Org.objects.filter(name=name).delete()


def clear_org_records(org: Org) -> None:
    """Empty the Zoho org (a tester's "delete all records"), so the next contender starts from nothing."""
    Record.objects.filter(org=org).delete()


def set_latency(org: Org, latency_ms: int) -> None:
    zoho_services.set_faults(org, latency_ms=latency_ms)


def change_customers(shop: SandboxStore, fraction: float, round_: int) -> int:
    """Every k-th customer moves (city changes, `updated_at` becomes now), as a shop's day of edits would."""
    if fraction <= 0:
        return 0
    ids = list(SandboxCustomer.objects.filter(store=shop).order_by("id").values_list("id", flat=True))
    step = max(1, round(1 / fraction))
    chosen = ids[round_ % step::step][: round(fraction * len(ids))]
    for start in range(0, len(chosen), 900):  # SQLite's bound-parameter limit
        SandboxCustomer.objects.filter(pk__in=chosen[start:start + 900]).update(
            city=Trim(Concat(F("city"), Value(f" {round_ + 1}"))), date_modified=timezone.now())
    return len(chosen)
