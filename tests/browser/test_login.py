import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def test_it_logs_in_through_the_styled_login_page(page, screenshot, admin_user):
    page.goto("/")
    assert "/accounts/login/" in page.url
    screenshot("01-login")
    log_in(page, "alice", "alice-password")
    page.wait_for_url("**/")
    assert page.get_by_role("button", name="Log out alice").is_visible()


def test_it_rejects_a_wrong_password(page, admin_user):
    log_in(page, "alice", "wrong")
    assert page.get_by_role("alert").inner_text().startswith("Your username and password didn't match")
