"""A resident's own data (个人信息保护法 第44–47条): what the platform holds about them, to download, and what is
removed when they close their account (issue K item 6).

core cannot import the domain apps, so each app registers its part in its AppConfig.ready():
`register("appeals", _("我的诉求"), export=…, erase=…)`. `export(user)` returns a list of flat dicts (one per row, the
columns a person reads); `erase(user)` removes or anonymises the person's data in that app and returns how many rows
it touched. Records the county must keep (appeals, for the records and the three rates) stay, anonymised. `manage`
names the URL of the app's page where the person changes or withdraws that part on its own (第15条: withdrawing
consent as easily as giving it), linked from 我的数据 while they have rows there.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification, PhoneCode, User, append_audit_event
from .spreadsheets import to_xlsx


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    export: Callable[[User], list[dict]]
    erase: Callable[[User], int] | None
    manage: str | None = None


SECTIONS: dict[str, Section] = {}

ANONYMOUS_NAME = "已注销用户"


def register(
    key: str,
    title,
    *,
    export: Callable[[User], list[dict]],
    erase: Callable[[User], int] | None = None,
    manage: str | None = None,
):
    SECTIONS[key] = Section(key, title, export, erase, manage)


def _account(user: User) -> list[dict]:
    return [
        {
            "账号": user.username,
            "姓名": user.display_name,
            "手机号": user.phone or "",
            "身份证号": user.id_number,
            "邮箱": user.email,
            "注册时间": timezone.localtime(user.date_joined).strftime("%Y-%m-%d %H:%M"),
            "最近登录": timezone.localtime(user.last_login).strftime("%Y-%m-%d %H:%M")
            if user.last_login
            else "",
        }
    ]


def _notifications(user: User) -> list[dict]:
    return [
        {
            "时间": timezone.localtime(n.created_at).strftime("%Y-%m-%d %H:%M"),
            "渠道": n.get_channel_display(),
            "标题": n.subject,
            "内容": n.body,
        }
        for n in Notification.objects.filter(recipient=user).order_by("created_at", "id")
    ]


def manage_url_name(key: str) -> str | None:
    """The URL name of the page where the person manages the section `key`, when its app has one."""
    section = SECTIONS.get(key)
    return section.manage if section else None


def collect(user: User) -> dict[str, dict]:
    """Every section's rows for the person: {key: {"title", "rows"}}; the account and notices first."""
    data = {
        "account": {"title": _("账号信息"), "rows": _account(user)},
        "consents": {"title": _("同意记录"), "rows": _consents(user)},
        "notifications": {"title": _("收到的消息"), "rows": _notifications(user)},
    }
    for section in SECTIONS.values():
        data[section.key] = {"title": str(section.title), "rows": section.export(user)}
    return data


def export_json(actor: User, user: User) -> bytes:
    data = collect(user)
    append_audit_event(
        actor,
        "export_personal_data",
        target=f"user:{user.pk}",
        note=_("下载我的数据（JSON）"),
        after={"sections": {k: len(v["rows"]) for k, v in data.items()}},
    )
    return json.dumps(
        {"exported_at": timezone.now().isoformat(), "data": data}, ensure_ascii=False, indent=2, default=str
    ).encode()


def export_xlsx(actor: User, user: User) -> bytes:
    """One sheet per section, through the platform's one spreadsheet writer (no cell is ever a formula)."""
    data = collect(user)
    sheets = []
    for section in data.values():
        rows = section["rows"]
        columns = list(rows[0]) if rows else [_("内容")]
        body = [[row.get(c) for c in columns] for row in rows] or [[_("（无）")]]
        sheets.append((section["title"][:31], columns, body))
    content = to_xlsx(sheets)
    append_audit_event(
        actor,
        "export_personal_data",
        target=f"user:{user.pk}",
        note=_("下载我的数据（Excel）"),
        after={"sections": {k: len(v["rows"]) for k, v in data.items()}},
    )
    return content


def close_account(user: User, *, reason: str = "") -> dict:
    """Close the person's account: their personal data removed or anonymised in every app, the account kept only
    as an inactive, nameless row (the county's records point to it); the login codes and sessions end."""
    from django.contrib.sessions.models import Session

    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        counts = {}
        for section in SECTIONS.values():
            if section.erase is not None:
                counts[section.key] = section.erase(user)
        counts["notifications"] = Notification.objects.filter(recipient=user).delete()[0]
        if user.phone:
            PhoneCode.objects.filter(phone=user.phone).delete()
        user.username = f"closed-{user.pk}"
        user.display_name = ""
        user.first_name = user.last_name = user.email = ""
        user.phone = None
        user.id_number = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        append_audit_event(
            user,
            "close_account",
            target=f"user:{user.pk}",
            note=reason[:200] or _("本人注销账号"),
            after=counts,
        )
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
    return counts


# ---------------------------------------------------------------- consent (第13、14、29条)

PRIVACY_VERSION = "2026-12"
PRIVACY_PURPOSE = "受理、转办和答复诉求，通知办理进展，回访满意度"
ID_NUMBER_PURPOSE = "核实诉求人身份（涉及本人权益的诉求，如社保、户籍、不动产），仅承办单位可见"


def record_consent(user, kind: str, *, subject: str = "", recorded_by=None):
    from .models import Consent

    purpose = ID_NUMBER_PURPOSE if kind == Consent.ID_NUMBER else PRIVACY_PURPOSE
    return Consent.objects.create(
        user=user if getattr(user, "pk", None) else None,
        subject=subject,
        kind=kind,
        purpose=purpose,
        version=PRIVACY_VERSION,
        recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
    )


def _consents(user: User) -> list[dict]:
    from .models import Consent

    return [
        {
            "事项": c.get_kind_display(),
            "目的": c.purpose,
            "版本": c.version,
            "对象": c.subject,
            "时间": timezone.localtime(c.given_at).strftime("%Y-%m-%d %H:%M"),
        }
        for c in Consent.objects.filter(user=user).order_by("given_at")
    ]
