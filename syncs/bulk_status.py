"""What the pages and the commands say about a connection's Bulk Write jobs that Zoho is still processing: "Zoho
is processing 2 Bulk Write jobs (44,856 records); next check at 14:05." (syncs/bulk_sending.py starts the jobs;
the connection's next run, due about a minute after the last check, reads their status and collects them.)

Times are in the current time zone: the user's on a page (profiles' middleware), the server's in a command.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Sum
from django.utils import timezone

from syncs.models import BulkJob, SyncSettings


@dataclass(frozen=True)
class PendingBulkWrite:
    jobs: int
    records: int
    next_check: datetime | None

    @property
    def label(self) -> str:
        jobs = "1 Bulk Write job" if self.jobs == 1 else f"{self.jobs:,} Bulk Write jobs"
        records = "1 record" if self.records == 1 else f"{self.records:,} records"
        if self.next_check and self.next_check > timezone.now():
            when = f"next check at {timezone.localtime(self.next_check):%H:%M}"
        else:
            when = "next check due now"
        return f"Zoho is processing {jobs} ({records}); {when}."

    def as_json(self) -> dict:
        return {"jobs": self.jobs, "records": self.records,
                "next_check": self.next_check.isoformat() if self.next_check else None}


def pending_bulk_write(sync_settings: SyncSettings | None) -> PendingBulkWrite | None:
    """The connection's started jobs not yet collected (a FAILED one waits for nothing, a BUILDING one is not
    Zoho's yet), or None."""
    if sync_settings is None:
        return None
    totals = BulkJob.objects.filter(settings=sync_settings).exclude(
        state__in=(BulkJob.State.FAILED, BulkJob.State.BUILDING)).aggregate(jobs=Count("pk"), records=Sum("row_count"))
    if not totals["jobs"]:
        return None
    next_check = SyncSettings.objects.filter(pk=sync_settings.pk).values_list("next_sync_at", flat=True).first()
    return PendingBulkWrite(totals["jobs"], totals["records"] or 0, next_check)
