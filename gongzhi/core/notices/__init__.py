"""Residents' notices: kinds, templates, channel choices and sending.

A *notice kind* (e.g. `appeal_replied`) is declared in code by the app that sends it (its `notices.py`, found by
autodiscovery): a label, whether it is mandatory (and why), the variables its template may use with sample
values, and the default Chinese template. Admins edit the text (`NotificationTemplate`, seeded after every
migrate); residents choose their channels (site messages always, SMS, e-mail) and may turn optional kinds
off (`NotificationPreference`).

`send_notice(kind, …)` renders the template and writes one `Notification` row per channel through `notify_many()`,
so delivery keeps the rows-first guarantees of `core.notifications`.
"""

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TokenType, VariableNode
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongzhi.core import refcache
from gongzhi.core.choices import NotificationChannel
from gongzhi.core.errors import ServiceError
from gongzhi.core.masking import mask_phone
from gongzhi.core.models import Notification, Unit, User, append_audit_event
from gongzhi.core.notices.models import NotificationPreference, NotificationTemplate
from gongzhi.core.notifications import notify_many

logger = logging.getLogger("gongzhi.notifications")

# Plain text, not HTML: SMS and e-mail bodies must not be HTML-escaped. No loaders, so {% include %} and
# {% extends %} cannot reach files; only the built-in tags and filters are available.
ENGINE = Engine(autoescape=False, loaders=[], libraries={})
# What an admin's template may use: conditions, loops and formatting of the kind's variables. Not {% debug %} (it
# dumped the context and the server's module paths into a notice), {% load %}, {% csrf_token %} or the like.
ALLOWED_TAGS = frozenset(
    {
        "if",
        "elif",
        "else",
        "endif",
        "for",
        "empty",
        "endfor",
        "with",
        "endwith",
        "firstof",
        "comment",
        "endcomment",
        "spaceless",
        "endspaceless",
    }
)
ALLOWED_FILTERS = frozenset(
    {
        "default",
        "default_if_none",
        "date",
        "time",
        "floatformat",
        "truncatechars",
        "truncatewords",
        "length",
        "upper",
        "lower",
        "title",
        "join",
        "first",
        "last",
        "yesno",
        "add",
        "cut",
        "slice",
        "pluralize",
        "stringformat",
        "linebreaksbr",
    }
)
MAX_BODY = 2000  # characters of a rendered body (an SMS is split every 70; an e-mail need not be longer)
_FILTER_RE = re.compile(r"\|\s*(\w+)")


def _disallowed(source: str) -> list[str]:
    """The tags and filters of `source` outside ALLOWED_TAGS / ALLOWED_FILTERS."""
    found = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if name not in ALLOWED_TAGS:
                found.append(f"{{% {name} %}}")
        if token.token_type in (TokenType.BLOCK, TokenType.VAR):
            found += [f"|{f}" for f in _FILTER_RE.findall(token.contents) if f not in ALLOWED_FILTERS]
    return found


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str | Promise
    subject: str  # the default templates
    body: str
    variables: dict = field(default_factory=dict)  # name → (description, sample value)
    mandatory: bool = False
    reason: str | Promise = ""  # why a mandatory kind cannot be turned off (shown to residents)
    description: str | Promise = ""
    sms: bool = (
        True  # may go out by SMS: a provider that sends filed templates must have one for it (core.sms)
    )
    listed: bool = True  # shown among the resident's notice choices (not the login code)


_REGISTRY: dict[str, NoticeKind] = {}
_discovered = False


def register(kind: NoticeKind) -> NoticeKind:
    _REGISTRY[kind.key] = kind
    return kind


def kinds() -> list[NoticeKind]:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("notices")
    return list(_REGISTRY.values())


_MISSING = object()


def get_kind(key: str, default=_MISSING) -> NoticeKind | None:
    kinds()
    if key in _REGISTRY or default is not _MISSING:
        return _REGISTRY.get(key, default)
    raise KeyError(key)


# ---------------------------------------------------------------- templates


def _variables_used(template) -> set[str]:
    return {
        node.filter_expression.var.var.split(".")[0]
        for node in template.nodelist.get_nodes_by_type(VariableNode)
        if hasattr(node.filter_expression.var, "var")
    }


