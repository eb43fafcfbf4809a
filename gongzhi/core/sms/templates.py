"""The templates filed with a provider: validation against the notice kinds, and the variables of one message."""

import re
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from ..conf import setting
from . import SmsError

if TYPE_CHECKING:
    from ..notices import NoticeKind
    from ..sms_models import SmsTemplate

CODE_RE = {"aliyun": re.compile(r"^SMS_\d{4,20}$"), "tencent": re.compile(r"^\d{4,12}$")}
NAME_RE = re.compile(r"^[A-Za-z0-9_]{1,32}$")


def sms_kinds() -> list["NoticeKind"]:
    """The notice kinds that may go out by SMS: every kind the registry marks `sms` (all, but site-only ones)."""
    from ..notices import kinds

    return [k for k in kinds() if k.sms]


def validate_sms_template(
    provider: str, kind_key: str, template_code: str, variables: object
) -> dict[str, list[str]]:
    from ..notices import get_kind

    errors: dict[str, list[str]] = {}
    kind = get_kind(kind_key, default=None)
    if kind is None:
        return {"kind": [_("未知的通知类型「%(k)s」。") % {"k": kind_key}]}
    if provider not in CODE_RE:
        return {"provider": [_("未知的短信服务商。")]}
    if not CODE_RE[provider].match(template_code or ""):
        errors["template_code"] = [
            _("阿里云模板Code形如 SMS_123456789，腾讯云模板ID为数字。")
            if provider == "aliyun"
            else _("腾讯云模板ID为4至12位数字。")
        ]
    if not isinstance(variables, list) or not all(
        isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        for pair in variables
    ):
        errors["variables"] = [_('变量对应应为 [["模板变量", "通知变量"], …] 的列表。')]
        return errors
    names = [p for p, _k in variables]
    bad = [p for p in names if not NAME_RE.match(p)]
    unknown = [k for _p, k in variables if k not in kind.variables]
    if bad:
        errors["variables"] = [_("模板变量名只能由字母、数字和下划线组成：%(v)s。") % {"v": "、".join(bad)}]
    elif len(set(names)) != len(names):
        errors["variables"] = [_("模板变量名重复。")]
    elif provider == "tencent" and names != [str(i) for i in range(1, len(names) + 1)]:
        errors["variables"] = [_("腾讯云模板变量按顺序为 1、2、3…。")]
    elif unknown:
        errors["variables"] = [
            _("通知类型「%(label)s」没有变量：%(v)s。可用变量：%(ok)s。")
            % {"label": kind.label, "v": "、".join(unknown), "ok": "、".join(kind.variables) or _("无")}
        ]
    return errors


def template_params(
    provider: str, kind_key: str, context: dict[str, Any]
) -> tuple["SmsTemplate", list[tuple[str, str]]]:
    """(SmsTemplate, [(provider variable, value)]) for one message; SmsError (permanent) without a filed template."""
    from ..sms_models import SmsTemplate

    template = SmsTemplate.objects.filter(provider=provider, kind=kind_key).first() if kind_key else None
    if template is None:
        raise SmsError(
            "template_not_filed",
            _("通知类型「%(k)s」没有在该服务商备案的短信模板。") % {"k": kind_key or "—"},
            permanent=True,
        )
    limit = setting("SMS_VARIABLE_MAX")  # Alibaba's limit for a notice's variable; longer text is cut
    params: list[tuple[str, str]] = []
    for name, key in template.variables:
        value = str(context.get(key, "") if context.get(key) is not None else "").strip()
        params.append((name, value if len(value) <= limit else value[: limit - 1] + "…"))
    return template, params


def missing_templates(provider: str) -> list[str]:
    from ..sms_models import SmsTemplate

    filed = set(SmsTemplate.objects.filter(provider=provider).values_list("kind", flat=True))
    return [k.key for k in sms_kinds() if k.key not in filed]
