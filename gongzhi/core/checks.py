"""System checks of gongzhi's own settings (`gongzhi check --deploy`)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Tags, Warning, register

from .conf import setting


@register(Tags.security, deploy=True)
def audit_keys(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The audit chains' HMAC key should be its own (core.audit): derived from the secret key, rotating that key
    would make every chain fail verification."""
    if setting("AUDIT_KEY"):
        return []
    return [
        Warning(
            "GONGZHI_AUDIT_KEY is not set: the audit trail's HMAC key is derived from the secret key, so "
            "rotating GONGZHI_SECRET_KEY would break every chain.",
            hint="Set GONGZHI_AUDIT_KEY to a long random string kept outside the database and the backups.",
            id="gongzhi.W001",
        )
    ]


@register(Tags.security, deploy=True)
def field_keys(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """Phone and ID numbers are encrypted under GONGZHI_FIELD_KEYS and indexed under GONGZHI_BLIND_INDEX_KEY
    (core.fieldcrypt). Derived from the secret key (development), rotating that key would make them unreadable."""
    from django.core.checks import Error
    from django.core.exceptions import ImproperlyConfigured

    from .fieldcrypt import parse_key_ring

    problems: list[CheckMessage] = []
    try:
        ring = parse_key_ring(setting("FIELD_KEYS"))
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="gongzhi.E002")]
    if not ring:
        problems.append(
            Warning(
                "GONGZHI_FIELD_KEYS is not set: phone and ID numbers are encrypted under a key derived from the secret key.",
                hint="Set GONGZHI_FIELD_KEYS=id:base64-of-32-random-bytes (newest first), kept outside the database and "
                "its backups; docs/deploy.md says how to rotate it.",
                id="gongzhi.W002",
            )
        )
    if not setting("BLIND_INDEX_KEY"):
        problems.append(
            Warning(
                "GONGZHI_BLIND_INDEX_KEY is not set: the lookup index of phone and ID numbers is keyed from the secret key.",
                hint="Set GONGZHI_BLIND_INDEX_KEY to base64 of 32 random bytes; it is never rotated.",
                id="gongzhi.W003",
            )
        )
    return problems
