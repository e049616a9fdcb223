"""`manage.py bench_sync` at a small N, for real: the sandbox served by a child process, the engine over HTTP, the
naive baseline."""

import json
import math
from io import StringIO

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from bench.runner import RUNS

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
CUSTOMERS = 200


@pytest.fixture(scope="module")
def report(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        out, err = StringIO(), StringIO()
        call_command("bench_sync", customers=CUSTOMERS, changed_fraction=0.05, naive_limit=15, json=True,
                     in_place=True, stdout=out, stderr=err)
        return json.loads(out.getvalue())


def test_it_prints_one_json_document_with_both_contenders_and_three_runs(report):
    assert set(report["ours"]) == set(report["naive"]) == set(RUNS)
    for side in ("ours", "naive"):
        for run in RUNS:
            figures = report[side][run]
            for key in ("zoho_calls", "credits", "wall_seconds", "records_per_second", "peak_rss_mb", "db_queries"):
                assert key in figures
    assert set(report["ratios"]) == set(RUNS)


def test_the_sandbox_is_served_by_a_child_process_whose_time_is_still_counted(report):
    assert report["server"] == "child process"
    initial = report["ours"]["initial"]
    assert 0 < initial["outside_seconds"] < initial["wall_seconds"]  # the child's busy time reached this process
    assert initial["own_seconds"] == pytest.approx(initial["wall_seconds"] - initial["outside_seconds"], abs=0.002)


def test_it_sends_ceil_records_over_100_upserts_per_module_on_the_initial_sync(report):
    initial = report["ours"]["initial"]
    assert sum(initial["records_sent"].values()) > 100
    assert initial["upsert_calls"] == {m: math.ceil(n / 100) for m, n in initial["records_sent"].items()}
    metadata_calls = initial["zoho_calls"] - sum(initial["upsert_calls"].values())
    assert metadata_calls == 2  # the field metadata of Contacts and Leads, then cached


def test_it_makes_no_call_when_nothing_changed(report):
    assert report["ours"]["unchanged"]["zoho_calls"] == 0
    assert report["ours"]["unchanged"]["credits"] == 0


def test_it_sends_only_the_changed_fraction(report):
    changed = report["ours"]["changed"]
    assert 0 < changed["customers_changed"] <= round(0.05 * CUSTOMERS)  # 5% of the shop's registered customers
    sent = changed["records_sent"]
    assert 0 < sum(sent.values()) <= changed["customers_changed"]
    assert changed["upsert_calls"] == {m: math.ceil(n / 100) for m, n in sent.items()}
    assert sum(changed["upsert_calls"].values()) <= math.ceil(0.05 * CUSTOMERS / 100) + 1  # one per module at most


def test_it_measures_the_naive_baseline_at_two_calls_per_customer_and_labels_the_extrapolation(report):
    for run in RUNS:
        naive = report["naive"][run]
        sent = sum(naive["records_sent"].values())
        assert naive["zoho_calls"] == naive["credits"] == 2 * sent  # one search + one insert or update each
        assert naive["customers_measured"] == 15
        assert "first 15 of the" in naive["extrapolated"]["note"]
        seen = report["ours"]["initial"]["run"]["seen"]
        assert naive["extrapolated"]["zoho_calls"] == round(naive["zoho_calls"] * seen / 15, 1)
    assert report["naive"]["unchanged"]["run"]["updated"] == sum(report["naive"]["unchanged"]["records_sent"].values())


@pytest.fixture(scope="module")
def bulk_report(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(BULK_WRITE_MIN_ROWS=20):
        out = StringIO()
        call_command("bench_sync", customers=CUSTOMERS, no_naive=True, json=True, in_place=True, stdout=out,
                     stderr=StringIO())
        return json.loads(out.getvalue())


def test_with_bulk_auto_a_big_initial_sync_goes_as_bulk_write_jobs_over_several_engine_runs(bulk_report):
    initial = bulk_report["ours"]["initial"]
    assert bulk_report["bulk"] == {"mode": "auto", "min_rows": 20}
    assert initial["bulk_write_jobs"] == len(initial["records_sent"]) == 2  # one job each for Contacts and Leads
    assert initial["upsert_calls"] == {}
    assert initial["credits"] > 1000 and initial["engine_runs"] > 1
    assert initial["slices"] >= initial["engine_runs"]  # each engine run works at least one slice
    assert bulk_report["ours"]["unchanged"]["zoho_calls"] == 0


def test_a_store_under_bulk_write_min_rows_stays_on_upserts(report):
    assert report["bulk"]["mode"] == "auto" and report["ours"]["initial"]["bulk_write_jobs"] == 0  # 200 < 5,000
