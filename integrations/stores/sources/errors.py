"""The one error type a source raises: a readable message and whether retrying can help."""


class SourceError(Exception):
    """A store could not be read. `message` says exactly what failed (bad key, missing REST route,
    TLS, timeout…); `permanent` is True when only a change of settings can fix it (retrying won't)."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent

    def __str__(self):
        return self.message


class InvalidRecord(SourceError):
    """One record the store sent cannot be read (missing id, wrong types…). Only that record is skipped and
    reported; the rest of the stream is read as usual."""

    def __init__(self, message: str, source_id: str = ""):
        super().__init__(message, permanent=True)
        self.source_id = source_id


def json_object(response) -> dict | None:
    """The answer's body when it is a JSON object (a store's own error shape), else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def unexplained_http_error(status: int, path: str, not_found: str) -> SourceError:
    """An HTTP error whose body is not the store's API speaking (a proxy page, an empty answer…).
    `not_found` says what a 404 means for this kind of store."""
    if status == 404:
        error = SourceError(not_found, permanent=True)
    elif status >= 500 or status == 429:
        error = SourceError(f"The store failed with HTTP {status} on {path}; will retry later.")
    else:
        error = SourceError(f"The store answered HTTP {status} on {path}.", permanent=status in (401, 403))
    error.status = status
    return error
