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
