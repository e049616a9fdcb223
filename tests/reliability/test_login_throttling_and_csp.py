"""Failed logins are throttled per user name and per IP address (django-axes), and every page carries a strict
Content-Security-Policy that the app's own pages satisfy (no inline script or style anywhere)."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def attempt(username, password, ip="198.51.100.7"):
    return Client(REMOTE_ADDR=ip).post(reverse("login"), {"username": username, "password": password})


def test_a_user_name_is_locked_after_too_many_failed_logins_even_with_the_right_password(admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    answers = [attempt("alice", "wrong", ip=f"198.51.100.{n}").status_code for n in range(3)]
    assert answers == [200, 200, 429]  # the form again with an error, until the limit
    locked = attempt("alice", "alice-password", ip="198.51.100.99")  # another address, the right password
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in Client().session


def test_an_address_is_locked_after_too_many_failed_logins_for_any_user_names(admin_user, affiliate_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for name in ("x1", "x2", "x3"):
        attempt(name, "guess", ip="203.0.113.5")
    assert attempt("bob", "bob-password", ip="203.0.113.5").status_code == 429
    assert attempt("bob", "bob-password", ip="203.0.113.6").status_code == 302  # another address logs in


def test_a_successful_login_resets_the_count(admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    attempt("alice", "wrong")
    attempt("alice", "wrong")
    assert attempt("alice", "alice-password").status_code == 302
    attempt("alice", "wrong")
    attempt("alice", "wrong")
    assert attempt("alice", "alice-password").status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for spoofed in ("1.1.1.1", "2.2.2.2"):  # a client cannot dodge the lockout by inventing X-Forwarded-For entries
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"{spoofed}, 192.0.2.50").post(
            reverse("login"), {"username": f"nobody-{spoofed}", "password": "x"})
    locked = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="9.9.9.9, 192.0.2.50").post(
        reverse("login"), {"username": "alice", "password": "alice-password"})
    assert locked.status_code == 429


def test_every_response_carries_a_strict_content_security_policy(admin_client):
    for url in ("/", reverse("login"), "/stores/", "/zoho/", "/admin/"):
        policy = admin_client.get(url)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_no_template_has_an_inline_script_or_style_that_the_policy_would_block():
    templates = [p for d in django_settings.TEMPLATES[0]["DIRS"] for p in Path(d).rglob("*.html")]
    templates += list(Path(django_settings.BASE_DIR, "integrations").rglob("templates/**/*.html"))
    templates += list(Path(django_settings.BASE_DIR, "syncs").rglob("templates/**/*.html"))
    assert len(templates) > 10
    for template in templates:
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline <script> in {template}"
        assert not re.search(r"\sstyle=|<style|\son[a-z]+=", text), f"inline style or handler in {template}"
