import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models.signals import post_migrate
from django_q.models import Schedule

from syncs.schedules import ensure_schedules

pytestmark = pytest.mark.django_db


def test_it_creates_the_tick_once_however_often_it_runs():
    Schedule.objects.create(name="syncs.old-thing", func="syncs.tasks.gone")
    Schedule.objects.create(name="someone.else", func="x.y")
    ensure_schedules()
    ensure_schedules()
    call_command("ensure_schedules", stdout=io.StringIO())
    tick = Schedule.objects.get(name="syncs.tick")
    assert tick.func == "syncs.tasks.tick"
    assert tick.schedule_type == Schedule.MINUTES and tick.minutes == 1 and tick.repeats == -1
    alerts = Schedule.objects.get(name="syncs.alerts")
    assert alerts.func == "syncs.alerts.evaluate" and alerts.minutes == 5 and alerts.repeats == -1
    prune = Schedule.objects.get(name="syncs.prune")
    assert prune.func == "syncs.retention.prune_personal_data" and prune.schedule_type == Schedule.DAILY
    assert sorted(Schedule.objects.values_list("name", flat=True)) == [
        "someone.else", "syncs.alerts", "syncs.prune", "syncs.tick"]


def test_it_is_wired_to_post_migrate_for_the_default_database_only():
    Schedule.objects.all().delete()
    syncs = apps.get_app_config("syncs")
    post_migrate.send(sender=syncs, app_config=syncs, using="sandbox", verbosity=0, interactive=False)
    assert not Schedule.objects.exists()
    other = apps.get_app_config("stores")
    post_migrate.send(sender=other, app_config=other, using="default", verbosity=0, interactive=False)
    assert not Schedule.objects.exists()
    post_migrate.send(sender=syncs, app_config=syncs, using="default", verbosity=0, interactive=False)
    assert Schedule.objects.filter(name="syncs.tick").count() == 1
