"""gongzhi.E101: the configured SMS provider must have a filed template for every notice kind that may go by SMS.

Chinese providers send nothing else, so a missing template is refused when the site is configured (`gongzhi check`,
run by every management command, the worker and the scheduler included), not discovered when a resident's notice
fails. Before the first migrate (no table yet) it is a warning.
"""

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register
from django.db import DatabaseError

# What each provider cannot send without: its credentials, and the filed signature (签名) every message carries.
REQUIRED = {
    "aliyun": ("SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_ALIYUN_SIGN_NAME"),
    "tencent": (
        "SMS_TENCENT_SECRET_ID",
        "SMS_TENCENT_SECRET_KEY",
        "SMS_TENCENT_APP_ID",
        "SMS_TENCENT_SIGN_NAME",
    ),
}


@register("gongzhi_sms")
def sms_templates_filed(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from . import configured_provider
    from .templates import missing_templates

    try:
        provider = configured_provider()
    except ImportError as exc:
        return [Error(f"GONGZHI_SMS_GATEWAY cannot be imported: {exc}", id="gongzhi.E102")]
    if not provider:
        return []
    from ..conf import setting

    needed = REQUIRED.get(provider, ())
    unset = [f"GONGZHI_{name}" for name in needed if not setting(name)]
    if unset:
        return [
            Error(
                f"SMS provider {provider} is configured without {', '.join(unset)}.",
                hint="docs/deploy.md, SMS.",
                id="gongzhi.E103",
            )
        ]
    try:
        missing = missing_templates(provider)
    except DatabaseError:
        return [
            Warning(
                f"SMS provider {provider}: the templates table is not there yet (run migrate), so the filed "
                "templates could not be checked.",
                id="gongzhi.W101",
            )
        ]
    if not missing:
        return []
    return [
        Error(
            f"SMS provider {provider} has no filed template for the notice kinds: {', '.join(missing)}.",
            hint="File a template (签名 + 模板) with the provider for each kind and enter its id and variables "
            "in the admin under 短信模板（服务商备案）; docs/deploy.md, SMS.",
            id="gongzhi.E101",
        )
    ]
