"""Store forms, one per kind, with the kind's own fields. Secrets are write-only: never rendered back,
and a blank secret field on edit keeps the stored value, unless the store URL changes: saved keys are never
sent to a new address, so a changed URL needs every secret entered again."""

from django import forms
from django.contrib.auth import get_user_model

from integrations.encryption import UNDECRYPTABLE_MESSAGE, mask
from integrations.stores.kinds import KINDS
from integrations.stores.models import Store, same_url
from integrations.stores.sources.errors import SourceError
from integrations.stores.sources.http import check_store_url
from integrations.stores.sources.magento import auth_mode
from integrations.zoho.models import ZohoConnection

KEEP = "Leave blank to keep the stored value (unless you change the store URL)."
URL_CHANGED = "The store URL changed: enter this secret again (saved keys are never sent to a new address)."


class StoreForm(forms.ModelForm):
    base_url = forms.URLField(label="Store URL", assume_scheme="https", max_length=200,
                              help_text="The shop's address, e.g. https://shop.example.com")
    secret_fields: tuple[str, ...] = ()
    config_fields: tuple[str, ...] = ()
    url_required = True

    class Meta:
        model = Store
        fields = ["name", "base_url", "is_my_store", "owner", "enabled"]
        labels = {"base_url": "Store URL"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        credentials = self.instance.get_credentials() if self.instance.pk else {}
        for name in self.secret_fields:
            field = self.fields[name]
            stored = credentials.get(name)
            field.required = not stored
            if stored:
                field.help_text = f"Stored: {mask(stored)}. {KEEP}"
            elif self.instance.credentials_undecryptable:
                field.help_text = f"The saved value {UNDECRYPTABLE_MESSAGE}. Enter it again."
        for name in self.config_fields:
            if name in (self.instance.config or {}):
                self.initial.setdefault(name, self.instance.config[name])
        if "owner" in self.fields:
            self.fields["owner"].queryset = get_user_model().objects.order_by("username")
            self.fields["owner"].help_text = "An affiliate store's owner sees and edits only their own stores."
        if user is not None and not user.is_staff:
            for name in ("owner", "is_my_store"):
                self.fields.pop(name, None)
        if "base_url" in self.fields:
            self.fields["base_url"].required = self.url_required

    def clean_base_url(self):
        url = self.cleaned_data.get("base_url", "")
        if not url:
            return url
        try:
            return check_store_url(url)
        except SourceError as exc:
            raise forms.ValidationError(exc.message)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_my_store") is False and not cleaned.get("owner") and "owner" in self.fields:
            self.add_error("owner", "An affiliate store needs an owner.")
        if self.url_changed(cleaned):
            for name in self.needed_secrets(cleaned):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, URL_CHANGED)
        return cleaned

    def needed_secrets(self, cleaned) -> tuple[str, ...]:
        """The secrets this store needs with the values being saved."""
        return self.secret_fields

    def url_changed(self, cleaned) -> bool:
        """An existing store whose URL is being changed (its saved keys must not follow)."""
        return bool(self.instance.pk and self.instance.credentials and "base_url" in cleaned
                    and not same_url(cleaned["base_url"], self.instance.base_url))

    def store_owner(self, cleaned):
        """Who the store will belong to once saved (None: the platform)."""
        if "owner" in self.fields:
            return cleaned.get("owner")
        return self.instance.owner if self.instance.pk else self.user

    def save(self, commit=True):
        store = super().save(commit=False)
        store.kind = self.kind
        credentials = store.get_credentials()
        for name in self.secret_fields:
            if self.cleaned_data.get(name):
                credentials[name] = self.cleaned_data[name].strip()
        store.set_credentials(credentials)
        store.config = {**(store.config or {}), **{n: self.cleaned_data.get(n) for n in self.config_fields}}
        if self.kind == Store.Kind.WOOCOMMERCE:
            store.ensure_webhook_secret()
        if commit:
            store.save()
        return store


def _secret(label, help_text=""):
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))


