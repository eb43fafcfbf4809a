"""Login lockout (django-axes): after AXES_FAILURE_LIMIT failed passwords for one username from one address,
that pair is refused for AXES_COOLOFF_TIME. Admins unlock early by deleting the attempt in the admin
(访问尝试 / Access attempts) or with `gongzhi axes_reset_username <name>`."""

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_message(request=None) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0
    if minutes:
        return _(
            "登录失败次数过多，该账号在本机已暂时锁定，请 %(minutes)s 分钟后再试，或联系管理员解锁。"
        ) % {"minutes": minutes}
    return _("登录失败次数过多，该账号在本机已锁定，请联系管理员解锁。")


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check before the password backends. A call without a request (a management command, the test
    client's login) has no address to lock and is passed on instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the API answers 429 in its error shape; pages show the login form with the reason."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "locked_out", "detail": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    from .forms import StaffLoginForm

    return render(
        request,
        "core/login.html",
        {"form": StaffLoginForm(request), "locked_out": message, "next": request.POST.get("next", "")},
        status=429,
    )