def validate_template(kind_key: str, subject: str, body: str) -> dict[str, list[str]]:
    """Field → Chinese error messages; empty when the template compiles, uses only the kind's variables and
    renders on the sample values to a non-empty subject of at most 200 characters."""
    kind = get_kind(kind_key, default=None)
    if kind is None:
        return {"kind": [_("未知的通知类型「%(k)s」。") % {"k": kind_key}]}
    errors: dict[str, list[str]] = {}
    sample = {name: value for name, (_desc, value) in kind.variables.items()}
    rendered = {}
    for name, source in (("subject", subject), ("body", body)):
        if not (source or "").strip():
            errors[name] = [_("不能为空。")]
            continue
        disallowed = _disallowed(source)
        if disallowed:
            errors[name] = [
                _("模板只能使用条件、循环和格式化，不能使用：%(t)s。") % {"t": "、".join(disallowed)}
            ]
            continue
        try:
            template = ENGINE.from_string(source)
        except TemplateSyntaxError as exc:
            errors[name] = [_("模板语法错误：%(e)s") % {"e": exc}]
            continue
        unknown = sorted(_variables_used(template) - set(kind.variables))
        if unknown:
            errors[name] = [
                _("模板使用了未知变量：%(v)s。可用变量：%(ok)s。")
                % {"v": "、".join(unknown), "ok": "、".join(kind.variables) or _("无")}
            ]
            continue
        try:
            rendered[name] = template.render(Context(sample)).strip()
        except Exception as exc:  # a filter that fails on real data would fail later
            errors[name] = [_("模板无法渲染：%(e)s") % {"e": exc}]
    if "subject" in rendered and not rendered["subject"]:
        errors["subject"] = [_("标题渲染后为空。")]
    elif len(rendered.get("subject", "")) > 200:
        errors["subject"] = [_("标题渲染后超过200个字。")]
    if "body" in rendered and not rendered["body"]:
        errors["body"] = [_("正文渲染后为空。")]
    elif len(rendered.get("body", "")) > MAX_BODY:
        errors["body"] = [_("正文渲染后超过%(n)s个字。") % {"n": MAX_BODY}]
    return errors


def ensure_templates() -> int:
    """Create the missing templates from the registry's defaults (admins' edits are kept)."""
    created = 0
    for kind in kinds():
        _row, new = NotificationTemplate.objects.get_or_create(
            kind=kind.key, defaults={"subject": kind.subject, "body": kind.body}
        )
        created += new
    return created


def stored_template(kind_key: str) -> tuple[str, str] | None:
    """The admin's (subject, body) of a kind; cached per process until a template is edited (core.refcache)."""
    return refcache.cached(
        refcache.REFERENCE,
        ("notice_template", kind_key),
        lambda: (
            NotificationTemplate.objects.using(refcache.DB)
            .filter(kind=kind_key)
            .values_list("subject", "body")
            .first()
        ),
    )


@lru_cache(maxsize=256)
def _compiled(source: str):
    """A template compiled once per source text (rendering a compiled template is thread-safe)."""
    return ENGINE.from_string(source)


def render(kind: NoticeKind, context: dict) -> tuple[str, str]:
    """(subject, body) from the stored template; the shipped default if the stored one fails anyway."""
    row = stored_template(kind.key)
    for subject, body in ([row] if row else []) + [(kind.subject, kind.body)]:
        try:
            ctx = Context(context)
            text = (
                _compiled(subject).render(ctx).strip()[:200],
                _compiled(body).render(ctx).strip()[:MAX_BODY],
            )
        except Exception:
            logger.exception("notice template %s failed; using the default", kind.key)
            continue
        if text[0] and text[1]:
            return text
    raise RuntimeError(f"default template of {kind.key} does not render")


# ---------------------------------------------------------------- preferences


def preference_for(user) -> NotificationPreference:
    """The user's stored choices, or unsaved defaults. Cached per process until a preference row is written
    (core.refcache): the stored row is shared, do not change it (update_notification_preferences reads its own)."""
    pref = (
        refcache.cached(
            refcache.PREFERENCES,
            user.pk,
            lambda: NotificationPreference.objects.using(refcache.DB).filter(user_id=user.pk).first(),
        )
        if user.pk is not None
        else None
    )
    return pref or NotificationPreference(user=user)


