"""How the sandbox Magento authenticates a REST call, like Magento 2.4.4+ with an Integration.

Every call must be signed with OAuth 1.0a (HMAC-SHA256 or HMAC-SHA1) with the integration's consumer key/secret and
access token/secret; the signature covers the query string, `searchCriteria[...]` included. The signature is checked
with oauthlib's server side (`ResourceEndpoint`), a third-party library: nothing of the app's client is shared.
The access token alone, as a Bearer token, is refused unless the store's "Allow OAuth Access Tokens to be used as
standalone Bearer tokens" setting (`allow_bearer_tokens`) is on, as Adobe ships it off since 2.4.4.
"""

import hmac

from oauthlib.oauth1 import RequestValidator, ResourceEndpoint
from oauthlib.oauth1.rfc5849 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256

DUMMY = "dummy-key-for-timing-0000000000"


class _IntegrationValidator(RequestValidator):
    """One sandbox store's integration: its consumer and its single access token."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    allowed_signature_methods = (SIGNATURE_HMAC_SHA256, SIGNATURE_HMAC_SHA1)
    client_key_length = access_token_length = (16, 64)
    nonce_length = (8, 64)
    enforce_ssl = False  # the sandbox runs on http://127.0.0.1 and http://testserver
    dummy_client = dummy_access_token = DUMMY

    def validate_client_key(self, client_key, request):
        return _same(client_key, self.store.consumer_key)

    def validate_access_token(self, client_key, token, request):
        return _same(token, self.store.access_token)

    def get_client_secret(self, client_key, request):
        return self.store.consumer_secret if _same(client_key, self.store.consumer_key) else DUMMY

    def get_access_token_secret(self, client_key, token, request):
        return self.store.access_token_secret if _same(token, self.store.access_token) else DUMMY

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None,
                                     access_token=None):
        return True  # oauthlib already refuses a timestamp more than 10 minutes off

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True


def _same(given, expected) -> bool:
    return bool(expected) and hmac.compare_digest(str(given or "").encode(), str(expected).encode())


def is_authorized(request, store) -> bool:
    """Whether the Django `request` to `store`'s REST API is authenticated as Magento 2.4.4+ would accept it."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return store.allow_bearer_tokens and _same(header[7:].strip(), store.access_token)
    headers = {"Authorization": header} if header else {}
    try:
        valid, _ = ResourceEndpoint(_IntegrationValidator(store)).validate_protected_resource_request(
            request.build_absolute_uri(), http_method=request.method, body=None, headers=headers)
    except ValueError:  # oauthlib refuses some malformed input by raising
        return False
    return valid
