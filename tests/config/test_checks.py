from django.core.checks import run_checks


def error_ids(settings):
    return {message.id for message in run_checks(include_deployment_checks=False) if message.id.startswith("zohosync")}


def test_debug_settings_pass(settings):
    settings.DEBUG = True
    assert error_ids(settings) == set()


def test_it_refuses_the_sandbox_in_production(settings):
    settings.DEBUG = False
    settings.SITE_URL = "https://sync.example.com"
    settings.SANDBOX_ENABLED = True
    assert error_ids(settings) == {"zohosync.E006"}


def test_it_refuses_plain_http_site_url_in_production(settings):
    settings.DEBUG = False
    settings.SANDBOX_ENABLED = False
    settings.SITE_URL = "http://sync.example.com"
    assert error_ids(settings) == {"zohosync.E005"}


def test_it_refuses_a_missing_encryption_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    messages = [m for m in run_checks() if m.id == "zohosync.E002"]
    assert messages and "Fernet.generate_key" in messages[0].hint


def test_it_refuses_a_malformed_encryption_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    assert "zohosync.E003" in error_ids(settings)


def test_it_refuses_a_relative_site_url(settings):
    settings.SITE_URL = "sync.example.com"
    assert "zohosync.E004" in error_ids(settings)


def test_production_settings_pass(settings):
    settings.DEBUG = False
    settings.SANDBOX_ENABLED = False
    settings.SITE_URL = "https://sync.example.com"
    assert error_ids(settings) == set()


def test_it_refuses_a_sync_slice_longer_than_the_worker_timeout(settings):
    settings.Q_TIMEOUT = 60
    settings.SYNC_SLICE_SECONDS = 60
    errors = [m for m in run_checks(include_deployment_checks=False) if m.id == "zohosync.E010"]
    assert errors and "Q_TIMEOUT (60)" in errors[0].msg
    settings.SYNC_SLICE_SECONDS = 30
    assert "zohosync.E010" not in error_ids(settings)


def test_the_broker_redelivers_only_after_the_worker_timeout():
    from django.conf import settings as live

    assert live.Q_CLUSTER["timeout"] == live.Q_TIMEOUT
    assert live.Q_CLUSTER["retry"] > live.Q_CLUSTER["timeout"]
