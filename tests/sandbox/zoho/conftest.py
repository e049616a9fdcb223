import pytest
import requests

SANDBOX_DB = pytest.mark.django_db(databases=["default", "sandbox"])


@pytest.fixture
def crm(zoho_sandbox):
    """Call the sandbox CRM API with a ready token: crm("POST", "Contacts/upsert", json=…)."""
    headers = zoho_sandbox.auth_headers()

    def call(method, path, **kwargs):
        kwargs["headers"] = {**headers, **kwargs.get("headers", {})}
        return requests.request(method, f"{zoho_sandbox.crm}/{path}", **kwargs)

    return call
