"""Change detection: a stable hash of what would be sent, so unchanged records cost no Zoho call."""

import hashlib
import json


def payload_hash(module: str, payload: dict) -> str:
    canonical = json.dumps({"module": module, "payload": payload}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
