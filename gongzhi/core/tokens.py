"""API tokens (DRF's authtoken) that end: they expire after GONGZHI["API_TOKEN_TTL_HOURS"], a new one is issued on the
next login, the account's token is revoked when its password changes or it is deactivated, and
`DELETE /api/v1/auth/token/` revokes the caller's own (issue N item 9: tokens lived for ever and survived all three).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from .models import User


def ttl() -> timedelta:
    return timedelta(hours=settings.GONGZHI["API_TOKEN_TTL_HOURS"])


def expired(token: Token, now: datetime | None = None) -> bool:
    created: datetime = token.created
    return (now or timezone.now()) - created >= ttl()


def issue(user: User) -> str:
    """The user's current token, or a new one when there is none or it has expired."""
    with transaction.atomic():
        token = Token.objects.select_for_update().filter(user=user).first()
        if token is not None and expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
    key: str = token.key
    return key


def revoke(user: User) -> int:
    return Token.objects.filter(user=user).delete()[0]


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if expired(token):
            raise exceptions.AuthenticationFailed(_("登录令牌已过期，请重新登录获取新的令牌。"))
        return user, token


def revoke_on_credentials_change(
    sender: type[User],
    instance: User,
    update_fields: Iterable[str] | None = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    """pre_save of the user: a new password or a deactivation ends the account's API token."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every login: no query
    old = type(instance).objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    if old is None:
        return
    password, active = old
    if password != instance.password or (active and not instance.is_active):
        revoke(instance)
