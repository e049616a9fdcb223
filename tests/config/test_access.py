import pytest


@pytest.mark.django_db
def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_login_page_is_styled(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "css/app.css" in body and 'name="username"' in body


@pytest.mark.django_db
def test_logged_in_user_sees_the_dashboard(admin_client):
    response = admin_client.get("/")
    assert response.status_code == 200
    assert b"Log out" in response.content


@pytest.mark.django_db
def test_sandbox_is_404_when_disabled(client, settings):
    settings.SANDBOX_ENABLED = False
    assert client.get("/sandbox/").status_code == 404


@pytest.mark.django_db
def test_sandbox_index_is_public_when_enabled(client):
    assert client.get("/sandbox/").status_code == 200


@pytest.mark.django_db
def test_admin_needs_staff(affiliate_client):
    response = affiliate_client.get("/admin/")
    assert response.status_code == 302


@pytest.mark.django_db
def test_a_script_name_prefix_does_not_open_a_disabled_sandbox(client, settings):
    settings.SANDBOX_ENABLED = False
    # Behind a prefix the full path is /prefix/sandbox/; the gate must read the path inside the app.
    assert client.get("/sandbox/", SCRIPT_NAME="/prefix").status_code == 404
