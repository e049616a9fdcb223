import pytest

from syncs.models import RecordError
from syncs.services import ignore_errors

pytestmark = pytest.mark.django_db


def test_it_ignores_open_errors_only(sync_settings):
    open_error = RecordError.objects.create(settings=sync_settings, module="Contacts", key="a@example.com",
                                            code="INVALID_DATA", field="Phone", message="invalid data")
    resolved = RecordError.objects.create(settings=sync_settings, module="Contacts", key="b@example.com",
                                          code="INVALID_DATA", message="invalid data", status="resolved")
    assert ignore_errors(RecordError.objects.all()) == 1
    open_error.refresh_from_db()
    resolved.refresh_from_db()
    assert open_error.status == "ignored" and resolved.status == "resolved"
