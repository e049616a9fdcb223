import io

import pytest
from django.contrib.auth import get_user_model
from django.db.models.functions import Length

from integrations.stores.models import Store
from sandbox.demo import stores as demo
from sandbox.stores.models import SandboxCustomer, SandboxOrder, SandboxStore, SandboxWebhook


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_demo_creates_two_sandbox_stores_with_realistic_data_idempotently():
    out = io.StringIO()
    demo.setup(out)
    demo.setup(out)  # idempotent
    assert Store.objects.count() == 2
    mine = Store.objects.get(name="My Store")
    partner = Store.objects.get(name="Partner Store")
    assert mine.kind == "woocommerce" and mine.is_my_store and mine.base_url.endswith("/sandbox/woocommerce/my-store")
    assert partner.kind == "magento" and not partner.is_my_store and partner.owner.username == "partner"
    assert get_user_model().objects.get(username="partner").check_password("partner-demo")
    woo = SandboxStore.objects.get(slug="my-store")
    assert SandboxCustomer.objects.filter(store=woo).count() > 200
    assert SandboxOrder.objects.filter(store=woo, customer=None).exists()  # guests
    assert SandboxWebhook.objects.filter(store=woo, delivery_url=mine.webhook_url).count() == 4
    shared = set(SandboxCustomer.objects.filter(store=woo).values_list("email", flat=True)) & set(
        SandboxCustomer.objects.filter(store__slug="partner-store").values_list("email", flat=True))
    assert "shared.buyer1@example.com" in shared
    assert SandboxCustomer.objects.filter(email="not-an-email").exists()
    assert SandboxCustomer.objects.annotate(company_length=Length("company")).filter(company_length__gte=300).exists()
    text = out.getvalue()
    assert "partner / partner-demo" in text and "/stores/" in text and "/sandbox/stores/" in text
