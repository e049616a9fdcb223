"""One error taxonomy for everything that talks to Zoho; the sync engine branches on the class.

- ReauthorizationRequired: the refresh token is gone or lacks scopes; a person must reconnect.
- RateLimited: Zoho (or our own limiter) says "not now"; try again after `retry_after` seconds.
- TransientError: network trouble or a 5xx that outlived its retries; the next run may succeed.
- ConfigurationError: permanent until someone changes settings (bad module, field, client, DC, scope).
- CreditBudgetExceeded: our own daily credit budget for the org is spent; resume after `retry_after`.
Per-record failures are never raised: they come back as `crm.RecordResult(ok=False, …)`.
Messages never contain tokens or secrets; `hint` says how to fix the problem, for people.
"""


class ZohoError(Exception):
    def __init__(self, message: str, code: str = "", status: int | None = None, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.hint = hint

    def __str__(self) -> str:
        return self.message

    @property
    def explanation(self) -> str:
        """The message followed by how to fix it, for flash messages and command output."""
        return f"{self.message} {self.hint}".strip()


class ReauthorizationRequired(ZohoError):
    """The grant is gone (revoked, expired, wrong scopes): an admin must authorize again."""


class RateLimited(ZohoError):
    def __init__(self, message: str, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TransientError(ZohoError):
    """Zoho or the network failed for now (5xx, timeout, unreadable answer): retry later."""


class ConfigurationError(ZohoError):
    """A permanent mistake on our side (module, field, scope, URL): fix the setup, do not retry."""


class CreditBudgetExceeded(ZohoError):
    def __init__(self, message: str, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
