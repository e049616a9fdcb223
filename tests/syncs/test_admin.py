"""The admin: every action does what it says, lists cost the same number of queries however many rows they show,
and the search boxes find records by email or key."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.stores.models import Store, WebhookEvent
from integrations.zoho.models import ZohoApiUsage, ZohoConnection
from syncs.models import CustomerSnapshot, Incident, RecordError, StoreCheckpoint, SyncedRecord, SyncRun

from .conftest import make_connection, make_settings, make_store, queued_tasks
from .views.conftest import texts

pytestmark = pytest.mark.django_db


def act(client, model_url, action, objects):
    return client.post(f"/admin/{model_url}/", {"action": action, "_selected_action": [o.pk for o in objects]})


def error(sync_settings, key, status="open", **fields):
    return RecordError.objects.create(settings=sync_settings, module="Contacts", key=key, code="INVALID_DATA",
                                      message="bad", status=status, **fields)


def test_sync_now_queues_one_run_per_selected_connection(admin_client, queue):
    first, second, other = (make_settings(make_connection(name)) for name in ("one", "two", "three"))
    response = act(admin_client, "syncs/syncsettings", "sync_now", [first, second])
    assert response.status_code == 302 and texts(response) == ["Sync queued for 2 connection(s)."]
    runs = SyncRun.objects.order_by("settings_id")
    assert [(r.settings_id, r.trigger, r.status) for r in runs] == [(first.pk, "manual", "queued"),
                                                                      (second.pk, "manual", "queued")]
    assert sorted(queued_tasks(queue)) == [("syncs.tasks.run_sync_settings", first.pk, "manual", runs[0].pk),
                                           ("syncs.tasks.run_sync_settings", second.pk, "manual", runs[1].pk)]
    assert not SyncRun.objects.filter(settings=other).exists()


def test_reset_queues_one_reset_and_pressing_twice_keeps_one(admin_client, queue):
    sync_settings = make_settings()
    act(admin_client, "syncs/syncsettings", "reset_synchronisation", [sync_settings])
    response = act(admin_client, "syncs/syncsettings", "reset_synchronisation", [sync_settings])
    assert texts(response)[-1] == "Reset queued for 1 connection(s)."
    reset = SyncRun.objects.get()
    assert (reset.trigger, reset.status, reset.phase) == ("reset", "queued", "clear")
    assert ("syncs.tasks.run_reset", reset.pk) in queued_tasks(queue)


def test_retry_sends_the_selected_records_again_and_skips_resolved_ones(admin_client, queue):
    sync_settings = make_settings()
    chosen = error(sync_settings, "a@example.com")
    ignored = error(sync_settings, "b@example.com", status="ignored")
    resolved = error(sync_settings, "c@example.com", status="resolved")
    untouched = error(sync_settings, "d@example.com")
    SyncedRecord.objects.create(settings=sync_settings, module="Contacts", key="a@example.com", payload_hash="abc",
                                status="failed")
    response = act(admin_client, "syncs/recorderror", "retry", [chosen, ignored, resolved])
    assert texts(response) == ["2 record(s) will be sent again."]
    statuses = dict(RecordError.objects.values_list("key", "status"))
    assert statuses == {"a@example.com": "retrying", "b@example.com": "retrying", "c@example.com": "resolved",
                        "d@example.com": "open"}
    assert SyncedRecord.objects.get(key="a@example.com").payload_hash == ""  # sent again even if unchanged
    run = SyncRun.objects.get()
    assert queued_tasks(queue) == [("syncs.tasks.run_sync_settings", sync_settings.pk, "manual", run.pk)]
    assert untouched.pk not in RecordError.objects.filter(status="retrying").values_list("pk", flat=True)


def test_ignore_dismisses_open_and_retrying_records_only(admin_client):
    sync_settings = make_settings()
    open_error = error(sync_settings, "a@example.com")
    retrying = error(sync_settings, "b@example.com", status="retrying")
    resolved = error(sync_settings, "c@example.com", status="resolved")
    response = act(admin_client, "syncs/recorderror", "ignore", [open_error, retrying, resolved])
    assert texts(response) == ["2 error(s) ignored."]
    assert dict(RecordError.objects.values_list("key", "status")) == {
        "a@example.com": "ignored", "b@example.com": "ignored", "c@example.com": "resolved"}


def test_delete_selected_asks_first_then_deletes_sync_settings(admin_client):
    doomed, kept = make_settings(make_connection("doomed")), make_settings(make_connection("kept"))
    confirm = act(admin_client, "syncs/syncsettings", "delete_selected", [doomed])
    assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
    admin_client.post("/admin/syncs/syncsettings/", {"action": "delete_selected", "post": "yes",
                                                     "_selected_action": [doomed.pk]})
    assert list(type(kept).objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_non_staff_user_cannot_run_admin_actions(affiliate_client, queue):
    sync_settings = make_settings()
    response = act(affiliate_client, "syncs/syncsettings", "sync_now", [sync_settings])
    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert not SyncRun.objects.exists() and queued_tasks(queue) == []


# --- lists: queries do not grow with rows ------------------------------------------------------------------

def rows(n: int) -> None:
    """n more rows in every admin list, each with its own connection and store."""
    now = timezone.now()
    for _ in range(n):
        index = ZohoConnection.objects.count()
        sync_settings = make_settings(make_connection(f"c{index}", owner=None))
        store = make_store(f"Shop{index}")
        run = SyncRun.objects.create(settings=sync_settings, trigger="schedule", status="succeeded")
        error(sync_settings, f"x{index}@example.com", run=run)
        SyncedRecord.objects.create(settings=sync_settings, module="Contacts", key=f"x{index}@example.com",
                                    synced_at=now)
        CustomerSnapshot.objects.create(settings=sync_settings, store=store, email=f"x{index}@example.com")
        StoreCheckpoint.objects.create(settings=sync_settings, store=store)
        Incident.objects.create(kind="failing_runs", subject=f"connection:{index}",
                                connection=sync_settings.connection, started_at=now)
        WebhookEvent.objects.create(store=store, topic="order.created", resource="order", resource_id=str(index),
                                    modified_at=now, body="{}")
        ZohoApiUsage.objects.create(usage_key=f"org:{index}", hour=now - timedelta(hours=index))


LISTS = ["syncs/syncsettings", "syncs/syncrun", "syncs/recorderror", "syncs/syncedrecord", "syncs/customersnapshot",
         "syncs/storecheckpoint", "syncs/incident", "zoho/zohoconnection", "zoho/zohoapiclient", "zoho/zohoapiusage",
         "stores/store", "stores/webhookevent", "profiles/profile"]


def queries(client, url) -> int:
    with CaptureQueriesContext(db_connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def test_admin_lists_cost_the_same_queries_for_2_rows_as_for_8(admin_client):
    rows(2)
    few = {url: queries(admin_client, f"/admin/{url}/") for url in LISTS}
    rows(6)
    many = {url: queries(admin_client, f"/admin/{url}/") for url in LISTS}
    assert many == few


def test_admin_lists_are_browsable_by_date_and_searchable_by_email_or_key(admin_client):
    sync_settings = make_settings()
    error(sync_settings, "jane@example.com")
    error(sync_settings, "john@example.com")
    SyncedRecord.objects.create(settings=sync_settings, module="Deals", key="Shop #1001", synced_at=timezone.now())
    found = admin_client.get("/admin/syncs/recorderror/", {"q": "jane"}).content.decode()
    assert "jane@example.com" in found and "john@example.com" not in found
    assert "Shop #1001" in admin_client.get("/admin/syncs/syncedrecord/", {"q": "#1001"}).content.decode()
    today = timezone.now()
    by_day = admin_client.get("/admin/syncs/recorderror/", {"created_at__year": today.year,
                                                            "created_at__month": today.month})
    assert by_day.status_code == 200 and "jane@example.com" in by_day.content.decode()
    assert by_day.context["cl"].date_hierarchy == "created_at"
    store = Store.objects.create(name="Owned", kind="magento", base_url="https://owned.example",
                                 owner=make_connection("x").owner)
    assert "Owned" in admin_client.get("/admin/stores/store/", {"q": "owned"}).content.decode()
    assert store.pk
