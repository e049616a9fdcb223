"""Who appears inside the org's metadata, as Zoho names them: the org's first user (who created the modules,
views and layouts), its role and its two profiles (Administrator, Standard). Their ids are 19-digit numbers in
the org's settings range (prefix, then 7), never placeholders, so metadata nests the same people the users API
lists."""

from .models import Org, OrgUser

ROLE = ("CEO", 1)
PROFILES = (("Administrator", 2), ("Standard", 3))


def setting_id(org: Org, number: int) -> str:
    """The id of one of the org's settings objects (roles, profiles, views, layouts, sections)."""
    return f"{org.id_prefix}7{number:011d}"


def role(org: Org) -> dict:
    name, number = ROLE
    return {"name": name, "id": setting_id(org, number)}


def profiles(org: Org) -> list[dict]:
    return [{"name": name, "id": setting_id(org, number)} for name, number in PROFILES]


def admin_profile(org: Org) -> dict:
    return profiles(org)[0]


def owner(org: Org) -> OrgUser:
    """The user who set the org up (the first one)."""
    return org.users.order_by("pk").first()


def minified_owner(org: Org) -> dict:
    """Zoho's minified user (`{"name", "id"}`) of the org's owner, as metadata nests it."""
    user = owner(org)
    return {"name": user.full_name, "id": user.zoho_id}
