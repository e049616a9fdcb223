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
