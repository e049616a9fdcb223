"""A run's view of the org's fields: each module's live field metadata (read once per run), the mapping checked
against it, and the payloads built with it. Used by every planner. The stores' own fields a mapping reads
(`custom:<key>`) are converted to their kind first (syncs.store_fields)."""

from integrations.zoho.errors import ConfigurationError
from syncs import store_fields
from syncs.hashing import payload_hash
from syncs.mapping import Mapping, build_payload, map_fields, mapping_fingerprint, mappings_by_module
from syncs.models import MODULES
from syncs.validation import FieldSpec, field_specs, fit_to_field_types, validate_mappings


class ZohoFields:
    def __init__(self, ctx):
        self.ctx = ctx
        self.mappings: dict[str, list[Mapping]] = mappings_by_module(ctx.sync_settings)
        self.custom_kinds = store_fields.kinds_for(ctx.sync_settings)
        self._specs: dict[str, dict[str, FieldSpec]] = {}

    def specs(self, module: str) -> dict[str, FieldSpec]:
        """The module's field specs; a mapping the org no longer accepts stops the run (configuration)."""
        if module not in self._specs:
            try:
                metadata = self.ctx.crm.fields(module)
            finally:
                self.ctx.note_calls()
            specs = field_specs(metadata)
            problems = [] if module not in MODULES else validate_mappings(
                module, self.mappings.get(module, []), specs, self.ctx.sync_settings.last_name_fallback,
                self.custom_kinds)
            if problems:
                raise ConfigurationError(
                    f"The {module} field mapping does not match the Zoho org: "
                    + " ".join(p.message for p in problems), code="INVALID_MAPPING",
                    hint="Fix the mapping, then sync again.")
            self._specs[module] = specs
        return self._specs[module]

    def lengths(self, module: str) -> dict[str, int]:
        """Field lengths, only needed (and only fetched) when a mapping truncates."""
        if not any(m.transform == "truncate" for m in self.mappings.get(module, [])):
            return {}
        return {name: spec.length for name, spec in self.specs(module).items() if spec.length}

    def person_payload(self, person: dict, module: str) -> dict:
        payload = build_payload(store_fields.typed_person(person, self.custom_kinds), self.mappings.get(module, []),
                                self.lengths(module), self.ctx.sync_settings.last_name_fallback)
        return fit_to_field_types(payload, self.specs(module))

    def mapped(self, values: dict, module: str) -> dict:
        values = store_fields.typed_person(values, self.custom_kinds)
        return fit_to_field_types(map_fields(values, self.mappings.get(module, []), self.lengths(module)),
                                  self.specs(module))

    def fit(self, payload: dict, module: str) -> dict:
        """A payload built without a mapping (Products), fitted to the module's field types."""
        return fit_to_field_types(payload, self.specs(module))

    def change_hash(self, module: str, payload: dict) -> str:
        """Covers the payload and the module's mapping: changing the mapping resends the records it touches."""
        return payload_hash(module, {"payload": payload,
                                     "mapping": mapping_fingerprint(self.mappings.get(module, []))})
