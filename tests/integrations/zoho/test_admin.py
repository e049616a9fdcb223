from integrations.zoho.models import ZohoApiClient

from .conftest import ACCESS_TOKEN, CLIENT_SECRET, REFRESH_TOKEN


def test_admin_pages_never_show_secrets(admin_client, connection):
    pages = ["/admin/zoho/zohoapiclient/", f"/admin/zoho/zohoapiclient/{connection.api_client.pk}/change/",
             "/admin/zoho/zohoconnection/", f"/admin/zoho/zohoconnection/{connection.pk}/change/",
             "/admin/zoho/zohoapiusage/"]
    for page in pages:
        response = admin_client.get(page)
        body = response.content.decode()
        assert response.status_code == 200, page
        for secret in (CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN):
            assert secret not in body, page
        assert "gAAAA" not in body, page  # nor their ciphertext
    assert "••••••••" in admin_client.get(f"/admin/zoho/zohoconnection/{connection.pk}/change/").content.decode()


def test_admin_client_secret_is_write_only(admin_client, connection):
    url = f"/admin/zoho/zohoapiclient/{connection.api_client.pk}/change/"
    data = {"name": "Platform", "data_center": "eu", "client_id": "1000.CLIENTID", "owner": ""}
    assert admin_client.post(url, {**data, "new_client_secret": ""}).status_code == 302
    assert ZohoApiClient.objects.get().client_secret == CLIENT_SECRET
    admin_client.post(url, {**data, "new_client_secret": "rotated-secret-value"})
    assert ZohoApiClient.objects.get().client_secret == "rotated-secret-value"