def is_enabled(user, kind: NoticeKind, pref: NotificationPreference | None = None) -> bool:
    if kind.mandatory:
        return True
    pref = pref or preference_for(user)
    return user.notify_optional and kind.key not in (pref.disabled_kinds or [])


def preference_summary(user) -> dict:
    pref = preference_for(user)
    return {
        "sms": pref.sms,
        "email": pref.email,
        "email_address": user.email,
        "phone": mask_phone(user.phone or ""),
        "disabled": sorted(
            k for k in pref.disabled_kinds or [] if not get_kind(k, None) or not get_kind(k).mandatory
        ),
        "kinds": [
            {
                "kind": k.key,
                "label": str(k.label),
                "description": str(k.description),
                "mandatory": k.mandatory,
                "reason": str(k.reason),
                "enabled": is_enabled(user, k, pref),
            }
            for k in kinds()
            if k.listed
        ],
    }


def _mask_email(address: str) -> str:
    if "@" not in address:
        return ""
    name, domain = address.split("@", 1)
    return f"{name[:1]}***@{domain}"


def update_notification_preferences(
    actor: User, user: User, *, sms: bool, email: bool, email_address: str = "", disabled=()
) -> NotificationPreference:
    """Save a user's channel choices and opted-out kinds; refuses to turn off a mandatory kind. Audited."""
    if actor.pk != user.pk and not actor.has_role("admin"):
        from gongzhi.core.errors import PermissionDeniedError

        raise PermissionDeniedError()
    email_address = (email_address or "").strip()
    if email_address:
        try:
            validate_email(email_address)
        except ValidationError:
            raise ServiceError(_("请输入正确的电子邮箱地址。"), field="email_address") from None
    if email and not email_address:
        raise ServiceError(_("选择邮件通知时请填写电子邮箱地址。"), field="email_address")
    disabled = sorted(set(disabled or []))
    for key in disabled:
        kind = get_kind(key, default=None)
        if kind is None:
            raise ServiceError(_("未知的通知类型「%(k)s」。") % {"k": key}, field="disabled")
        if kind.mandatory:
            raise ServiceError(
                _("「%(label)s」不能关闭：%(reason)s") % {"label": kind.label, "reason": kind.reason},
                code="mandatory_notice",
                field="disabled",
            )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        before = {
            "sms": pref.sms,
            "email": pref.email,
            "email_address": _mask_email(user.email),
            "disabled": pref.disabled_kinds,
            "optional": user.notify_optional,
        }
        pref.sms, pref.email, pref.disabled_kinds, pref.updated_at = (
            bool(sms),
            bool(email),
            disabled,
            timezone.now(),
        )
        pref.save()
        user.email = email_address
        user.notify_optional = True  # the per-kind choices now say which optional notices are wanted
        user.save(update_fields=["email", "notify_optional"])
        after = {
            "sms": pref.sms,
            "email": pref.email,
            "email_address": _mask_email(user.email),
            "disabled": pref.disabled_kinds,
            "optional": True,
        }
        if before != after:
            append_audit_event(
                actor,
                "notification_preferences",
                target=f"user:{user.pk}",
                note=_("修改通知偏好"),
                before=before,
                after=after,
            )
    return pref


def update_notification_template(
    actor: User, kind_key: str, *, subject: str, body: str
) -> NotificationTemplate:
    """An admin's edit of a template: validated (a bad edit is refused, never saved) and audited."""
    if not actor.has_role("admin"):
        from gongzhi.core.errors import PermissionDeniedError

        raise PermissionDeniedError()
    errors = validate_template(kind_key, subject, body)
    if errors:
        field_name, messages = next(iter(errors.items()))
        raise ServiceError(messages[0], field=field_name)
    with transaction.atomic():
        row, _created = NotificationTemplate.objects.select_for_update().get_or_create(
            kind=kind_key, defaults={"subject": subject, "body": body}
        )
        before = {"subject": row.subject, "body": row.body}
        row.subject, row.body, row.updated_at, row.updated_by = subject, body, timezone.now(), actor
        row.save()
        append_audit_event(
            actor,
            "notification_template",
            target=f"notice:{kind_key}",
            note=_("修改通知模板"),
            before=before,
            after={"subject": subject, "body": body},
        )
    return row


