from django import forms

from profiles.models import Profile, time_zone_names


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label="Time zone", required=False,
        help_text="Every date and time is shown in this zone. Syncs are scheduled in UTC whatever you choose.",
    )

    class Meta:
        model = Profile
        fields = ["time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "UTC (not chosen)"), *((n, n.replace("_", " ")) for n in
                                                                         time_zone_names())]
