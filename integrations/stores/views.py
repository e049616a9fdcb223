"""Store pages: list, add/edit per kind, test connection, and the WooCommerce webhook secret.

Staff see every store; an affiliate owner sees only their own (404 for others) and cannot add stores.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from integrations import audit
from integrations.encryption import mask
from integrations.stores.forms import form_for
from integrations.stores.kinds import KINDS
from integrations.stores.models import Store, new_webhook_secret
from integrations.stores.sources import get_source


def _visible_store(request, pk) -> Store:
    return get_object_or_404(Store.visible_to(request.user), pk=pk)


def _emulator(kind: str) -> dict:
    """The sandbox's stand-in for `kind`, when the sandbox is installed and registered one."""
    emulator = KINDS[kind].emulator
    return {"emulator": emulator, "emulator_url": reverse(emulator.url_name)} if emulator else {}


def store_list(request):
    stores = Store.visible_to(request.user).select_related("owner")
    return render(request, "stores/list.html", {"stores": stores, "kinds": Store.Kind.choices})


def store_add(request, kind):
    if not request.user.is_staff:
        raise PermissionDenied
    if kind not in KINDS:
        raise Http404("Unknown store kind")
    form = form_for(kind)(request.POST or None, user=request.user, instance=Store(kind=kind))
    if request.method == "POST" and form.is_valid():
        store = form.save()
        _audit_form(request, store, form, created=True)
        messages.success(request, f"Store “{store.name}” saved. Test the connection next.")
        return redirect(store)
    return render(request, "stores/form.html", {"form": form, "kind": kind, "kind_label": KINDS[kind].label,
                                                **_emulator(kind)})


def store_edit(request, pk):
    store = _visible_store(request, pk)
    form = form_for(store.kind)(request.POST or None, user=request.user, instance=store)
    if request.method == "POST" and form.is_valid():
        form.save()
        _audit_form(request, store, form, created=False)
        messages.success(request, f"Store “{store.name}” saved.")
        return redirect(store)
    return render(request, "stores/form.html", {"form": form, "store": store, "kind": store.kind,
                                                "kind_label": store.get_kind_display()})


def _audit_form(request, store, form, created: bool):
    """Which settings and which secrets (by name, never by value) the form changed."""
    secrets = [form.fields[n].label for n in form.secret_fields if form.cleaned_data.get(n)]
    settings = [str(form.fields[n].label or n) for n in form.changed_data if n not in form.secret_fields]
    if created:
        audit.record(audit.Action.SETTINGS, f"Added the {store.get_kind_display()} store “{store.name}”.",
                     user=request.user, store=store)
    elif settings:
        audit.record(audit.Action.SETTINGS, f"Changed {', '.join(settings)} of the store “{store.name}”.",
                     user=request.user, store=store)
    if secrets:
        audit.record(audit.Action.SECRET, f"Entered {', '.join(str(s) for s in secrets)} of the store "
                                          f"“{store.name}”.", user=request.user, store=store)


def store_detail(request, pk, revealed_secret=None):
    store = _visible_store(request, pk)
    return render(request, "stores/detail.html", {
        "store": store,
        "credentials": store.masked_credentials(),
        "masked_webhook_secret": mask(store.webhook_secret),
        "revealed_secret": revealed_secret,
        "audit_entries": audit.for_store(store),
    })


@require_POST
def store_test(request, pk):
    store = _visible_store(request, pk)
    result = get_source(store).check()
    store.record_check(result)
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect(store)


@require_POST
def store_webhook_secret(request, pk):
    """Shows the secret once in this response (never in a message or URL); `regenerate` replaces it first."""
    store = _visible_store(request, pk)
    if store.kind != Store.Kind.WOOCOMMERCE:
        raise Http404("Only WooCommerce stores receive webhooks.")
    if request.POST.get("action") == "regenerate" or not store.webhook_secret:
        store.webhook_secret = new_webhook_secret()
        store.save(update_fields=["webhook_secret"])
        audit.record(audit.Action.SECRET, f"Generated a new webhook secret for the store “{store.name}”.",
                     user=request.user, store=store)
        messages.warning(request, "New webhook secret: paste it into every WooCommerce webhook of this store.")
    return store_detail(request, pk, revealed_secret=store.webhook_secret)
