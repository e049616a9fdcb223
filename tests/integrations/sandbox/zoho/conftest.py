import pytest

SANDBOX_DB = pytest.mark.django_db(databases=["default", "sandbox"])