class WooCommerceStoreForm(StoreForm):
    kind = Store.Kind.WOOCOMMERCE
    secret_fields = ("consumer_key", "consumer_secret")
    config_fields = ("auth_in_query", "newsletter_meta_key", "customer_role")

    consumer_key = _secret("Consumer key", "ck_… from WooCommerce → Settings → Advanced → REST API (Read access).")
    consumer_secret = _secret("Consumer secret", "cs_…")
    auth_in_query = forms.BooleanField(
        label="Send keys in the query string", required=False,
        help_text="Only if the host strips the Authorization header (WooCommerce then says "
                  "“Consumer key is missing”). Needs https.",
    )
    newsletter_meta_key = forms.CharField(
        label="Newsletter meta key", required=False, initial="newsletter_subscribed",
        help_text="The customer/order meta key your newsletter plugin sets (yes/1/true = subscribed).",
    )
    customer_role = forms.ChoiceField(
        label="Customers to read", choices=[("all", "All roles"), ("customer", "Only the “customer” role")],
        initial="all", help_text="WooCommerce lists only the “customer” role by default; shop staff who buy "
                                  "are skipped unless all roles are read.",
    )


class MagentoStoreForm(StoreForm):
    kind = Store.Kind.MAGENTO
    secret_fields = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    config_fields = ("auth", "website_id")
    BEARER_SECRETS = ("access_token",)

    auth = forms.ChoiceField(
        label="Sign-in", initial="oauth1",
        choices=[("oauth1", "OAuth 1.0a: every request signed (recommended)"),
                 ("bearer", "Access token as a Bearer token")],
        help_text="OAuth 1.0a is what Adobe recommends and works on every Magento 2.4. The Bearer mode works on "
                  "2.4.4+ only with Stores → Configuration → Services → OAuth → Consumer Settings → “Allow OAuth "
                  "Access Tokens to be used as standalone Bearer tokens” = Yes, which Adobe advises against.",
    )
    consumer_key = _secret(
        "Consumer key",
        "From System → Extensions → Integrations → (your integration, with access to Customers and Sales → "
        "Operations → Orders) → Activate. Admin tokens do not work for an unattended sync (two-factor "
        "authentication blocks them; they expire in 4 h).",
    )
    consumer_secret = _secret("Consumer secret")
    access_token = _secret("Access token", "Needed in both modes.")
    access_token_secret = _secret("Access token secret")
    website_id = forms.IntegerField(
        label="Website ID", required=False, min_value=1,
        help_text="Optional: read only this website's customers. The same email can be a separate customer on "
                  "each website; one store per website keeps them apart.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:  # which are needed depends on the mode: checked in clean()
            self.fields[name].required = False
        if self.instance.pk:
            self.initial["auth"] = auth_mode(self.instance.config, self.instance.get_credentials())

    def needed_secrets(self, cleaned) -> tuple[str, ...]:
        return self.BEARER_SECRETS if cleaned.get("auth") == "bearer" else self.secret_fields

    def clean(self):
        cleaned = super().clean()
        stored = {} if self.url_changed(cleaned) else self.instance.get_credentials()
        for name in self.needed_secrets(cleaned):
            if not cleaned.get(name) and not stored.get(name) and name not in self.errors:
                self.add_error(name, "This field is required.")
        return cleaned


class ZohoOrgStoreForm(StoreForm):
    kind = Store.Kind.ZOHO
    url_required = False
    config_fields = ("module",)

    base_url = None
    module = forms.ChoiceField(label="Read", choices=[("Contacts", "Contacts"), ("Leads", "Leads")])

    class Meta(StoreForm.Meta):
        fields = ["name", "zoho_connection", "is_my_store", "owner", "enabled"]
        labels = {"zoho_connection": "Source Zoho CRM org"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["zoho_connection"]
        field.required = True
        if self.user is not None and not self.user.is_staff:
            field.queryset = ZohoConnection.objects.filter(owner=self.user)  # never another tenant's orgs
        field.help_text = (
            "The org to read from, through its own Zoho connection (any data center): one of the store owner's "
            "connections. It must not be the org this store syncs into."
        )

    def clean_base_url(self):
        return ""

    def clean(self):
        cleaned = super().clean()
        connection = cleaned.get("zoho_connection")
        if connection is not None:
            from integrations.stores.sources.zoho_org import foreign_connection_error, same_org_error

            error = same_org_error(connection) or foreign_connection_error(
                Store(owner=self.store_owner(cleaned)), connection)
            if error:
                self.add_error("zoho_connection", error)
        return cleaned


def form_for(kind: str) -> type[StoreForm]:
    """The add/edit form of a store kind, as the registry (kinds.py) names it; KeyError for an unknown kind."""
    return KINDS[kind].form_class()
