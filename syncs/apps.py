from django.apps import AppConfig
from django.db.models.signals import post_migrate


class Config(AppConfig):
    name = "syncs"
    label = "syncs"
    verbose_name = "Syncs"

    def ready(self):
        from syncs.schedules import on_post_migrate

        # sender=self: the signal fires once per migrate for this app, not once per installed app.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="syncs.ensure_schedules")
