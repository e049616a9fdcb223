from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_q.status import Stat

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"])


def fake_clusters(monkeypatch, *ages):
    clusters = [SimpleNamespace(timestamp=timezone.now() - timedelta(seconds=age)) for age in ages]
    monkeypatch.setattr(Stat, "get_all", staticmethod(lambda: clusters))


def test_it_is_public_and_ok_with_a_live_worker(client, monkeypatch):
    fake_clusters(monkeypatch, 5)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "worker": "ok", "sandbox_database": "ok"}


def test_it_is_503_without_a_worker(client, monkeypatch):
    fake_clusters(monkeypatch)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "qcluster" in response.json()["worker"]


def test_it_is_503_with_a_stale_heartbeat(client, monkeypatch):
    fake_clusters(monkeypatch, 600)
    assert client.get("/healthz").status_code == 503


def test_it_reads_the_real_heartbeat_from_the_shared_cache(client):
    # No cluster has ever run in the test database: the real Stat lookup finds none.
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
