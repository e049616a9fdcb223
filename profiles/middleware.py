"""Activate the signed-in user's time zone for the request, so every date in a page is in their local time.
Also says (`request.detect_time_zone`) when the user has none yet, for the page to ask the browser."""

import zoneinfo

from django.utils import timezone

from profiles.models import Profile, valid_time_zone


class TimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first() or ""
            request.detect_time_zone = not name
        if name and valid_time_zone(name):
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
