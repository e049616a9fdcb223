import logging

import pytest

from integrations.logging import RedactSecretsFilter, redact

TOKEN = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210"


@pytest.mark.parametrize(
    "text",
    [
        f'{{"access_token": "{TOKEN}", "expires_in": 3600}}',
        f"refresh_token={TOKEN}&grant_type=refresh_token",
        "client_secret=very-secret-value&client_id=1000.ABC",
        f"Authorization: Zoho-oauthtoken {TOKEN}",
        "Authorization: Bearer abcDEF123456",
        "consumer_key=ck_0123456789abcdef0123456789abcdef01234567",
        f"callback ?code={TOKEN}&state=x",
    ],
)
def test_it_redacts_secrets(text):
    cleaned = redact(text)
    assert "[redacted]" in cleaned
    for secret in (TOKEN, "very-secret-value", "abcDEF123456", "ck_0123456789abcdef"):
        assert secret not in cleaned


def test_it_keeps_ordinary_text():
    text = 'upsert Contacts: 100 records, status_code=207 {"code": "INVALID_DATA"}'
    assert redact(text) == text


def test_the_filter_redacts_messages_args_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token response %s", (TOKEN,), None)
    try:
        raise ValueError(f"refresh failed for refresh_token={TOKEN}")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactSecretsFilter().filter(record)
    assert TOKEN not in record.getMessage()
    assert TOKEN not in record.exc_text
