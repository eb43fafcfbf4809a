"""Writes of the core domain: residents' accounts and one-time codes."""

import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import NotificationChannel, Role
from .codes import code_matches, digest_code
from .errors import PermissionDeniedError, RateLimited, ServiceError
from .masking import resident_username
from .models import PhoneCode, User, append_audit_event
from .notifications import notify

# Sent in the transaction that creates a resident's account (first phone-code login, or at the counter): apps that
# know the phone number from elsewhere link their records to the new account (credit: enterprise contacts).
resident_account_created = Signal()

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.match(phone):
        raise ServiceError(_("请输入正确的11位手机号码。"), code="invalid_phone", field="phone")
    return phone


def send_login_code(phone: str, client_ip: str | None = None) -> PhoneCode:
    """Send a one-time code; at most one a minute and a few an hour per number (and per address)."""
    conf = settings.GONGZHI
    phone = normalize_phone(phone)
    now = timezone.now()
    with transaction.atomic():
        recent = PhoneCode.objects.filter(phone=phone, created_at__gte=now - timedelta(hours=1))
        last = recent.order_by("-created_at").first()
        if last and (now - last.created_at).total_seconds() < conf["OTP_RESEND_SECONDS"]:
            raise RateLimited(_("验证码发送过于频繁，请一分钟后再试。"))
        if recent.count() >= conf["OTP_MAX_PER_HOUR"]:
            raise RateLimited(_("该号码一小时内获取验证码次数过多，请稍后再试。"))
        if (
            client_ip
            and PhoneCode.objects.filter(
                client_ip=client_ip, created_at__gte=now - timedelta(hours=1)
            ).count()
            >= conf["OTP_MAX_PER_HOUR"] * 4
        ):
            raise RateLimited(_("请求过于频繁，请稍后再试。"))
        code = f"{secrets.randbelow(10**6):06d}"
        record = PhoneCode.objects.create(
            phone=phone,
            code_hash=digest_code(code, "login"),
            client_ip=client_ip,
            created_at=now,
            expires_at=now + timedelta(seconds=conf["OTP_TTL_SECONDS"]),
        )
        minutes = conf["OTP_TTL_SECONDS"] // 60
        notify(
            subject=_("登录验证码"),
            body=_("您的验证码是 %(code)s，%(minutes)s分钟内有效。") % {"code": code, "minutes": minutes},
            phone=phone,
            channel=NotificationChannel.SMS,
            kind="login_code",
            context={"code": code, "minutes": minutes},
        )
    return record


CONSENT_REQUIRED = _("首次登录将为您开通账号：请先阅读并勾选同意《个人信息处理规则》。")


def verify_login_code(phone: str, code: str, *, privacy_consent: bool = False) -> User:
    """Check the latest code for the number; create the resident's account on first login, which needs their
    consent to the processing rules (个人信息保护法 第13、14条), recorded with the account."""
    phone = normalize_phone(phone)
    if not privacy_consent and not User.objects.filter(phone=phone).exists():
        raise ServiceError(CONSENT_REQUIRED, code="consent_required", field="agree")
    now = timezone.now()
    wrong = None
    with transaction.atomic():
        record = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if record is None or record.expires_at < now:
            raise ServiceError(_("验证码已过期，请重新获取。"), code="code_expired", field="code")
        if record.attempts >= settings.GONGZHI["OTP_MAX_ATTEMPTS"]:
            raise RateLimited(_("验证码错误次数过多，请重新获取。"))
        record.attempts += 1
        if not code_matches(code, record.code_hash, "login"):
            # The failed attempt must be committed: raising inside the atomic block would roll it back
            # and leave the guesses unlimited.
            record.save(update_fields=["attempts"])
            left = settings.GONGZHI["OTP_MAX_ATTEMPTS"] - record.attempts
            wrong = ServiceError(
                _("验证码不正确，还可尝试 %(n)s 次。") % {"n": left}, code="code_wrong", field="code"
            )
        else:
            record.used_at = now
            record.save(update_fields=["attempts", "used_at"])
            user = User.objects.filter(phone=phone).first()
            if user is not None and (user.is_staff or not user.has_role(Role.RESIDENT)):
                # Staff accounts log in with their password; a phone code alone must not open them.
                wrong = ServiceError(
                    _("工作人员请使用用户名和密码登录。"), code="staff_account", field="phone"
                )
                user = None
            elif user is None:
                user = _create_resident(phone=phone, display_name="", actor=None, note=_("手机验证码注册"))
    if wrong is not None:
        raise wrong
    assert user is not None  # only a refused login leaves no user, and it raised above
    return user


def _create_resident(
    *, phone: str, display_name: str, actor: User | None, note: str, id_number: str = ""
) -> User:
    from .personal_data import record_consent

    user = User(username=resident_username(), phone=phone, display_name=display_name, id_number=id_number)
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=Role.RESIDENT)[0])
    append_audit_event(actor or user, "register_resident", target=f"user:{user.pk}", note=note)
    staff = actor if actor is not None and actor.pk != user.pk else None
    record_consent(user, "privacy", recorded_by=staff)
    if id_number:
        record_consent(user, "id_number", recorded_by=staff)
    resident_account_created.send(sender=User, user=user)
    return user


def register_resident_at_counter(
    actor: User,
    *,
    phone: str,
    display_name: str,
    id_number: str = "",
    privacy_consent: bool = False,
    id_number_consent: bool = False,
) -> User:
    """Staff register a resident who came to the counter or called (代办), having told them the processing rules
    and, for an ID number, its purpose, and taken their consent (recorded with the staff member's name)."""
    if not actor.has_role(Role.OPERATOR, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.ADMIN):
        raise PermissionDeniedError()
    phone = normalize_phone(phone)
    if not privacy_consent:
        raise ServiceError(
            _("请先向居民说明《个人信息处理规则》并取得其同意。"),
            code="consent_required",
            field="privacy_consent",
        )
    if (id_number or "").strip() and not id_number_consent:
        raise ServiceError(
            _("登记身份证号须居民单独同意，请说明用途后勾选，或不填身份证号。"),
            code="consent_required",
            field="id_number_consent",
        )
    with transaction.atomic():
        if User.objects.filter(phone=phone).exists():
            raise ServiceError(_("该手机号已注册。"), code="phone_taken", field="phone")
        return _create_resident(
            phone=phone,
            display_name=display_name.strip(),
            actor=actor,
            note=_("窗口/代办登记"),
            id_number=id_number.strip(),
        )


def ensure_role_groups() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def mark_notifications_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread site messages read: those with the given ids, or all of them."""
    from .selectors import user_notifications

    unread = user_notifications(user).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
