"""My account (我的账户): the account's masked contact details, the notification preferences, and the second
factor (二次验证: binding an authenticator app, the code after the password, backup codes).

The page and `GET/PUT /api/v1/me/notification-preferences/` both call `notices.update_notification_preferences`.
"""

import base64

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login

from . import notices, personal_data, twofactor
from .errors import ServiceError
from .forms import ChineseForm
from .spreadsheets import XLSX_TYPE
from .views import add_service_error


class NotificationPreferenceForm(ChineseForm):
    sms = forms.BooleanField(label=gettext_lazy("短信通知"), required=False)
    email = forms.BooleanField(label=gettext_lazy("邮件通知"), required=False)
    email_address = forms.EmailField(
        label=gettext_lazy("电子邮箱"),
        required=False,
        max_length=254,
        error_messages={"invalid": gettext_lazy("请输入正确的电子邮箱地址。")},
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.optional_kinds = [k for k in kinds if not k.mandatory]
        for kind in self.optional_kinds:
            self.fields[f"kind_{kind.key}"] = forms.BooleanField(
                label=kind.label, required=False, help_text=kind.description
            )

    def kind_fields(self):
        return [self[f"kind_{k.key}"] for k in self.optional_kinds]

    def disabled_kinds(self) -> list[str]:
        return [k.key for k in self.optional_kinds if not self.cleaned_data.get(f"kind_{k.key}")]


@login_required
def account(request):
    user = request.user
    kinds = [k for k in notices.kinds() if k.listed]
    summary = notices.preference_summary(user)
    enabled = {k["kind"]: k["enabled"] for k in summary["kinds"]}
    initial = {
        "sms": summary["sms"],
        "email": summary["email"],
        "email_address": user.email,
        **{f"kind_{k.key}": enabled[k.key] for k in kinds if not k.mandatory},
    }
    form = NotificationPreferenceForm(request.POST or None, initial=initial, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notices.update_notification_preferences(
                user,
                user,
                sms=data["sms"],
                email=data["email"],
                email_address=data["email_address"],
                disabled=form.disabled_kinds(),
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("通知偏好已保存。"))
            return redirect("core:account")
    return render(
        request,
        "core/account.html",
        {
            "form": form,
            "summary": summary,
            "mandatory": [k for k in kinds if k.mandatory],
            "is_resident": not (user.is_superuser or user.has_role(*twofactor.STAFF_ROLES)),
            "second_factor_enrolled": twofactor.is_enrolled(user),
        },
    )


# ---------------------------------------------------------------- second factor (core.twofactor)


class SecondFactorForm(ChineseForm):
    code = forms.CharField(
        label=gettext_lazy("验证码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=gettext_lazy("身份验证器上的6位数字；手机不在身边时可输入一个备用验证码。"),
    )


def _next(request) -> str:
    from .views import safe_next

    return safe_next(request, reverse("core:home"))


@login_required
def second_factor(request):
    """我的账户 → 二次验证: whether it is on, backup codes left, new backup codes."""
    user = request.user
    codes = None
    if request.method == "POST" and twofactor.is_enrolled(user) and user.is_verified():
        codes = twofactor.regenerate_backup_codes(user)
        messages.success(request, _("已生成新的备用验证码，旧的备用验证码全部作废。"))
    return render(
        request,
        "core/second_factor.html",
        {
            "enrolled": twofactor.is_enrolled(user),
            "required": twofactor.required_for(user),
            "left": twofactor.backup_codes_left(user),
            "codes": codes,
        },
    )


@login_required
def second_factor_setup(request):
    """Bind an authenticator app: the QR code of a new device, confirmed by its first code; then the backup codes
    (shown once)."""
    user = request.user
    if twofactor.is_enrolled(user) and not user.is_verified():
        return redirect(f"{reverse('core:2fa_verify')}?{urlencode({'next': _next(request)})}")
    device = twofactor.pending_device(user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_enrolment(user, form.cleaned_data["code"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            device.refresh_from_db()
            otp_login(request, device)
            return render(
                request,
                "core/second_factor.html",
                {
                    "enrolled": True,
                    "required": twofactor.required_for(user),
                    "left": len(codes),
                    "codes": codes,
                    "just_enrolled": True,
                    "next": _next(request),
                },
            )
    qr = segno.make(device.config_url, error="m")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "core/second_factor_setup.html",
        {
            "form": form,
            "qr": qr.svg_inline(scale=5, dark="#1f2933", title=_("身份验证器二维码")),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _next(request),
        },
    )


@login_required
def second_factor_verify(request):
    """The code after the password, once per session."""
    user = request.user
    if not twofactor.is_enrolled(user):
        return redirect(f"{reverse('core:2fa_setup')}?{urlencode({'next': _next(request)})}")
    if user.is_verified():
        return redirect(_next(request))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.check_code(user, form.cleaned_data["code"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            otp_login(request, device)
            return redirect(_next(request))
    return render(request, "core/second_factor_verify.html", {"form": form, "next": _next(request)})


# ---------------------------------------------------------------- my data (个人信息保护法 第44–47条)


class CloseAccountForm(ChineseForm):
    confirm = forms.CharField(label=gettext_lazy("请输入“注销”两字确认"), max_length=10)
    reason = forms.CharField(label=gettext_lazy("注销原因（选填）"), max_length=200, required=False)

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != "注销":
            raise forms.ValidationError(_("请输入“注销”两字确认。"))
        return "注销"


def can_close(user) -> bool:
    """Residents and enterprise contacts close their own account; staff accounts are the admin's."""
    return not (user.is_staff or user.is_superuser or user.has_role(*twofactor.STAFF_ROLES))


@login_required
def my_data(request):
    """我的数据: what the platform holds about me, to download; and closing my account."""
    user = request.user
    fmt = request.GET.get("download")
    if fmt == "json":
        response = HttpResponse(personal_data.export_json(user, user), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
    if fmt == "xlsx":
        response = HttpResponse(personal_data.export_xlsx(user, user), content_type=XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="my-data.xlsx"'
        return response
    form = CloseAccountForm(request.POST or None)
    if request.method == "POST":
        if not can_close(user):
            messages.error(request, _("工作人员账号由系统管理员停用，不能在此注销。"))
        elif form.is_valid():
            personal_data.close_account(user, reason=form.cleaned_data["reason"])
            logout(request)
            messages.success(
                request, _("您的账号已注销，个人信息已删除。已提交的诉求去除个人信息后保留，用于统计。")
            )
            return redirect("core:home")
    sections = {
        k: {
            "title": v["title"],
            "count": len(v["rows"]),
            "manage": reverse(manage) if v["rows"] and (manage := personal_data.manage_url_name(k)) else "",
        }
        for k, v in personal_data.collect(user).items()
    }
    return render(
        request, "core/my_data.html", {"sections": sections, "form": form, "can_close": can_close(user)}
    )
