import pytest

from integrations.zoho.datacenters import (
    DATA_CENTERS,
    choices,
    data_center_for_accounts_server,
    data_center_for_api_domain,
    get_data_center,
)

UPLOAD_HOSTS = {
    "us": "https://content.zohoapis.com", "eu": "https://content.zohoapis.eu", "in": "https://content.zohoapis.in",
    "au": "https://content.zohoapis.com.au", "jp": "https://content.zohoapis.jp", "ca": "https://upload.zohocloud.ca",
    "cn": "https://content.zohoapis.com.cn", "sa": "https://files.zoho.sa",
}
EXPECTED = {
    "us": ("https://accounts.zoho.com", "https://www.zohoapis.com", "https://api-console.zoho.com/"),
    "eu": ("https://accounts.zoho.eu", "https://www.zohoapis.eu", "https://api-console.zoho.eu/"),
    "in": ("https://accounts.zoho.in", "https://www.zohoapis.in", "https://api-console.zoho.in/"),
    "au": ("https://accounts.zoho.com.au", "https://www.zohoapis.com.au", "https://api-console.zoho.com.au/"),
    "jp": ("https://accounts.zoho.jp", "https://www.zohoapis.jp", "https://api-console.zoho.jp/"),
    "ca": ("https://accounts.zohocloud.ca", "https://www.zohoapis.ca", "https://api-console.zohocloud.ca/"),
    "cn": ("https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn", "https://api-console.zoho.com.cn/"),
    "sa": ("https://accounts.zoho.sa", "https://www.zohoapis.sa", "https://api-console.zoho.sa/"),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_it_knows_each_data_center(key):
    dc = get_data_center(key)
    assert (dc.accounts_server, dc.api_domain, dc.console_url) == EXPECTED[key]
    assert dc.upload_host == UPLOAD_HOSTS[key]
    assert data_center_for_accounts_server(dc.accounts_server) == dc
    assert data_center_for_accounts_server(dc.accounts_server + "/") == dc
    assert data_center_for_api_domain(dc.api_domain) == dc


def test_it_accepts_sandbox_and_developer_api_domains_of_a_data_center():
    assert data_center_for_api_domain("https://sandbox.zohoapis.eu").key == "eu"
    assert data_center_for_api_domain("https://developer.zohoapis.com").key == "us"


@pytest.mark.parametrize("url", [
    "https://evil.example", "https://accounts.zoho.com.evil.example", "http://accounts.zoho.com",
    "https://accounts.zoho.com/steal", "", "accounts.zoho.com",
])
def test_it_rejects_unknown_accounts_servers(url):
    assert data_center_for_accounts_server(url) is None


def test_it_rejects_unknown_api_domains():
    assert data_center_for_api_domain("https://www.zohoapis.evil.example") is None
    assert data_center_for_api_domain("https://evil.zohoapis.com") is None


def test_sandbox_follows_site_url_while_enabled(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    dc = DATA_CENTERS["sandbox"]
    assert dc.accounts_server == "http://127.0.0.1:8123/sandbox/zoho/accounts"
    assert dc.api_domain == "http://127.0.0.1:8123/sandbox/zoho"
    assert dc.console_url == "http://127.0.0.1:8123/sandbox/zoho/accounts/console/"
    assert dc.upload_host == "http://127.0.0.1:8123/sandbox/zoho/content"
    assert data_center_for_accounts_server("http://127.0.0.1:8123/sandbox/zoho/accounts") == dc
    assert data_center_for_api_domain("http://127.0.0.1:8123/sandbox/zoho") == dc


def test_sandbox_is_absent_when_disabled(settings):
    settings.SANDBOX_ENABLED = False
    assert "sandbox" not in DATA_CENTERS
    assert "sandbox" not in dict(choices())
    assert data_center_for_accounts_server("http://testserver/sandbox/zoho/accounts") is None
    with pytest.raises(KeyError):
        get_data_center("sandbox")
    assert len(DATA_CENTERS) == 8
