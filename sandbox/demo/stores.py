"""Demo stores: "My Store" (sandbox WooCommerce, my store) and "Partner Store" (sandbox Magento 2, an
affiliate store owned by the demo user "partner"). Idempotent; only ever points at the sandbox.

As a sandbox-only tool this step may call the sandbox's data service directly; the sources still read
the shops over HTTP.
"""

import os

from django.conf import settings
from django.contrib.auth import get_user_model

from integrations.stores.models import Store

PARTNER = "partner"


def setup(stdout, **options):
    from sandbox.stores import services as sandbox

    shops = sandbox.ensure_demo_stores()
    woo, magento = shops["woocommerce"]["store"], shops["magento"]["store"]

    password = os.environ.get("DEMO_PARTNER_PASSWORD", "partner-demo")
    partner, created = get_user_model().objects.get_or_create(
        username=PARTNER, defaults={"email": "partner@example.com", "first_name": "Demo", "last_name": "Partner"}
    )
    if created:
        partner.set_password(password)
        partner.save()

    my_store = _store("My Store", Store.Kind.WOOCOMMERCE, sandbox.sandbox_base_url(woo), is_my_store=True,
                      owner=None, credentials={"consumer_key": woo.consumer_key,
                                               "consumer_secret": woo.consumer_secret},
                      config={"newsletter_meta_key": woo.newsletter_meta_key, "customer_role": "all"})
    partner_store = _store("Partner Store", Store.Kind.MAGENTO, sandbox.sandbox_base_url(magento), is_my_store=False,
                           owner=partner, credentials=magento.integration_keys, config={"auth": "oauth1"})
    for topic in sandbox.WEBHOOK_TOPICS:
        sandbox.add_webhook(woo, topic, my_store.webhook_url, my_store.webhook_secret, name=f"Zoho Store Sync {topic}")

    for label, shop in (("WooCommerce", shops["woocommerce"]), ("Magento 2", shops["magento"])):
        data = shop["data"]
        stdout.write(f"Sandbox {label} “{shop['store'].name}”: {data['customers']} customers, {data['orders']} orders"
                     + (" (created)" if data.get("created") else ""))
    stdout.write(f"Stores: “{my_store.name}” (my store) and “{partner_store.name}” (affiliate of {PARTNER}); "
                 f"WooCommerce webhooks deliver to {my_store.webhook_url}")
    shown = password if partner.check_password(password) else "(the password you set)"
    stdout.write(f"Affiliate login: {PARTNER} / {shown}")
    stdout.write(f"Start at {settings.SITE_URL}/stores/ (Test connection), and {settings.SITE_URL}/sandbox/stores/ "
                 "to create or change orders and watch the webhooks arrive.")


def _store(name, kind, base_url, *, is_my_store, owner, credentials, config) -> Store:
    store = Store.objects.filter(name=name, kind=kind).first() or Store(name=name, kind=kind)
    store.base_url = base_url
    store.is_my_store = is_my_store
    store.owner = owner
    store.config = {**(store.config or {}), **config}
    store.set_credentials(credentials)
    store.ensure_webhook_secret()
    store.save()
    return store
