"""Core pages: the dashboard, staff and resident login, notifications, counter registration.

Views parse input, call one service and render; role checks raise PermissionDenied (the 403 page).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .choices import Role
from .clientaddr import client_ip
from .errors import RateLimited, ServiceError
from .forms import CodeForm, PhoneForm, RegisterResidentForm, StaffLoginForm
from .ids import parse_id
from .models import User
from .selectors import user_notifications

PHONE_SESSION_KEY = "phone_login_phone"
STAFF_INTAKE_ROLES = (Role.OPERATOR, Role.GRID_WORKER, Role.PARTY_MEMBER, Role.COMMUNITY_STAFF)
REGISTER_ROLES = (Role.OPERATOR, Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.ADMIN)


# ---------------------------------------------------------------- helpers shared by the apps' views


def role_required(*roles):
    """Log in first; then a user without one of `roles` gets the 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def private_file(field_file, name: str, content_type: str) -> FileResponse:
    """An uploaded file, served by a view that has checked who asks (uploads are not public under /media/).
    The type was verified on upload (core/uploads.py); nosniff and a sandboxing CSP keep it from running."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type, filename=name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    return response


def add_service_error(form, exc: ServiceError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# ---------------------------------------------------------------- pages


def privacy(request):
    """个人信息处理规则: what is collected, why, for how long, who sees it, and the person's rights."""
    from django.conf import settings as dj

    from .personal_data import ID_NUMBER_PURPOSE, PRIVACY_PURPOSE, PRIVACY_VERSION

    return render(
        request,
        "core/privacy.html",
        {
            "version": PRIVACY_VERSION,
            "purpose": PRIVACY_PURPOSE,
            "id_purpose": ID_NUMBER_PURPOSE,
            "retention_years": dj.GONGZHI["RETENTION_YEARS"],
            "attachment_years": dj.GONGZHI["ATTACHMENT_RETENTION_YEARS"],
        },
    )


def home(request):
    context = {"cards": [], "links": []}
    if request.user.is_authenticated:
        from . import dashboard

        context.update(dashboard.for_user(request.user))
        context["unread"] = user_notifications(request.user).filter(read_at__isnull=True).count()
        context["latest"] = user_notifications(request.user).filter(read_at__isnull=True)[:5]
    return render(request, "core/home.html", context)


class StaffLoginView(LoginView):
    template_name = "core/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


def phone_login(request):
    """Two steps on one page: send a code to the number, then check it (first login creates the account)."""
    phone = request.session.get(PHONE_SESSION_KEY, "")
    first_login = bool(phone) and not User.objects.filter(phone=phone).exists()
    phone_form, code_form = PhoneForm(initial={"phone": phone}), CodeForm(first_login=first_login)
    step = "verify" if phone else "send"
    if request.method == "POST":
        if request.POST.get("step") == "restart":
            request.session.pop(PHONE_SESSION_KEY, None)
            return redirect("core:phone_login")
        if request.POST.get("step") == "verify" and phone:
            code_form = CodeForm(request.POST, first_login=first_login)
            if code_form.is_valid():
                try:
                    user = services.verify_login_code(
                        phone,
                        code_form.cleaned_data["code"],
                        privacy_consent=code_form.cleaned_data.get("agree", False),
                    )
                except ServiceError as exc:
                    add_service_error(code_form, exc)
                else:
                    request.session.pop(PHONE_SESSION_KEY, None)
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(request, _("登录成功。"))
                    return redirect(safe_next(request, reverse("core:home")))
        else:  # send (or resend) a code
            phone_form = PhoneForm(request.POST) if "phone" in request.POST else PhoneForm({"phone": phone})
            step = "send"
            if phone_form.is_valid():
                try:
                    record = services.send_login_code(phone_form.cleaned_data["phone"], client_ip(request))
                except RateLimited as exc:
                    if phone and request.POST.get("phone", phone) == phone:
                        step = "verify"
                    messages.warning(request, str(exc.message))
                except ServiceError as exc:
                    add_service_error(phone_form, exc)
                else:
                    request.session[PHONE_SESSION_KEY] = record.phone
                    messages.info(
                        request, _("验证码已发送到 %(phone)s，5分钟内有效。") % {"phone": record.phone}
                    )
                    return redirect(_with_next(reverse("core:phone_login"), request))
    return render(
        request,
        "core/phone_login.html",
        {
            "step": step,
            "phone": phone,
            "first_login": first_login,
            "phone_form": phone_form,
            "code_form": code_form,
            "next": safe_next(request, ""),
        },
    )


def _with_next(url: str, request) -> str:
    target = safe_next(request, "")
    if target:
        from urllib.parse import urlencode

        return f"{url}?{urlencode({'next': target})}"
    return url


@login_required
def notifications(request):
    qs = user_notifications(request.user).select_related("unit")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(
        request, "core/notifications.html", {"page": page, "unread": qs.filter(read_at__isnull=True).count()}
    )


@login_required
@require_POST
def notifications_read(request):
    """Mark one message (``id``) or all of the user's messages read."""
    ident = request.POST.get("id", "")
    pk = parse_id(ident)
    services.mark_notifications_read(request.user, ids=None if not ident else [pk] if pk is not None else [])
    return redirect(safe_next(request, reverse("core:notifications")))


@role_required(*REGISTER_ROLES)
def register_resident(request):
    form = RegisterResidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register_resident_at_counter(request.user, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("已为居民「%(name)s」（%(phone)s）登记账号，居民可用手机号和验证码登录。")
                % {"name": user.display_name, "phone": user.phone},
            )
            return redirect("core:register_resident")
    return render(request, "core/register_resident.html", {"form": form})
