"""The error inbox's filters (search by email or key, module, error code, state). The same filtered set is what
the inbox page lists, what "Retry all matching" retries and what the CSV export holds."""

import csv
import io
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from syncs.models import RecordError

ANY_STATE = "any"
CSV_COLUMNS = ("When", "State", "Module", "Email or key", "Code", "Field", "Message", "Run")


class InboxFilter(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=254,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Email or key"}))
    module = forms.ChoiceField(label="Module", required=False)
    code = forms.ChoiceField(label="Error code", required=False)
    status = forms.ChoiceField(label="State", required=False,
                               choices=[*RecordError.Status.choices, (ANY_STATE, "Any state")])

    def __init__(self, data, errors, *args, **kwargs):
        """`errors`: the connection's inbox, whose modules and codes are the choices."""
        data = data.copy()
        data.setdefault("status", RecordError.Status.OPEN)
        super().__init__(data, *args, **kwargs)
        values = errors.order_by()
        modules = sorted(set(values.values_list("module", flat=True)) - {""})
        codes = sorted(set(values.values_list("code", flat=True)))
        self.fields["module"].choices = [("", "Any module"), *((m, m) for m in modules)]
        self.fields["code"].choices = [("", "Any code"), *((c, c) for c in codes)]

    def criteria(self) -> dict:
        """The valid filters given (an invalid one is left out, and shown as a field error)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}

    def apply(self, errors):
        criteria = self.criteria()
        if criteria.get("q"):
            errors = errors.filter(key__icontains=criteria["q"].strip())
        if criteria.get("module"):
            errors = errors.filter(module=criteria["module"])
        if criteria.get("code"):
            errors = errors.filter(code=criteria["code"])
        status = criteria.get("status", RecordError.Status.OPEN)
        if status != ANY_STATE:
            errors = errors.filter(status=status)
        return errors

    def query(self) -> str:
        """The filters as a query string (for pagination links, the CSV link and Retry all matching)."""
        return urlencode(self.criteria())


def safe_cell(value) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: a customer's data must stay text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(errors, zone):
    """The CSV file, line by line (streamed: an inbox may be large), times in `zone` (the viewer's: streaming
    goes on after the request's time zone is deactivated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in values])
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for error in errors.iterator(chunk_size=500):
        when = timezone.localtime(error.created_at, zone).isoformat(timespec="seconds")
        yield line((when, error.get_status_display(), error.module, error.key, error.code, error.field,
                    error.message, error.run_id or ""))
