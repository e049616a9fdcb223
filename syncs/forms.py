"""The forms of the setup wizard, in DecoNetwork's words: sync option, record mapping, and the mapping rows."""

from dataclasses import dataclass, field

from django import forms
from django.db import transaction

from syncs.fixed_values import FixedValueError, typed_value
from syncs.mapping import STORE_FIELD_KINDS, TEXT, Mapping, field_kinds
from syncs.models import FieldMapping, SyncSettings
from syncs.resend import mapping_changed, mark_for_resend
from syncs.validation import TEXT_TYPES, FieldSpec, validate_mappings

Option = SyncSettings.SyncOption


class SyncOptionForm(forms.Form):
    """Steps 2 and 3 of DecoNetwork's guide. Affiliates choose only between not syncing and their own stores,
    and never see the platform's "Allow each Affiliate Store…" setting."""

    sync_option = forms.ChoiceField(
        label="Integration option", choices=Option.choices, widget=forms.RadioSelect, required=False,
    )
    allow_affiliate_integrations = forms.BooleanField(
        label="Allow each Affiliate Store to setup their own Zoho Integration", required=False,
        help_text="Tick to let affiliate store owners configure Zoho sync for their own stores with their own "
        "Zoho CRM account. Their stores then leave this integration once they have saved their own.",
    )

    HELP = {
        Option.NONE: "Do not sync any customer data between your stores and Zoho CRM.",
        Option.ALL: "Import all customers who purchased, registered without purchasing, or signed up for "
        "newsletters in any of your affiliate stores into your Zoho CRM account.",
        Option.MINE: "Only sync customers who purchased, registered without purchasing, or signed up for "
        "newsletters in stores flagged as your own.",
    }

    def __init__(self, *args, user, sync_settings: SyncSettings | None = None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("sync_option", sync_settings.sync_option if sync_settings else Option.NONE)
        initial.setdefault("allow_affiliate_integrations",
                           bool(sync_settings and sync_settings.allow_affiliate_integrations))
        super().__init__(*args, **kwargs)
        self.sync_settings = sync_settings
        self.is_platform = user.is_staff
        if not self.is_platform:
            self.fields["sync_option"].choices = [(Option.NONE, Option.NONE.label), (Option.MINE, Option.MINE.label)]
            self.HELP = {**self.HELP, Option.MINE: "Sync the customers of your own stores into your own Zoho CRM."}
            del self.fields["allow_affiliate_integrations"]

    def option_choices(self):
        """(value, label, help) for the template's radio list."""
        return [(value, label, self.HELP[value]) for value, label in self.fields["sync_option"].choices]

    def chosen(self) -> str:
        """The option to apply: the posted one, else the saved one, else "Sync all…" (the model's default)."""
        return self.cleaned_data.get("sync_option") or (
            self.sync_settings.sync_option if self.sync_settings else SyncSettings._meta.get_field(
                "sync_option").default)

    def apply(self, sync_settings: SyncSettings) -> None:
        sync_settings.sync_option = self.chosen()
        if self.is_platform and "allow_affiliate_integrations" in self.cleaned_data:
            sync_settings.allow_affiliate_integrations = self.cleaned_data["allow_affiliate_integrations"]
        sync_settings.save(update_fields=["sync_option", "allow_affiliate_integrations", "updated_at"])


class RecordMappingForm(forms.ModelForm):
    """Step 7: which record types to sync. A module ticked now reaches the records already read (they are
    marked for the next run)."""

    def save(self, commit=True):
        before = set(SyncSettings.objects.get(pk=self.instance.pk).modules) if self.instance.pk else set()
        sync_settings = super().save(commit)
        ticked = set(sync_settings.modules) - before
        if commit and ticked:
            mark_for_resend(sync_settings, ticked)
        return sync_settings

    class Meta:
        model = SyncSettings
        fields = ["sync_contacts", "sync_leads", "sync_accounts", "sync_deals", "sync_sales_orders"]
        help_texts = {
            "sync_contacts": "Ticking Sync Contacts will sync all customers who have made purchases as Contacts "
            "in Zoho CRM.",
            "sync_leads": "Ticking Sync Leads will sync all customers who have registered on your site but NOT "
            "made purchases, or who have subscribed to your newsletter, as Leads in Zoho CRM.",
            "sync_deals": "Ticking Sync Deals will sync every order of your stores as a Deal in Zoho CRM, linked "
            "to the buyer's Contact.",
            "sync_accounts": "Ticking Sync Accounts will create a Zoho Account for each customer's company (its own "
            "field mapping) and link the customer's Contact, Deals and Sales Orders to it. Leads keep Company.",
            "sync_sales_orders": "Ticking Sync Sales Orders will sync every order as a Sales Order with its lines "
            "(quantity, price, discount, tax), the products upserted into Zoho Products by SKU. Zoho requires an "
            "Account on every Sales Order: tick Sync Accounts too.",
        }

    def clean(self):
        data = super().clean()
        if data.get("sync_sales_orders") and not data.get("sync_accounts"):
            self.add_error("sync_sales_orders", "Zoho requires an Account on every Sales Order: tick Sync Accounts "
                           "too (a buyer without a company gets an Account in their own name).")
        return data


# --- The mapping window -----------------------------------------------------------------------------------

STORE_FIELDS = list(STORE_FIELD_KINDS)
TRANSFORMS = FieldMapping.Transform.choices
FIXES = {
    "TYPE_MISMATCH": "Pick a Zoho field of a matching type (numbers to number fields, yes/no to checkboxes).",
    "READ_ONLY": "Zoho fills this field itself; pick another field.",
    "DUPLICATE_MAPPING": "Each Zoho field can be filled from one store field only: delete one of the rows.",
    "UNKNOWN_FIELD": "It may have been deleted or renamed in Zoho: click Refresh fields from Zoho, then pick "
    "another field.",
    "UNSUPPORTED_TYPE": "Pick a text, number or checkbox field.",
    "UNKNOWN_STORE_FIELD": "Pick one of the listed fields (a store's own field appears once Refresh store fields "
    "has found it).",
    "MANDATORY_NOT_MAPPED": "Click Add new field and map a customer field (or a fixed value) to it.",
    "SET_BY_SYNC": "It links the records the sync writes: delete this row.",
    "INVALID_FIXED_VALUE": "Type a value the field takes, or choose a store field.",
}
KIND_WORDS = {"integer": "a whole number", "number": "a number", "boolean": "a yes/no value"}


FIXED = "="  # "Map This Data" of a row that sends a fixed value


@dataclass
class Row:
    store_field: str = ""
    zoho_field: str = ""
    transform: str = ""
    value: object = ""  # a fixed value as typed (editor, sync_config); `typed` once checked against its field
    errors: list[str] = field(default_factory=list)
    hint: str = ""
    typed: object = None

    @property
    def blank(self) -> bool:
        return not self.store_field and not self.zoho_field

    @property
    def is_fixed(self) -> bool:
        return self.store_field == FIXED

    @property
    def value_text(self) -> str:
        """The fixed value as the editor shows it."""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, list):
            return "; ".join(str(v) for v in self.value)
        return "" if self.value is None else str(self.value)


