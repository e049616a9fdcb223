"""A connection's sync history: per-day totals of its runs over the last 30 days, and the geometry of the chart
that draws them (server-side SVG, so the page needs neither JavaScript nor a CDN).

Days are the viewer's local days (the active time zone); a run counts on the day it was queued.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from syncs.models import SyncRun, SyncSettings

DAYS = 30
SERIES = ("created", "updated", "failed", "zoho_calls", "credits")
# The chart: one panel of stacked bars (records), one of lines (Zoho calls and credits), one column per day.
WIDTH, PANEL_HEIGHT, GAP, LEFT, BOTTOM = 720, 140, 36, 48, 22
COLUMN = (WIDTH - LEFT - 8) / DAYS
RECORD_COLOURS = {"created": "#1a7f37", "updated": "#1f6feb", "failed": "#cf222e"}
USAGE_COLOURS = {"zoho_calls": "#6f42c1", "credits": "#9a6700"}  # also in app.css (.swatch-*)
LABELS = {"created": "Created", "updated": "Updated", "failed": "Failed", "zoho_calls": "Zoho calls",
          "credits": "Credits"}


@dataclass
class Day:
    day: date
    created: int = 0
    updated: int = 0
    failed: int = 0
    zoho_calls: int = 0
    credits: int = 0
    runs: int = 0

    @property
    def records(self) -> int:
        return self.created + self.updated + self.failed


def daily_totals(sync_settings: SyncSettings, days: int = DAYS, today: date | None = None) -> list[Day]:
    """One `Day` per day (oldest first, today last), zeros where nothing ran; previews are left out."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.combine(first, time.min), tz)  # lets the database skip older runs
    rows = (
        SyncRun.objects.filter(settings=sync_settings, dry_run=False, queued_at__gte=since)
        .annotate(day=TruncDate("queued_at", tzinfo=tz))
        .filter(day__gte=first, day__lte=today)
        .values("day")
        .annotate(**{name: Sum(name) for name in SERIES}, runs=Count("id"))
    )
    by_day = {row["day"]: row for row in rows}
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day, {})
        result.append(Day(day, **{name: row.get(name) or 0 for name in (*SERIES, "runs")}))
    return result


def nice_max(value: int) -> int:
    """A round axis top at or above `value` (1, 2, 5 × 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


@dataclass
class Chart:
    width: int
    height: int
    bars: list = field(default_factory=list)  # dicts: x, y, w, h, colour, title
    lines: list = field(default_factory=list)  # dicts: points, colour, name
    axes: list = field(default_factory=list)  # dicts: top, bottom, max, label
    ticks: list = field(default_factory=list)  # dicts: x, y, text (day labels)
    legend: list = field(default_factory=list)  # (series, label)
    days: list = field(default_factory=list)


def chart(days: list[Day]) -> Chart:
    height = 2 * PANEL_HEIGHT + GAP + BOTTOM + 10
    result = Chart(WIDTH, height, days=days)
    top1, bottom1 = 10, 10 + PANEL_HEIGHT
    top2, bottom2 = bottom1 + GAP, bottom1 + GAP + PANEL_HEIGHT
    records_max = nice_max(max((d.records for d in days), default=0))
    usage_max = nice_max(max((max(d.zoho_calls, d.credits) for d in days), default=0))
    result.axes = [{"top": top1, "bottom": bottom1, "max": records_max, "label": "Records"},
                   {"top": top2, "bottom": bottom2, "max": usage_max, "label": "Zoho calls / credits"}]
    for index, day in enumerate(days):
        x = LEFT + index * COLUMN
        y = bottom1
        for name, colour in RECORD_COLOURS.items():
            value = getattr(day, name)
            if not value:
                continue
            h = value * PANEL_HEIGHT / records_max
            y -= h
            result.bars.append({"x": round(x + 1, 1), "y": round(y, 1), "w": round(COLUMN - 2, 1),
                                "h": round(h, 1), "colour": colour, "name": name,
                                "title": f"{day.day:%Y-%m-%d}: {value} {name}"})
        if index % 5 == 0 or index == len(days) - 1:
            result.ticks.append({"x": round(x + COLUMN / 2, 1), "y": bottom2 + 16, "text": f"{day.day:%d %b}"})
    for name, colour in USAGE_COLOURS.items():
        points = " ".join(
            f"{LEFT + (i + 0.5) * COLUMN:.1f},{bottom2 - getattr(d, name) * PANEL_HEIGHT / usage_max:.1f}"
            for i, d in enumerate(days))
        result.lines.append({"points": points, "colour": colour, "name": name})
    result.legend = [(name, LABELS[name]) for name in (*RECORD_COLOURS, *USAGE_COLOURS)]
    return result
