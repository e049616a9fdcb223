"""What the stores app tells the rest of the project, without knowing who listens.

`store_changed` is sent (with `store=`) after a store said something changed, e.g. once a webhook delivery is
stored. The sync app connects a receiver that makes the connections reading that store run soon.
"""

from django.dispatch import Signal

store_changed = Signal()