def rows_from_db(sync_settings: SyncSettings, module: str) -> list[Row]:
    return [Row(FIXED, m.zoho_field, m.transform, m.value, typed=m.value) if m.value is not None
            else Row(m.store_field, m.zoho_field, m.transform)
            for m in sync_settings.mappings.filter(module=module).order_by("position", "id")]


def rows_from_post(data) -> list[Row]:
    stores, zohos, transforms, values = (data.getlist(name) for name in ("store_field", "zoho_field", "transform",
                                                                         "value"))
    count = max(len(stores), len(zohos), len(transforms))

    def at(values, i):
        return values[i].strip() if i < len(values) else ""

    return [Row(at(stores, i), at(zohos, i), at(transforms, i), at(values, i)) for i in range(count)]


def validate_rows(module: str, rows: list[Row], specs: dict[str, FieldSpec], last_name_fallback: str,
                  custom_kinds: dict[str, str] | None = None) -> list[str]:
    """Attach each problem to its row (inline) and return the problems of no row (missing mandatory fields).
    A fixed value is typed for its Zoho field here (`row.typed`); `custom_kinds` are the stores' own fields."""
    general = []
    filled = []
    for row in rows:
        if row.blank:
            continue
        if not row.store_field or not row.zoho_field:
            row.errors.append("Choose both the customer data and the Zoho field, or delete the row.")
        elif row.transform not in dict(TRANSFORMS):
            row.errors.append("Choose one of the listed adjustments.")
        elif row.is_fixed:
            spec = specs.get(row.zoho_field)
            if spec is None:
                filled.append(row)  # validate_mappings says the field is unknown
                continue
            try:
                row.typed = typed_value(row.value, spec)
            except FixedValueError as exc:
                row.errors.append(f"{exc} Type a value the field takes, or choose a store field.")
                continue
            filled.append(row)
        else:
            filled.append(row)
    mappings = [Mapping("", r.zoho_field, r.transform, r.typed if r.typed is not None else r.value) if r.is_fixed
                else Mapping(r.store_field, r.zoho_field, r.transform) for r in filled]
    for problem in validate_mappings(module, mappings, specs, last_name_fallback, custom_kinds):
        text = f"{problem.message} {FIXES.get(problem.code, '')}".strip()
        matching = [r for r in filled if r.zoho_field == problem.field
                    and not (problem.code == "EMAIL_IS_THE_KEY" and r.store_field == "email")]
        if problem.code == "MANDATORY_NOT_MAPPED":
            general.append(f"{problem.field} is required by Zoho and no row fills it. {FIXES[problem.code]}")
        elif not matching:
            general.append(text)
        elif problem.code == "DUPLICATE_MAPPING":
            matching[-1].errors.append(text)
        else:
            for row in matching:
                if text not in row.errors:
                    row.errors.append(text)
    kinds = field_kinds(module, custom_kinds)
    for row in filled:
        spec, kind = specs.get(row.zoho_field), kinds.get(row.store_field)
        if spec and kind and kind != TEXT and spec.data_type in TEXT_TYPES and row.transform in ("", "not"):
            # Zoho refuses a JSON number or true/false in a text field (INVALID_DATA, expected string).
            row.errors.append(f"{row.store_field} holds {KIND_WORDS.get(kind, kind)} but {row.zoho_field} is a "
                              f"{spec.data_type} field in Zoho, which only takes text: choose “As text” under "
                              "Adjust value.")
    return general


def save_rows(sync_settings: SyncSettings, module: str, rows: list[Row]) -> int:
    """Replace the module's mapping rows with the filled ones, in order; a changed mapping marks the records it
    touches for the next run."""
    filled = [r for r in rows if not r.blank]
    before = list(sync_settings.mappings.filter(module=module).order_by("position", "id").values_list(
        "store_field", "zoho_field", "transform", "value"))
    after = [("", r.zoho_field, r.transform, r.typed) if r.is_fixed else (r.store_field, r.zoho_field, r.transform,
                                                                          None) for r in filled]
    with transaction.atomic():
        sync_settings.mappings.filter(module=module).delete()
        FieldMapping.objects.bulk_create(
            FieldMapping(settings=sync_settings, module=module, position=i, store_field=store_field,
                         zoho_field=zoho_field, transform=transform, value=value)
            for i, (store_field, zoho_field, transform, value) in enumerate(after)
        )
        if mapping_changed(before, after):
            mark_for_resend(sync_settings, [module])
    return len(filled)
