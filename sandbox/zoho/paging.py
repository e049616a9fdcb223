"""`page_token`s for Get Records: signed, bound to the user and the other query parameters, valid 24 hours."""

import hashlib
import time

from django.core import signing

SALT = "sandbox.zoho.page_token"
LIFETIME_SECONDS = 24 * 3600
BOUND_PARAMS_EXCLUDED = {"page", "page_token"}


class PageTokenError(Exception):
    def __init__(self, code: str, message: str, details: dict):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def params_fingerprint(params: dict) -> str:
    bound = sorted((k, v) for k, v in params.items() if k not in BOUND_PARAMS_EXCLUDED)
    return hashlib.sha256(repr(bound).encode()).hexdigest()[:16]


def make_token(user_id: str, params: dict, offset: int) -> str:
    return signing.dumps({"u": user_id, "p": params_fingerprint(params), "o": offset, "t": int(time.time())},
                         salt=SALT, compress=True)


def read_token(token: str, user_id: str, params: dict) -> int:
    """The offset a token points at, or PageTokenError as Zoho reports it (zoho-crm-api.md §8)."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise PageTokenError("TOKEN_BOUND_DATA_MISMATCH", "The page_token given seems to be invalid or input param "
                             "is added or altered or deleted", {"param_name": "page_token"})
    if payload["u"] != user_id:
        raise PageTokenError("INVALID_DATA", "invalid data", {"param_name": "page_token"})
    if payload["p"] != params_fingerprint(params):
        raise PageTokenError("TOKEN_BOUND_DATA_MISMATCH", "The page_token given seems to be invalid or input param "
                             "is added or altered or deleted", {"param_name": "page_token"})
    if time.time() - payload["t"] > LIFETIME_SECONDS:
        raise PageTokenError("EXPIRED_VALUE", "Page token expired",
                             {"api_name": "page_token", "json_path": "$.query.page_token"})
    return payload["o"]


def expiry(token: str) -> float:
    return signing.loads(token, salt=SALT)["t"] + LIFETIME_SECONDS
