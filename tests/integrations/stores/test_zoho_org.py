import json
import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.utils import timezone as django_timezone

from integrations.stores.forms import ZohoOrgStoreForm
from integrations.stores.models import Store
from integrations.stores.sources import get_source
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.zoho_org import ZohoOrgSource, ensure_not_same_org, same_org_error
from integrations.zoho.crm import ZohoCRM
from integrations.zoho.models import ZohoApiClient, ZohoConnection
from tests.integrations.stores.contract import PAGE_SIZE, SourceContract

API = "https://www.zohoapis.eu/crm/v8"


def zoho_records(count):
    """Get Records items shaped like the docs' (Modified_Time with the org's offset), a minute apart."""
    base = datetime(2023, 6, 23, 23, 0, tzinfo=UTC)
    return [{
        "id": str(410888000000099000 + n), "Email": f"patricia{n}@example.com", "First_Name": "Patricia",
        "Last_Name": f"Boyle {n}", "Salutation": "Ms.", "Phone": "555-555-5555",
        "Account_Name": {"name": "Zylker", "id": "410888000000000001"}, "Mailing_Street": "123 Main St",
        "Mailing_City": "Chennai", "Mailing_State": "TN", "Mailing_Zip": "600001", "Mailing_Country": "India",
        "Created_Time": "2022-01-01T10:00:00+05:30",
        "Modified_Time": (base + timedelta(minutes=n)).astimezone(timezone(timedelta(hours=-11))).isoformat(),
    } for n in range(count)]


