"""The product (config, integrations, syncs) imports nothing from the sandbox or the benchmarks, and the emulators
(sandbox.zoho, sandbox.stores) import nothing from the product they stand in front of. Read from the source with
`ast`, so an import hidden inside a function counts too."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: str):
    """(file, module) for every import statement under `package`; relative imports resolved."""
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        here = parts if path.name == "__init__.py" else parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path.relative_to(ROOT), alias.name
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                if node.module is None:
                    for alias in node.names:
                        yield path.relative_to(ROOT), f"{module}.{alias.name}"
                else:
                    yield path.relative_to(ROOT), module


def offending(packages, forbidden):
    return sorted(
        f"{file}: {module}"
        for package in packages
        for file, module in imported_modules(package)
        if any(module == name or module.startswith(name + ".") for name in forbidden)
    )


def test_the_product_imports_nothing_from_the_sandbox_or_the_benchmarks():
    assert offending(["config", "integrations", "syncs", "profiles"], ["sandbox", "bench"]) == []


def test_the_emulators_import_nothing_from_the_product():
    assert offending(["sandbox/zoho", "sandbox/stores"], ["integrations", "syncs", "bench"]) == []


def test_the_reader_sees_imports_inside_functions_and_relative_ones(tmp_path, monkeypatch):
    package = tmp_path / "pkg" / "sub"
    package.mkdir(parents=True)
    (package / "mod.py").write_text("def f():\n    from sandbox.zoho import demo\nfrom .. import bench\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert sorted(module for _, module in imported_modules("pkg")) == ["pkg.bench", "sandbox.zoho"]
    assert offending(["pkg"], ["sandbox", "bench"]) == ["pkg/sub/mod.py: sandbox.zoho"]


def string_constants(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield path.relative_to(ROOT), node.value


# Left to issue 14, which replaces this task name with the signal integrations.stores.signals.store_changed.
KNOWN_TASK_NAME = (Path("integrations/stores/webhooks.py"), "syncs.tasks.process_webhook_events")


def test_integrations_name_nothing_of_syncs_even_by_string():
    named = [(file, value) for file, value in string_constants("integrations")
             if value == "syncs" or value.startswith("syncs.")]
    assert [item for item in named if item != KNOWN_TASK_NAME] == []


def test_integrations_reverse_only_their_own_urls():
    from django.urls import get_resolver

    own = set()
    for module in ("integrations.zoho.urls", "integrations.stores.urls"):
        own |= {name for name in get_resolver(module).reverse_dict if isinstance(name, str)}
    used = {(str(file), node.args[0].value) for file, node in calls_named("integrations", "reverse")
            if node.args and isinstance(node.args[0], ast.Constant)}
    for folder in ("templates/zoho", "templates/stores"):
        for path in (ROOT / folder).rglob("*.html"):
            used |= {(str(path.relative_to(ROOT)), name) for name in re.findall(r"{% url '([\w-]+)'", path.read_text())}
    assert used and [(file, name) for file, name in sorted(used) if name not in own] == []


def calls_named(package: str, name: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                yield path.relative_to(ROOT), node
