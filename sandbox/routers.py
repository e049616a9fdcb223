"""The sandbox stands for outside services: its apps' tables live in the `sandbox` database alias."""

SANDBOX_DB = "sandbox"


def is_sandbox_app(app_label: str) -> bool:
    return app_label.startswith("sandbox_")


class SandboxRouter:
    def db_for_read(self, model, **hints):
        return SANDBOX_DB if is_sandbox_app(model._meta.app_label) else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return is_sandbox_app(obj1._meta.app_label) == is_sandbox_app(obj2._meta.app_label)

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if is_sandbox_app(app_label):
            return db == SANDBOX_DB
        return db == "default"
