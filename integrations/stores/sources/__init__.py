"""The Source that reads a store, found through the store-kind registry (integrations/stores/kinds.py)."""

from integrations.stores.kinds import KINDS


def source_class(kind: str):
    return KINDS[kind].source_class()


def get_source(store):
    """The Source that reads `store` (a stores.Store row)."""
    return source_class(store.kind)(store)
