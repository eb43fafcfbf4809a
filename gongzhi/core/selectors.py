"""Reads of the core domain, scoped to the user."""

from django.db.models import Q, QuerySet

from .choices import NotificationChannel
from .models import Notification


def user_notifications(user) -> QuerySet[Notification]:
    """The user's site messages: addressed to them, or to their unit."""
    scope = Q(recipient=user)
    if user.unit_id:
        scope |= Q(unit_id=user.unit_id, recipient__isnull=True)
    return Notification.objects.filter(scope, channel=NotificationChannel.SITE)
