"""How Zoho renders a moment: in the org's time zone with an offset, to the second (2019-07-25T15:26:49+05:30)."""

from zoneinfo import ZoneInfo


def render_time(moment, org) -> str:
    return moment.astimezone(ZoneInfo(org.time_zone)).replace(microsecond=0).isoformat()
