"""What each user prefers: their time zone (every date shown to them is in it; schedules stay in UTC)."""

import zoneinfo
from functools import cache

from django.conf import settings
from django.db import models


@cache
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def valid_time_zone(name: str) -> bool:
    return name in time_zone_names()


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    time_zone = models.CharField(
        max_length=64, blank=True,
        help_text="IANA name such as Europe/London. Empty: not chosen yet (the browser's is taken at login); UTC.",
    )

    def __str__(self):
        return f"Profile of {self.user}"