# ---------------------------------------------------------------- sending


def channel_for(
    user: User | None, kind: NoticeKind, pref: NotificationPreference | None = None, phone: str = ""
) -> tuple[str, dict] | None:
    """The one place that decides how a notice reaches a person's phone: a registered channel (WeChat) when the
    person is bound to it and the kind has a template there, else SMS to `phone` unless they turned SMS off, else
    nothing. Returns (channel, address and channel data for the row)."""
    from gongzhi.core.notifications import CHANNELS

    sms_wanted = bool(phone) and (pref is None or pref.sms)
    if user is not None and user.pk is not None:
        for key, channel in CHANNELS.items():
            data = channel.available(user, kind.key)
            if data:
                # The number rides along for the fallback to SMS, only when the person wants SMS.
                return key, {"recipient": user, "phone": phone if sms_wanted else "", "channel_data": data}
    if sms_wanted:
        return NotificationChannel.SMS, {"phone": phone}
    return None


def _render_channel_data(data: dict, context: dict) -> dict:
    """A channel's data mapping ({"fields": {name: template}}) rendered with the notice's variables."""
    fields = {}
    for name, source in (data.get("fields") or {}).items():
        try:
            fields[name] = _compiled(source).render(Context(context)).strip()
        except Exception:
            logger.exception("channel template %s failed", name)
            fields[name] = ""
    return {**data, "fields": fields}


def send_notice(
    kind_key: str,
    *,
    context: dict,
    user: User | None = None,
    phone: str = "",
    unit: Unit | None = None,
    link: str = "",
    key: str | None = None,
    ref: str = "",
) -> list[Notification]:
    """Tell one person: a site message if they have an account; on their phone by WeChat when bound and the kind
    has a WeChat template, else by SMS to `phone` unless they turned SMS off (`channel_for`); e-mail if they chose
    it. Optional kinds the user turned off are skipped. With `unit`, the unit's queue gets the site message instead
    of a person (staff notices to a unit). With `key`, a second call creates nothing (each channel's row carries
    `<key>:<channel>`). Call inside the change's transaction."""
    kind = get_kind(kind_key)
    pref = preference_for(user) if user is not None else None
    if user is not None and not is_enabled(user, kind, pref):
        return []
    targets = []
    if user is not None:
        targets.append((NotificationChannel.SITE, {"recipient": user}))
    elif unit is not None:
        targets.append((NotificationChannel.SITE, {"unit": unit}))
    mobile = channel_for(user, kind, pref, phone)
    if mobile is not None:
        targets.append(mobile)
    if pref is not None and pref.email and user.email:
        targets.append((NotificationChannel.EMAIL, {"recipient": user, "email": user.email}))
    if not targets:
        return []
    subject, body = render(kind, context)
    # Kept with the row for an SMS provider's filed template (its variables), as plain JSON values; a WeChat row keeps
    # them too, for the SMS it falls back to.
    variables = {
        k: v if isinstance(v, str | int | float | bool) or v is None else str(v)
        for k, v in context.items()
        if k in kind.variables
    }
    messages = []
    for channel, address in targets:
        row_key = f"{key}:{channel}"[:120] if key else None
        if row_key and Notification.objects.filter(key=row_key).exists():
            continue
        if "channel_data" in address:
            address = {**address, "channel_data": _render_channel_data(address["channel_data"], context)}
        messages.append(
            dict(
                subject=subject,
                body=body,
                channel=channel,
                link=link,
                kind=kind.key,
                key=row_key,
                ref=ref,
                context=variables
                if channel not in (NotificationChannel.SITE, NotificationChannel.EMAIL)
                else {},
                **address,
            )
        )
    return notify_many(messages)


# The login code: sent by core.services.send_login_code (its own limits), by SMS only; not a choice of the resident.
LOGIN_CODE = register(
    NoticeKind(
        key="login_code",
        label=_lazy("登录验证码"),
        mandatory=True,
        listed=False,
        reason=_lazy("验证码用于登录。"),
        description=_lazy("手机号登录时发送。"),
        subject="登录验证码",
        body="您的验证码是 {{ code }}，{{ minutes }}分钟内有效。",
        variables={"code": (_lazy("验证码"), "123456"), "minutes": (_lazy("有效分钟数"), 5)},
    )
)
