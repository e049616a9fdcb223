"""Drive the Zoho sandbox from the shell. Every subcommand prints one JSON document on stdout."""

import json

from django.core.management.base import BaseCommand, CommandError

from sandbox.zoho import bulk_write, oauth, services
from sandbox.zoho.demo import ensure_demo_sandbox
from sandbox.zoho.fields import CUSTOM_FIELD_TYPES, MODULE_ORDER
from sandbox.zoho.models import CONCURRENCY_BY_EDITION, Faults, Org, Record
from sandbox.zoho.records import record_json


class Command(BaseCommand):
    help = "Zoho sandbox: create orgs and clients, grant codes, inspect records and calls, turn fault knobs."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)

        def sub(name, help_text):
            command = commands.add_parser(name, help=help_text)
            command.add_argument("--org", help="org name or id (default: the first org)")
            return command

        create_org = commands.add_parser("create-org", help="create an org with one user")
        create_org.add_argument("--name", required=True)
        create_org.add_argument("--edition", default="enterprise", choices=list(CONCURRENCY_BY_EDITION))
        commands.add_parser("orgs", help="list the orgs")
        client = sub("create-client", "register a server-based API client")
        client.add_argument("--name", required=True)
        client.add_argument("--redirect-uri", required=True, action="append", dest="redirect_uris")
        client.add_argument("--homepage-url", default="")
        code = commands.add_parser("self-client-code", help="a self-client grant code for a client")
        code.add_argument("--client-id", required=True)
        code.add_argument("--scope", required=True, help="comma-separated scopes")
        code.add_argument("--minutes", type=int, default=3, help="3 to 10")
        records = sub("records", "the org's records of a module")
        records.add_argument("module", choices=MODULE_ORDER)
        records.add_argument("--include-deleted", action="store_true")
        calls = sub("calls", "the org's API call log")
        calls.add_argument("--limit", type=int, default=200)
        fault = sub("fault", "turn fault knobs")
        fault.add_argument("--fail-next", type=int, help="fail the next N calls")
        fault.add_argument("--mode", choices=Faults.FAIL_MODES, help="how they fail")
        fault.add_argument("--latency-ms", type=int)
        fault.add_argument("--partial-next", type=int, help="answer the next N batch writes with 207")
        fault.add_argument("--bulk-fail-next", type=int, help="fail the next N Bulk Write jobs")
        fault.add_argument("--clear", action="store_true", help="clear every knob first")
        fault.add_argument("--expire-access-tokens", action="store_true")
        fault.add_argument("--revoke-refresh-tokens", action="store_true")
        fault.add_argument("--delete-records", metavar="MODULE", choices=MODULE_ORDER)
        fault.add_argument("--count", type=int, default=1, help="how many records --delete-records deletes")
        field = sub("add-field", "add a custom field to a module")
        field.add_argument("module", choices=MODULE_ORDER)
        field.add_argument("--label", required=True)
        field.add_argument("--type", default="text", choices=CUSTOM_FIELD_TYPES, dest="data_type")
        field.add_argument("--length", type=int, default=255)
        field.add_argument("--unique", action="store_true")
        field.add_argument("--value", action="append", dest="values", help="a picklist value (repeat)")
        sub("reset", "forget the org's records, tokens, call log and faults")
        sub("bulk-run", "finish the org's pending Bulk Write jobs now (and POST their callbacks)")

    def handle(self, *args, subcommand, **options):
        handler = getattr(self, "do_" + subcommand.replace("-", "_"))
        try:
            result = handler(**options)
        except services.SandboxError as error:
            raise CommandError(str(error))
        self.stdout.write(json.dumps(result, indent=2))

    def _org(self, options) -> Org:
        if not options.get("org") and not Org.objects.exists():
            return ensure_demo_sandbox().org  # the default org is the demo org
        return services.get_org(options.get("org"))

    def do_create_org(self, name, edition, **options):
        if Org.objects.filter(name=name).exists():
            raise services.SandboxError(f"An org named {name!r} exists already.")
        return services.org_summary(services.create_org(name, edition=edition))

    def do_orgs(self, **options):
        return {"orgs": [services.org_summary(org) for org in Org.objects.all()]}

    def do_create_client(self, name, redirect_uris, homepage_url, **options):
        client = services.create_client(self._org(options), name, redirect_uris, homepage_url=homepage_url)
        return {"client_id": client.client_id, "client_secret": client.client_secret, "name": client.name,
                "redirect_uris": client.redirect_uri_list, "org": client.org.name,
                "accounts_server": oauth.accounts_server()}

    def do_self_client_code(self, client_id, scope, minutes, **options):
        grant = oauth.issue_self_client_code(services.get_client(client_id), oauth.normalise_scopes(scope), minutes)
        return {"code": grant.code, "expires_at": grant.expires_at.isoformat(), "scope": grant.scopes.split(","),
                "accounts_server": oauth.accounts_server()}

    def do_records(self, module, include_deleted, **options):
        org = self._org(options)
        rows = Record.objects.filter(org=org, module=module).select_related("owner", "created_by", "modified_by")
        if not include_deleted:
            rows = rows.filter(deleted_at=None)
        return {"org": org.name, "module": module, "data": [record_json(record, org) for record in rows]}

    def do_calls(self, limit, **options):
        org = self._org(options)
        return {"org": org.name, "calls": services.calls(org, limit)}

    def do_fault(self, **options):
        org = self._org(options)
        result = {"org": org.name}
        if options["clear"]:
            services.clear_faults(org)
        faults = services.set_faults(org, fail_next=options["fail_next"], fail_mode=options["mode"],
                                     latency_ms=options["latency_ms"], partial_next=options["partial_next"],
                                     bulk_fail_next=options["bulk_fail_next"])
        if options["expire_access_tokens"]:
            result["expired_access_tokens"] = services.expire_access_tokens(org)
        if options["revoke_refresh_tokens"]:
            result["revoked_refresh_tokens"] = services.revoke_refresh_tokens(org)
        if options["delete_records"]:
            result["deleted_ids"] = services.delete_records(org, options["delete_records"], count=options["count"])
        result["faults"] = services.faults_summary(faults)
        return result

    def do_add_field(self, module, label, data_type, length, unique, values, **options):
        field = services.add_custom_field(self._org(options), module, label, data_type, length=length,
                                          unique=unique, pick_list_values=values)
        return {"module": field.module, "api_name": field.api_name, "data_type": field.data_type,
                "length": field.length, "unique": field.unique, "id": field.zoho_id}

    def do_bulk_run(self, **options):
        org = self._org(options)
        return {"org": org.name, "finished_jobs": bulk_write.run_pending(org)}

    def do_reset(self, **options):
        org = self._org(options)
        services.reset(org)
        return {"org": org.name, "reset": True}
