"""CRM records: how they are written (insert, update, upsert with Zoho's duplicate check), rendered and
deleted."""

from django.utils import timezone

from . import identifiers, line_items
from .clock import render_time  # noqa: F401  (part of this module's API)
from .fields import MODULES, FieldDef, field_defs, module_id
from .models import Org, OrgUser, Record
from .validation import ID, RecordError, clean_record

SYSTEM_FIELDS = ("Owner", "Created_By", "Modified_By", "Created_Time", "Modified_Time")


def _user_ref(user: OrgUser | None):
    return user.minified() if user else None


def display_name(record: Record) -> str | None:
    name_field = MODULES[record.module][2]
    if name_field == "Full_Name":
        return " ".join(filter(None, [record.data.get("First_Name"), record.data.get("Last_Name")])) or None
    return record.data.get(name_field)


def record_json(record: Record, org: Org, fields: list[str] | None = None) -> dict:
    """A record as Zoho returns it; with `fields`, only those (and `id`)."""
    full = dict(record.data)
    full.update({
        "Owner": _user_ref(record.owner), "Created_By": _user_ref(record.created_by),
        "Modified_By": _user_ref(record.modified_by), "Created_Time": render_time(record.created_at, org),
        "Modified_Time": render_time(record.modified_at, org), "id": record.zoho_id,
    })
    if MODULES[record.module][2] == "Full_Name":
        full["Full_Name"] = display_name(record)
    if record.module == "Leads":
        full["Converted__s"] = record.converted
    if fields is None:
        return full
    return {"id": record.zoho_id, **{name: full.get(name) for name in fields if name != "id"}}


def _normalise(value) -> str:
    return str(value).strip().lower() if value is not None else ""


class ModuleWriter:
    """Writes a batch of rows into one module. Lookups go to the database (inside the caller's transaction), so
    duplicate checks see rows written earlier in the same batch, and a write costs the same in a module of ten
    records as in one of a million: the email column is indexed, like Zoho's own duplicate check."""

    def __init__(self, org: Org, module: str, user: OrgUser):
        self.org, self.module, self.user = org, module, user
        self.fields = field_defs(org, module)
        self.users = {u.zoho_id: u for u in org.users.all()}

    def _live(self):
        return Record.objects.filter(org=self.org, module=self.module, deleted_at=None).select_related(
            "owner", "created_by", "modified_by")

    # --- lookups ---------------------------------------------------------------------------------------
    def lookup_exists(self, field: FieldDef, record_id: str) -> bool:
        if field.data_type == "ownerlookup":
            return record_id in self.users
        if field.lookup_module in MODULES:
            return Record.objects.filter(org=self.org, module=field.lookup_module, zoho_id=record_id,
                                         deleted_at=None).exists()
        return True  # modules the sandbox does not emulate (Vendors, Campaigns…)

    def find(self, api_name: str, value, exclude: str | None = None) -> list[Record]:
        wanted = _normalise(value)
        if not wanted:
            return []
        if api_name == "Email":  # `email` holds the normalised Email: an index lookup, not a scan
            return [r for r in self._live().filter(email=wanted) if r.zoho_id != exclude]
        return [r for r in self._live().iterator(chunk_size=500)
                if r.zoho_id != exclude and _normalise(r.data.get(api_name)) == wanted]

    # --- writes ----------------------------------------------------------------------------------------
    def _check_unique(self, clean: dict, index: int, exclude: str | None = None):
        for api_name, value in clean.items():
            field = self.fields.get(api_name)
            if field is None or not field.unique or value in (None, ""):
                continue
            clashes = self.find(api_name, value, exclude=exclude)
            if clashes:
                raise duplicate_data(self.module, self.org, api_name, index, clashes)

    def _owner(self, clean: dict) -> OrgUser:
        owner = clean.pop("Owner", None)
        return self.users[owner["id"]] if owner else self.user

    def insert(self, clean: dict, index: int) -> Record:
        self._check_unique(clean, index)
        now = timezone.now()
        owner = self._owner(clean)
        (zoho_id,) = identifiers.next_ids(self.org)
        record = Record.objects.create(
            org=self.org, module=self.module, zoho_id=zoho_id, data=self._computed(clean), owner=owner,
            created_by=self.user, modified_by=self.user, created_at=now, modified_at=now,
            email=_normalise(clean.get("Email")),
        )
        return record

    def update(self, record: Record, clean: dict, index: int) -> Record:
        self._check_unique(clean, index, exclude=record.zoho_id)
        if "Owner" in clean:
            record.owner = self._owner(clean)
        record.data = self._computed({**record.data, **clean})
        record.email = _normalise(record.data.get("Email"))
        record.modified_at = timezone.now()
        record.modified_by = self.user
        record.save()
        return record

    def clean(self, row, index: int, creating: bool) -> dict:
        return clean_record(self.fields, row, index, creating=creating, lookup_exists=self.lookup_exists,
                            line_items=self._line_items)

    def _line_items(self, value, index: int) -> list[dict]:
        def product(record_id):
            found = Record.objects.filter(org=self.org, module="Products", zoho_id=record_id, deleted_at=None).first()
            return found.data if found else None

        return line_items.clean_lines(value, index, product, lambda: identifiers.next_ids(self.org)[0])

    def _computed(self, data: dict) -> dict:
        return line_items.with_totals(data) if "Product_Details" in self.fields else data

    def live_record(self, record_id) -> Record | None:
        if not ID.match(str(record_id or "")):
            return None
        return self._live().filter(zoho_id=str(record_id)).first()


def duplicate_data(module: str, org: Org, api_name: str, index: int, clashes: list[Record]) -> RecordError:
    existing = clashes[0]
    return RecordError("DUPLICATE_DATA", "duplicate data", {
        "api_name": api_name,
        "json_path": f"$.data[{index}].{api_name}",
        "duplicate_record": {
            "Owner": {**_user_ref(existing.owner), "zuid": existing.owner.zuid} if existing.owner else None,
            "module": {"api_name": module, "id": module_id(org, module)},
            "id": existing.zoho_id,
        },
        "more_records": len(clashes) > 1,
    })


def success(record: Record, org: Org, message: str, **extra) -> dict:
    return {
        "code": "SUCCESS",
        **extra,
        "details": {
            "Modified_Time": render_time(record.modified_at, org), "Modified_By": _user_ref(record.modified_by),
            "Created_Time": render_time(record.created_at, org), "id": record.zoho_id,
            "Created_By": _user_ref(record.created_by),
        },
        "message": message,
        "status": "success",
    }


def default_duplicate_check_fields(org: Org, module: str) -> list[str]:
    """System duplicate-check field first, then the module's user-defined unique fields (§6.2)."""
    system_field = MODULES[module][3]
    unique = [f.api_name for f in field_defs(org, module).values() if f.unique and f.api_name != system_field]
    return [system_field, *unique]
