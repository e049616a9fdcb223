"""A logging filter that redacts OAuth tokens, client secrets and store keys from every record."""

import logging
import re

REDACTED = "[redacted]"

_SECRET_NAMES = (
    r"access_token|refresh_token|client_secret|grant_token|consumer_secret|consumer_key|"
    r"password|secret|token|api_key|webhook_secret"
)
_PATTERNS = [
    # "access_token": "…" in JSON, and access_token=… in query strings and form bodies
    re.compile(rf'(?P<key>"(?:{_SECRET_NAMES})"\s*:\s*")(?P<value>[^"]+)(?=")', re.IGNORECASE),
    re.compile(rf"(?P<key>\b(?:{_SECRET_NAMES})=)(?P<value>[^&\s'\"]+)", re.IGNORECASE),
    # Authorization headers
    re.compile(r"(?P<key>\b(?:Zoho-oauthtoken|Bearer|Basic)\s+)(?P<value>[A-Za-z0-9._~+/=-]+)", re.IGNORECASE),
    # Zoho's token shapes (1000.<hex>.<hex>) wherever they appear
    re.compile(r"(?P<key>)(?P<value>\b1000\.[0-9a-f]{16,}\.[0-9a-f]{16,}\b)"),
    # WooCommerce keys
    re.compile(r"(?P<key>)(?P<value>\b[cC][ks]_[0-9a-f]{20,}\b)"),
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group("key") + REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
