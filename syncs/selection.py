"""Which stores feed a Zoho connection (DecoNetwork's sync options and affiliate integrations)."""

from django.db.models import Q

from integrations.stores.models import Store
from syncs.models import SyncSettings


def platform_allows_affiliates() -> bool:
    return SyncSettings.objects.filter(connection__owner__isnull=True, allow_affiliate_integrations=True).exists()


def affiliates_with_own_integration():
    """Owners whose own connection has saved sync settings: their stores leave the platform connection."""
    return SyncSettings.objects.filter(connection__owner__isnull=False, enabled=True).exclude(
        sync_option=SyncSettings.SyncOption.NONE
    ).values("connection__owner")


def included_stores(sync_settings: SyncSettings):
    """The enabled stores whose customers go to this connection, as a queryset ordered by id."""
    connection = sync_settings.connection
    if sync_settings.sync_option == SyncSettings.SyncOption.NONE:
        return Store.objects.none()
    stores = Store.objects.filter(enabled=True).exclude(kind=Store.Kind.ZOHO, zoho_connection=connection)
    if connection.owner_id is not None:
        # An affiliate's own integration: only their stores, and only if the platform allows it.
        if not platform_allows_affiliates():
            return Store.objects.none()
        return stores.filter(owner_id=connection.owner_id).order_by("id")
    if sync_settings.sync_option == SyncSettings.SyncOption.MINE:
        stores = stores.filter(is_my_store=True)
    if sync_settings.allow_affiliate_integrations:
        stores = stores.exclude(Q(is_my_store=False) & Q(owner__in=affiliates_with_own_integration()))
    return stores.order_by("id")


def settings_for_store(store: Store) -> list[SyncSettings]:
    """The connections a store's customers go to (usually one), for webhook events."""
    candidates = SyncSettings.objects.filter(enabled=True).select_related("connection")
    return [s for s in candidates if included_stores(s).filter(pk=store.pk).exists()]
