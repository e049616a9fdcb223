from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from syncs import claims

pytestmark = pytest.mark.django_db


def test_it_lets_one_worker_claim_a_connection_at_a_time(sync_settings):
    assert claims.claim(sync_settings.pk, "worker-a")
    assert not claims.claim(sync_settings.pk, "worker-b")
    claims.release(sync_settings.pk, "worker-b")  # not the holder: no effect
    assert not claims.claim(sync_settings.pk, "worker-b")
    claims.release(sync_settings.pk, "worker-a")
    assert claims.claim(sync_settings.pk, "worker-b")


def test_it_lets_a_worker_take_over_a_stale_claim_within_minutes_and_the_old_one_notices(sync_settings, settings):
    assert claims.claim(sync_settings.pk, "worker-a")
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600}
    with time_machine.travel(timezone.now() + timedelta(minutes=3) - timedelta(seconds=5)):
        assert not claims.claim(sync_settings.pk, "worker-b")
    with time_machine.travel(timezone.now() + timedelta(minutes=3, seconds=5)):  # not the 10-minute timeout
        assert claims.claim(sync_settings.pk, "worker-b")
        assert not claims.heartbeat(sync_settings.pk, "worker-a")
        assert claims.heartbeat(sync_settings.pk, "worker-b")
