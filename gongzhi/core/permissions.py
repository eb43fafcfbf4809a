"""The role sets several apps share (every staff role; those who read the county as leaders), and who manages
community affairs (deliberation, self-organisations, activities) and where. A role set used by one page stays
beside it."""

from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser

from .choices import Role
from .models import Region, User

# Everyone but residents: the staff pages and tags.
STAFF_ROLES = tuple(r for r in Role.values if r != Role.RESIDENT)
# Who reads the county as a whole (dashboards, proactive governance, the wall screen).
LEADER_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMIN)

# The roles that run community affairs. Manager status is explicit, never inferred from the kind of a user's unit:
# an ordinary party member of a party organisation is not its staff (issue N item 3). A party organisation's
# staff who run deliberation or activities hold the community_staff role; a party member acts on their own
# 党员中心户 only (community.services._require_center_owner).
MANAGER_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN)


def is_manager(user: User | AnonymousUser | None) -> TypeGuard[User]:
    """Community staff and admins run community affairs (by role only)."""
    if user is None or not user.is_authenticated:
        return False
    return user.has_role(*MANAGER_ROLES)


def in_scope(user: User, region: Region) -> bool:
    """A manager acts in the region they answer for (their own, else their unit's) and below it."""
    if user.has_role(Role.ADMIN):
        return True
    home = user.region or (user.unit.region if user.unit is not None else None)
    return home is not None and region.path.startswith(home.path)


def can_manage(user: User | AnonymousUser | None, region: Region) -> bool:
    return is_manager(user) and in_scope(user, region)
