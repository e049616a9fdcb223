"""The lock files pin every requirement of requirements*.txt, within its range and with hashes, so an install
from them (`make run`, `make test`, a deployment) is the one that was tested. Run `make lock` after editing
requirements*.txt when this fails."""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

BASE_DIR = Path(__file__).resolve().parents[2]


def requirements(name: str) -> list[Requirement]:
    found = []
    for line in (BASE_DIR / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            found += requirements(line.split(None, 1)[1])
        elif line:
            found.append(Requirement(line))
    return found


def pins(name: str) -> dict[str, tuple[str, int]]:
    """{package: (version, number of hashes)} of a lock file."""
    text = (BASE_DIR / name).read_text()
    result = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", block)
        if match:
            result[canonicalize_name(match.group(1))] = (match.group(2), block.count("--hash=sha256:"))
    return result


@pytest.mark.parametrize(("source", "lock"), [("requirements.txt", "requirements.lock"),
                                               ("requirements-dev.txt", "requirements-dev.lock")])
def test_every_requirement_is_pinned_in_range_with_hashes(source, lock):
    locked = pins(lock)
    for requirement in requirements(source):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is missing from {lock}: run `make lock`"
        version, hashes = locked[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {requirement.name}=={version}, outside {requirement.specifier}: run `make lock`")
        assert hashes, f"{requirement.name} has no hash in {lock}"
    assert all(hashes for _, hashes in locked.values())


def test_the_dev_lock_pins_the_runtime_packages_at_the_same_versions():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev[name][0] for name in runtime} == {name: version for name, (version, _) in runtime.items()}


def test_installs_and_lock_regeneration_go_through_the_lock_files():
    makefile = (BASE_DIR / "Makefile").read_text()
    assert "--require-hashes -r requirements.lock" in makefile
    assert "--require-hashes -r requirements-dev.lock" in makefile
    assert re.search(r"^lock:", makefile, re.M) and "--generate-hashes" in makefile
