"""Reads of the core domain, scoped to the user."""

from django.db.models import Q, QuerySet

from .choices import NotificationChannel
from .models import Notification, Region, User


def user_notifications(user: User) -> QuerySet[Notification]:
    """The user's site messages: addressed to them, or to their unit."""
    scope = Q(recipient=user)
    if user.unit_id:
        scope |= Q(unit_id=user.unit_id, recipient__isnull=True)
    return Notification.objects.filter(scope, channel=NotificationChannel.SITE)


def region_by_code(code: str) -> Region | None:
    """The region with this code (its ancestors loaded, so `ancestors()` needs no query), or None. Cached per
    process (core.refcache): the instance is shared, do not change it."""
    from . import refcache

    return refcache.cached(refcache.REFERENCE, ("region", code), lambda: _load_region(code))


def _load_region(code: str) -> Region | None:
    from .refcache import DB

    region = Region.objects.using(DB).filter(code=code).first()
    if region is None:
        return None
    codes = [c for c in region.path.split("/") if c and c != code]
    by_id = {r.pk: r for r in Region.objects.using(DB).filter(code__in=codes)} if codes else {}
    node = region
    while node.parent_id is not None and node.parent_id in by_id:
        node.parent = by_id[node.parent_id]
        node = node.parent
    return region
