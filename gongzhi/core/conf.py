"""gongzhi's own settings — `settings.GONGZHI` — each declared once, with its default.

A deployment sets what it needs in `GONGZHI` (gongzhi/settings.py reads most of them from the environment); code
reads them with `setting(name)`, which answers the deployment's value or else the declared default, so a default
is written in one place, not at every call. Core declares its own below; each app declares its own in its
`conf.py`, which its AppConfig.ready imports. Reading a name nobody declared raises ImproperlyConfigured: a typo
fails at once instead of quietly reading a default.
"""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_DECLARED: dict[str, Any] = {}


def declare(defaults: Mapping[str, Any]) -> None:
    """Declare settings and their defaults (once each: two different defaults for one name is a bug)."""
    for name, default in defaults.items():
        if name in _DECLARED and _DECLARED[name] != default:
            raise ImproperlyConfigured(f"GONGZHI[{name!r}] is declared twice with different defaults")
        _DECLARED[name] = default


def setting(name: str) -> Any:
    """The deployment's `GONGZHI[name]`, else its declared default."""
    configured = getattr(settings, "GONGZHI", {})
    if name in configured:
        return configured[name]
    try:
        return _DECLARED[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"GONGZHI[{name!r}] is not a declared setting (gongzhi.core.conf)"
        ) from None


def declared() -> dict[str, Any]:
    return dict(_DECLARED)


declare(
    {
        # Keys (docs/security.md): field encryption, blind indexes, the audit chain's HMAC and its checkpoints.
        "FIELD_KEYS": "",
        "BLIND_INDEX_KEY": "",
        "AUDIT_KEY": "",
        "AUDIT_SIGNING_KEY": "",
        "AUDIT_VERIFY_KEY": "",
        "AUDIT_CHECKPOINT_DIR": "",
        "SQLITE_SLOW_WRITE_MS": 250,
        "TRUSTED_PROXIES": [],
        "TWO_FACTOR_ROLES": [],
        "TASK_GATHER_SECONDS": 0.2,
        "OUTBOUND_ALLOWED_HOSTS": [],
        "SITE_URL": "",
        "NOTIFY_MAX_ATTEMPTS": 5,
        "NOTIFY_RETRY_SECONDS": 60,
        # SMS (core.sms; docs/deploy.md, SMS)
        "SMS_GATEWAY": "gongzhi.core.notifications.ConsoleSmsGateway",
        "SMS_PER_MINUTE": 1,
        "SMS_PER_DAY": 10,
        "SMS_VARIABLE_MAX": 35,
        "SMS_TIMEOUT_SECONDS": 5,
        "SMS_CALLBACK_TOKEN": "",
        "SMS_CALLBACK_IPS": [],
        "SMS_ALIYUN_ACCESS_KEY_ID": "",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": "",
        "SMS_ALIYUN_SIGN_NAME": "",
        "SMS_ALIYUN_ENDPOINT": "dysmsapi.aliyuncs.com",
        "SMS_ALIYUN_PROTOCOL": "https",
        "SMS_TENCENT_SECRET_ID": "",
        "SMS_TENCENT_SECRET_KEY": "",
        "SMS_TENCENT_APP_ID": "",
        "SMS_TENCENT_SIGN_NAME": "",
        "SMS_TENCENT_REGION": "ap-guangzhou",
        "SMS_TENCENT_ENDPOINT": "sms.tencentcloudapi.com",
        "SMS_TENCENT_PROTOCOL": "https",
        "SMS_TENCENT_TIMEOUT": None,  # seconds; None: SMS_TIMEOUT_SECONDS
    }
)
