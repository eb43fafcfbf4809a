"""Staff's second factor and the session's lifetime (issue K item 1, 等保 2.0 身份鉴别).

A TOTP authenticator app (django-otp's TOTPDevice) with ten one-time backup codes (StaticDevice) is required of
the roles in settings.GONGZHI["TWO_FACTOR_ROLES"] (production default: admin, supervisor, leader,
credit_officer; development leaves it empty). After the password they enrol once (a QR code, confirmed by a code)
and then give a code at every login; until then every page but the second-factor pages answers with a redirect
to them (`RequireSecondFactorMiddleware`) and API tokens are not issued. An admin resets a lost device (audited).

Sessions end after a while without activity (staff 30 minutes, residents 7 days) and, however active, after an
absolute lifetime (staff 12 hours, residents 30 days): `SessionLifetimeMiddleware`.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conf import setting
from .errors import ServiceError
from .models import append_audit_event
from .permissions import STAFF_ROLES

BACKUP_CODES = 10
TOTP_NAME = "authenticator"
BACKUP_NAME = "backup"


def required_for(user) -> bool:
    """Whether the account must give a second factor (by its roles)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    roles = setting("TWO_FACTOR_ROLES")
    return bool(roles) and user.has_role(*roles)


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The enrolment's device: made unconfirmed the first time, the same one until confirmed (the QR code shown
    does not change when the page is reloaded)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def confirm_enrolment(user, code: str) -> list[str]:
    """Check the first code of the authenticator app; on success the device counts and ten backup codes are made
    (returned once, to show). Raises ServiceError with a Chinese message."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    if device is None:
        raise ServiceError(_("请先打开绑定页面扫描二维码。"), field="code")
    wait = _wait_seconds([device])
    if wait:
        raise ServiceError(
            _("输错次数较多，请 %(n)s 秒后再试。") % {"n": wait}, code="throttled", field="code"
        )
    if not device.verify_token((code or "").strip()):
        raise ServiceError(
            _("验证码不正确，请核对手机上验证器显示的6位数字（每30秒更新一次）。"), field="code"
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_backup_codes(user)
        append_audit_event(user, "enrol_2fa", target=f"user:{user.pk}", note=_("绑定身份验证器"))
    return codes


def regenerate_backup_codes(user) -> list[str]:
    with transaction.atomic():
        codes = _new_backup_codes(user)
        append_audit_event(user, "backup_codes_2fa", target=f"user:{user.pk}", note=_("重新生成备用验证码"))
    return codes


def _new_backup_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=BACKUP_NAME).count()


def check_code(user, code: str):
    """The device that accepts the code (an authenticator code or a backup code, which is then used up), or
    ServiceError. django-otp throttles repeated failures per device."""
    code = (code or "").strip().replace(" ", "")
    wait = _wait_seconds(
        [*TOTPDevice.objects.filter(user=user, confirmed=True), *StaticDevice.objects.filter(user=user)]
    )
    if wait:
        raise ServiceError(
            _("输错次数较多，请 %(n)s 秒后再试。") % {"n": wait}, code="throttled", field="code"
        )
    device = match_token(user, code) if code else None
    if device is None:
        raise ServiceError(_("验证码不正确或已使用，请重试。连续输错会被暂时锁定。"), field="code")
    if isinstance(device, StaticDevice):
        append_audit_event(
            user,
            "backup_code_used_2fa",
            target=f"user:{user.pk}",
            note=_("使用备用验证码登录（剩余 %(n)s 个）") % {"n": backup_codes_left(user)},
        )
    return device


def _wait_seconds(devices) -> int:
    """How long django-otp's throttling (1, 2, 4 … seconds after successive failures) still holds, 0 if not."""
    import math

    from django.utils import timezone

    waits = [0]
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            waits.append(math.ceil((info["locked_until"] - timezone.now()).total_seconds()))
    return max(waits)


def reset(actor, user) -> None:
    """An admin removes a user's devices (a lost phone): the user enrols again at the next login."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        append_audit_event(
            actor, "reset_2fa", target=f"user:{user.pk}", note=_("重置 %(user)s 的二次验证") % {"user": user}
        )


# ---------------------------------------------------------------- middleware

ALWAYS_OPEN = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/healthz", "/i18n/", "/jsi18n/")


class RequireSecondFactorMiddleware:
    """After django-otp's OTPMiddleware: an account that needs a second factor and has not given one this session
    reaches only the second-factor pages and logout; pages redirect there, the API answers 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALWAYS_OPEN)
            and required_for(user)
            and not user.is_verified()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "second_factor_required", "detail": _("请先完成二次验证（身份验证器）。")},
                    status=403,
                )
            target = "core:2fa_verify" if is_enrolled(user) else "core:2fa_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _limits(user) -> tuple[int, int]:
    conf = settings.GONGZHI
    if user.is_superuser or user.has_role(*STAFF_ROLES):
        return conf["STAFF_IDLE_SECONDS"], conf["STAFF_SESSION_MAX_SECONDS"]
    return conf["RESIDENT_IDLE_SECONDS"], conf["RESIDENT_SESSION_MAX_SECONDS"]


class SessionLifetimeMiddleware:
    """End a session idle too long or older than its absolute lifetime; the last activity is written at most once
    a minute, so an active user's pages do not each write the session."""

    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            session = request.session
            idle, lifetime = _limits(user)
            login_url = (
                settings.LOGIN_URL if user.is_superuser or user.has_role(*STAFF_ROLES) else "core:phone_login"
            )
            started, seen = session.get("gz_started"), session.get("gz_seen")
            if started is None:
                session["gz_started"] = session["gz_seen"] = now
                session.set_expiry(idle)
            elif now - seen > idle or now - started > lifetime:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"code": "session_expired", "detail": _("登录已超时，请重新登录。")}, status=401
                    )
                messages.info(request, _("长时间未操作或登录时间过长，已自动退出，请重新登录。"))
                return redirect(f"{reverse(login_url)}?{urlencode({'next': request.get_full_path()})}")
            elif now - seen >= self.TOUCH_EVERY:
                session["gz_seen"] = now
                session.set_expiry(idle)
        return self.get_response(request)