class RecordedZoho(responses.CallbackResponse):
    """Get Records with page_token paging and If-Modified-Since, org, and deleted records."""

    def __init__(self, records):
        self.records = records
        super().__init__(method="GET", url=re.compile(re.escape(API) + r"/.*"), callback=self._answer)

    def _answer(self, request):
        parts = urlsplit(request.url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.endswith("/org"):
            return 200, {}, json.dumps({"org": [{"id": "20001", "company_name": "Zylker EU"}]})
        if parts.path.endswith("/deleted"):
            return 200, {}, json.dumps({"data": [{"id": "410888000000680009", "display_name": None,
                                                  "type": "permanent", "deleted_time": "2016-10-26T11:44:15+05:30"}],
                                        "info": {"per_page": 200, "count": 1, "page": 1, "more_records": False}})
        rows = self.records
        since = request.headers.get("If-Modified-Since")
        if since:
            rows = [r for r in rows if datetime.fromisoformat(r["Modified_Time"]) >= datetime.fromisoformat(since)]
        if not rows:
            return 204, {}, ""
        per_page = int(query.get("per_page", 200))
        start = int(query.get("page_token", "0"))
        page = rows[start:start + per_page]
        more = start + per_page < len(rows)
        info = {"per_page": per_page, "count": len(page), "more_records": more, "sort_by": "Modified_Time",
                "next_page_token": str(start + per_page) if more else None}
        fields = query["fields"].split(",")
        return 200, {}, json.dumps({"data": [{k: v for k, v in r.items() if k in fields or k == "id"} for r in page],
                                    "info": info})


def make_connection(org_id="20001", name="org-a"):
    client = ZohoApiClient.objects.get_or_create(name="Client", data_center="eu", client_id="1000.ABC",
                                                 defaults={"client_secret": "secret"})[0]
    return ZohoConnection.objects.create(
        name=name, api_client=client, status=ZohoConnection.Status.CONNECTED, org_id=org_id,
        api_domain="https://www.zohoapis.eu", accounts_server="https://accounts.zoho.eu",
        refresh_token="1000.refresh", access_token="1000.access",
        access_token_expires_at=django_timezone.now() + timedelta(hours=1),
    )


def zoho_store(connection, **config):
    return Store.objects.create(name="Org A", kind="zoho", zoho_connection=connection,
                                config={"module": "Contacts", "page_size": PAGE_SIZE, **config})


def no_sleep_source(store):
    return ZohoOrgSource(store, crm=ZohoCRM(store.zoho_connection, sleep=lambda seconds: None))


@pytest.mark.django_db
class TestZohoOrgAgainstRecordedPayloads(SourceContract):
    failures = {
        "bad_key": ("OAUTH_SCOPE_MISMATCH",),
        "no_route": ("INVALID_URL_PATTERN",),
        "tls": ("SSLError",),
        "timeout": ("Timeout",),
    }

    def make_source(self):
        records = zoho_records(12)
        self.http.add(RecordedZoho(records))
        return no_sleep_source(zoho_store(make_connection())), {r["id"] for r in records}

    def make_failing_source(self, failure):
        url = re.compile(re.escape(API) + r"/.*")
        if failure == "bad_key":
            self.http.add(responses.GET, url, status=401, json={"code": "OAUTH_SCOPE_MISMATCH", "message": "invalid"})
        elif failure == "no_route":
            self.http.add(responses.GET, url, status=404, json={"code": "INVALID_URL_PATTERN", "message": "bad"})
        elif failure == "tls":
            self.http.add(responses.GET, url, body=requests.exceptions.SSLError("certificate verify failed"))
        else:
            self.http.add(responses.GET, url, body=requests.exceptions.ReadTimeout("read timed out"))
        return no_sleep_source(zoho_store(make_connection()))

    def listing_requests(self):
        return [u for u in self.all_request_urls() if "/crm/v8/Contacts?" in u]

    def assert_checkpoint_sent(self, urls, since):
        headers = [call.request.headers.get("If-Modified-Since") for call in self.http.calls
                   if "/crm/v8/Contacts?" in call.request.url]
        assert headers and headers[0] and datetime.fromisoformat(headers[0]) == since


@pytest.mark.django_db
def test_contacts_map_to_the_customer_shape_and_deletions_are_listed(http):
    http.add(RecordedZoho(zoho_records(1)))
    source = no_sleep_source(zoho_store(make_connection()))
    [customer] = source.customers(None)
    assert (customer.company, customer.city, customer.country_name, customer.salutation) == (
        "Zylker", "Chennai", "India", "Ms.")
    assert customer.updated_at == datetime(2023, 6, 23, 23, 0, tzinfo=UTC)
    assert customer.registered_at == datetime(2022, 1, 1, 4, 30, tzinfo=UTC)
    assert list(source.deleted_ids(datetime(2016, 1, 1, tzinfo=UTC))) == ["410888000000680009"]


@pytest.mark.django_db
def test_an_org_is_never_synced_into_itself():
    source_connection = make_connection("20001", "org-a")
    same_org = make_connection("20001", "org-a-again")
    other = make_connection("30002", "org-b")
    store = zoho_store(source_connection)
    with pytest.raises(SourceError) as caught:
        ensure_not_same_org(store, same_org)
    assert caught.value.permanent and "itself" in caught.value.message
    ensure_not_same_org(store, other)
    assert same_org_error(source_connection, other) == ""
    unconnected = make_connection("", "pending")
    assert "not authorized yet" in same_org_error(unconnected)
    form = ZohoOrgStoreForm({"name": "Self", "zoho_connection": unconnected.pk, "module": "Contacts",
                             "is_my_store": "on", "enabled": "on"})
    assert not form.is_valid() and "not authorized yet" in str(form.errors)


@pytest.mark.django_db
def test_get_source_builds_the_zoho_org_source_and_check_needs_a_connection():
    store = Store.objects.create(name="No connection", kind="zoho")
    source = get_source(store)
    assert isinstance(source, ZohoOrgSource) and source.is_sorted
    result = source.check()
    assert not result.ok and "No Zoho connection" in result.message


def zoho_deals(count):
    base = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    return [{
        "id": str(410888000000777000 + n), "Deal_Name": f"Deal {n}", "Stage": "Closed Won" if n % 2 else "Proposal",
        "Amount": 100 + n, "Closing_Date": "2024-04-30", "Account_Name": {"name": "Zylker", "id": "4108880001"},
        "Contact_Name": {"name": "Patricia Boyle", "id": "4108880002"} if n else None,
        "Created_Time": "2024-01-01T10:00:00+05:30",
        "Modified_Time": (base + timedelta(minutes=n)).astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat(),
    } for n in range(count)]


@pytest.mark.django_db
def test_deals_are_read_as_orders_page_by_page_since_the_checkpoint(http):
    http.add(RecordedZoho(zoho_deals(2 * PAGE_SIZE + 1)))
    source = no_sleep_source(zoho_store(make_connection()))
    orders = list(source.orders(None))
    assert len(orders) == 2 * PAGE_SIZE + 1 and len({o.source_id for o in orders}) == len(orders)
    first, second = orders[0], orders[1]
    assert (first.name, first.stage, first.total, first.is_paid) == ("Deal 0", "Proposal", 100, False)
    assert first.closing_date.isoformat() == "2024-04-30" and first.customer.source_id == ""
    assert (second.is_paid, second.customer.source_id, second.customer.company) == (True, "4108880002", "Zylker")
    assert second.date_modified == datetime(2024, 3, 1, 8, 1, tzinfo=UTC)
    deal_pages = [c.request for c in http.calls if "/crm/v8/Deals?" in c.request.url]
    assert len(deal_pages) == 3 and "page_token=" in deal_pages[-1].url

    since = datetime(2024, 3, 1, 8, PAGE_SIZE, tzinfo=UTC)
    later = list(source.orders(since))
    assert [o.name for o in later][0] == f"Deal {PAGE_SIZE}" and len(later) == PAGE_SIZE + 1
    assert http.calls[-1].request.headers["If-Modified-Since"]


@pytest.mark.django_db
def test_accounts_are_read_page_by_page_with_their_standard_fields(http):
    base = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    http.add(RecordedZoho([{"id": str(4108880100 + n), "Account_Name": f"Company {n}", "Website": None,
                            "Billing_City": "Chennai", "Modified_Time": (base + timedelta(minutes=n)).isoformat()}
                           for n in range(PAGE_SIZE + 2)]))
    source = no_sleep_source(zoho_store(make_connection()))
    accounts = list(source.accounts(None))
    assert [a.source_id for a in accounts] == [str(4108880100 + n) for n in range(PAGE_SIZE + 2)]
    assert accounts[1].values == {"Account_Name": "Company 1", "Billing_City": "Chennai"}  # empty values left out
    assert accounts[1].updated_at == base + timedelta(minutes=1)
    assert len([c for c in http.calls if "/crm/v8/Accounts?" in c.request.url]) == 2
    later = source.accounts(base + timedelta(minutes=PAGE_SIZE + 1))
    assert [a.source_id for a in later] == [str(4108880100 + PAGE_SIZE + 1)]
