"""Zoho data centres: where each one's accounts server (OAuth), CRM API and Bulk Write upload host live.

Reference: https://www.zoho.com/crm/developer/docs/api/v8/multi-dc.html and the official Python SDK's
`crm/api/dc/*_data_center.py`. The `sandbox` entry (the built-in emulator) exists only while
`settings.SANDBOX_ENABLED`, and its URLs follow `settings.SITE_URL`, so the registry is computed on
every lookup rather than frozen at import time; it has an upload host of its own, as Zoho's DCs do.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


@dataclass(frozen=True)
class DataCenter:
    key: str
    label: str
    accounts_server: str
    api_domain: str
    console_url: str
    upload_host: str  # where Bulk Write files are uploaded (the SDK's "file upload URL")


_PRODUCTION = (
    DataCenter("us", "United States (zoho.com)", "https://accounts.zoho.com", "https://www.zohoapis.com",
               "https://api-console.zoho.com/", "https://content.zohoapis.com"),
    DataCenter("eu", "Europe (zoho.eu)", "https://accounts.zoho.eu", "https://www.zohoapis.eu",
               "https://api-console.zoho.eu/", "https://content.zohoapis.eu"),
    DataCenter("in", "India (zoho.in)", "https://accounts.zoho.in", "https://www.zohoapis.in",
               "https://api-console.zoho.in/", "https://content.zohoapis.in"),
    DataCenter("au", "Australia (zoho.com.au)", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au",
               "https://api-console.zoho.com.au/", "https://content.zohoapis.com.au"),
    DataCenter("jp", "Japan (zoho.jp)", "https://accounts.zoho.jp", "https://www.zohoapis.jp",
               "https://api-console.zoho.jp/", "https://content.zohoapis.jp"),
    DataCenter("ca", "Canada (zohocloud.ca)", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca",
               "https://api-console.zohocloud.ca/", "https://upload.zohocloud.ca"),
    DataCenter("cn", "China (zoho.com.cn)", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn",
               "https://api-console.zoho.com.cn/", "https://content.zohoapis.com.cn"),
    DataCenter("sa", "Saudi Arabia (zoho.sa)", "https://accounts.zoho.sa", "https://www.zohoapis.sa",
               "https://api-console.zoho.sa/", "https://files.zoho.sa"),
)


def _sandbox() -> DataCenter:
    site = settings.SITE_URL.rstrip("/")
    return DataCenter(
        "sandbox", "Sandbox (built-in Zoho emulator)", f"{site}/sandbox/zoho/accounts", f"{site}/sandbox/zoho",
        f"{site}/sandbox/zoho/accounts/console/", f"{site}/sandbox/zoho/content",
    )


def _current() -> dict[str, DataCenter]:
    centers = {dc.key: dc for dc in _PRODUCTION}
    if settings.SANDBOX_ENABLED:
        centers["sandbox"] = _sandbox()
    return centers


class _Registry(Mapping):
    """A read-only mapping key → DataCenter, evaluated at lookup time."""

    def __getitem__(self, key: str) -> DataCenter:
        return _current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(_current())

    def __len__(self) -> int:
        return len(_current())


DATA_CENTERS: Mapping[str, DataCenter] = _Registry()


def get_data_center(key: str) -> DataCenter:
    """The data centre for `key`; KeyError for an unknown (or currently disabled) key."""
    return DATA_CENTERS[key]


def _normalise(url: str) -> str:
    parts = urlsplit((url or "").strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def data_center_for_accounts_server(url: str) -> DataCenter | None:
    """The data centre whose accounts server is exactly `url` (scheme, host and path), else None.

    Used on the OAuth callback before any secret is sent to the `accounts-server` Zoho names there.
    """
    wanted = _normalise(url)
    for dc in DATA_CENTERS.values():
        if _normalise(dc.accounts_server) == wanted:
            return dc
    return None


def data_center_for_api_domain(url: str) -> DataCenter | None:
    """The data centre an `api_domain` from a token response belongs to, else None.

    Besides `https://www.zohoapis.<tld>` Zoho answers with `https://sandbox.zohoapis.<tld>` and
    `https://developer.zohoapis.<tld>` for sandbox/developer orgs; those share the data centre.
    """
    wanted = urlsplit(_normalise(url))
    for dc in DATA_CENTERS.values():
        known = urlsplit(_normalise(dc.api_domain))
        if wanted.scheme != known.scheme or wanted.path != known.path:
            continue
        base = known.netloc.removeprefix("www.")
        if wanted.netloc == known.netloc or wanted.netloc in (f"sandbox.{base}", f"developer.{base}"):
            return dc
    return None


def choices() -> list[tuple[str, str]]:
    return [(dc.key, dc.label) for dc in DATA_CENTERS.values()]
