from django import forms
from django.utils.text import slugify

from integrations.encryption import UNDECRYPTABLE_MESSAGE, is_undecryptable, mask

from .datacenters import choices
from .models import ZohoApiClient, ZohoConnection


class ZohoCredentialsForm(forms.Form):
    """The Zoho API client of a connection, as on DecoNetwork's Zoho CRM Integration page.

    Reusable by a setup wizard: `ZohoCredentialsForm(data, connection=…)` then `form.save(owner=…)`.
    The client secret is never rendered back; leave it empty to keep the saved one.
    """

    data_center = forms.ChoiceField(label="Zoho data center", choices=())
    client_id = forms.CharField(label="Zoho API Client ID", max_length=200)
    client_secret = forms.CharField(
        label="Zoho API Client Secret", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    grant_token = forms.CharField(
        label="Zoho API Grant Token", required=False, max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Only for a grant token generated in Zoho's API console (Self Client). It is valid for a few "
        "minutes and used once.",
    )
    concurrency_limit = forms.IntegerField(
        label="Concurrent API calls", min_value=1, max_value=25, initial=5,
        help_text="Zoho allows Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25.",
    )
    daily_credit_budget = forms.IntegerField(
        label="Daily API credit budget", min_value=1, required=False,
        help_text="Syncs pause before this many credits are used in 24 hours. Empty: no limit.",
    )

    def __init__(self, *args, connection: ZohoConnection | None = None, **kwargs):
        self.connection = connection
        initial = kwargs.setdefault("initial", {})
        if connection:
            initial.setdefault("data_center", connection.api_client.data_center)
            initial.setdefault("client_id", connection.api_client.client_id)
            initial.setdefault("concurrency_limit", connection.concurrency_limit)
            initial.setdefault("daily_credit_budget", connection.daily_credit_budget)
        super().__init__(*args, **kwargs)
        self.fields["data_center"].choices = choices()
        if connection and is_undecryptable(connection.api_client.client_secret):
            self.fields["client_secret"].help_text = (
                f"The saved secret {UNDECRYPTABLE_MESSAGE}. Enter it again."
            )
        elif connection and connection.api_client.client_secret:
            self.fields["client_secret"].help_text = (
                f"Saved: {mask(connection.api_client.client_secret)}. Leave empty to keep it."
            )

    def clean(self):
        cleaned = super().clean()
        has_secret = bool(self.connection and self.connection.api_client.client_secret)
        if not cleaned.get("client_secret") and not has_secret:
            self.add_error("client_secret", "Enter the Client Secret from Zoho's API console.")
        return cleaned

    def save(self, *, owner=None) -> ZohoConnection:
        data = self.cleaned_data
        connection = self.connection
        if connection is None:
            name = unique_connection_name(owner)
            client = ZohoApiClient(name=name, owner=owner)
            connection = ZohoConnection(name=name, owner=owner)
        else:
            client = connection.api_client
        client.data_center = data["data_center"]
        client.client_id = data["client_id"]
        if data.get("client_secret"):
            client.client_secret = data["client_secret"]
        client.save()
        connection.api_client = client
        connection.concurrency_limit = data["concurrency_limit"]
        connection.daily_credit_budget = data.get("daily_credit_budget")
        connection.save()
        self.connection = connection
        return connection


def unique_connection_name(owner=None) -> str:
    base = "zoho" if owner is None else slugify(f"zoho-{owner.get_username()}")[:90] or "zoho"
    name, n = base, 2
    while ZohoConnection.objects.filter(name=name).exists():
        name, n = f"{base}-{n}", n + 1
    return name
