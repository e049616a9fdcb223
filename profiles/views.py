"""The profile page (time zone), and the endpoint the browser posts its own time zone to on first login."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from profiles.forms import ProfileForm
from profiles.models import Profile, valid_time_zone


def profile(request):
    instance, _ = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Times are now shown in {instance.time_zone or 'UTC'}.")
        return redirect("profile")
    return render(request, "profiles/profile.html", {"form": form})


@require_POST
def detect_time_zone(request):
    """static/js/timezone.js posts the browser's zone once; a zone already set (detected or chosen) is kept."""
    name = request.POST.get("time_zone", "")
    if not valid_time_zone(name):
        return JsonResponse({"error": "Unknown time zone."}, status=400)
    instance, _ = Profile.objects.get_or_create(user=request.user)
    changed = not instance.time_zone
    if changed:
        Profile.objects.filter(pk=instance.pk, time_zone="").update(time_zone=name)
    return JsonResponse({"time_zone": instance.time_zone or name, "changed": changed})
