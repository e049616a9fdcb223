from django.urls import path

from profiles import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/time-zone/", views.detect_time_zone, name="profile-detect-time-zone"),
]
