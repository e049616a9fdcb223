from django.apps import AppConfig
from django.db.models.signals import post_migrate


class Config(AppConfig):
    name = "syncs"
    label = "syncs"
    verbose_name = "Syncs"

    def ready(self):
        from integrations.stores.signals import store_changed
        from integrations.stores.sources.zoho_org import register_sync_target_check
        from integrations.zoho.pages import register_connection_page
        from syncs.schedules import on_post_migrate
        from syncs.triggers import on_store_changed
        from syncs.views.access import wizard_url

        # sender=self: the signal fires once per migrate for this app, not once per installed app.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="syncs.ensure_schedules")
        # What the Zoho client and the store sources need from syncs, handed to them (they never import syncs):
        # the page that shows a Zoho connection, and whether a Zoho org is one this app syncs into.
        register_connection_page(wizard_url)
        register_sync_target_check(is_sync_target)
        # A store that changed (a webhook) makes the connections reading it run soon.
        store_changed.connect(on_store_changed, dispatch_uid="syncs.on_store_changed")


def is_sync_target(org_id: str) -> bool:
    """Whether some sync settings send customers into the Zoho org `org_id`."""
    from syncs.models import SyncSettings

    return SyncSettings.objects.filter(connection__org_id=org_id).exists()
