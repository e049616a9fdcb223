from django.apps import AppConfig
from django.db.models.signals import post_migrate


class Config(AppConfig):
    name = "syncs"
    label = "syncs"
    verbose_name = "Syncs"

    def ready(self):
        from integrations.stores.signals import store_changed
        from syncs.schedules import on_post_migrate
        from syncs.triggers import on_store_changed

        # sender=self: the signal fires once per migrate for this app, not once per installed app.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="syncs.ensure_schedules")
        # A store that changed (a webhook) makes the connections reading it due now.
        store_changed.connect(on_store_changed, dispatch_uid="syncs.on_store_changed")
