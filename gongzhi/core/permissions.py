"""Who manages community affairs (deliberation, self-organisations, activities) and where."""

from .choices import Role, UnitKind
from .models import Region


def is_manager(user) -> bool:
    """Community staff, staff of a party organisation, and admins run community affairs."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(Role.COMMUNITY_STAFF, Role.ADMIN):
        return True
    return bool(user.roles - {Role.RESIDENT} and user.unit_id and user.unit.kind == UnitKind.PARTY_ORG)


def in_scope(user, region: Region) -> bool:
    """A manager acts in the region they answer for (their own, else their unit's) and below it."""
    if user.has_role(Role.ADMIN):
        return True
    home = user.region or (user.unit.region if user.unit_id else None)
    return home is not None and region.path.startswith(home.path)


def can_manage(user, region: Region) -> bool:
    return is_manager(user) and in_scope(user, region)
