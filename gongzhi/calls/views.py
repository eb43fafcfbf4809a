"""POST /api/v1/cti/calls/ (the call centre's events) and the operator's screen-pop (polled by htmx every second)."""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gongzhi.appeals.views import PREFILL_CONTEXT
from gongzhi.core import fieldcrypt
from gongzhi.core.choices import Role
from gongzhi.core.errors import ServiceError
from gongzhi.core.masking import mask_phone
from gongzhi.core.views import role_required

from . import services
from .models import Call, CtiKey


def _error(code: str, detail: str, status: int, field: str = "") -> JsonResponse:
    body = {"code": code, "detail": detail, **({"fields": {field: [detail]}} if field else {})}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _key_of(request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("X-Api-Key", "").strip()


@csrf_exempt
@require_POST
def cti_calls(request):
    """The CTI's events: {"event": "ringing"|"answered"|"ended", "call_id", "caller", "operator_id", "time"
    (ISO 8601, optional), "recording_url" (ended)}, with `Authorization: Bearer <key>`. 201 a new event, 200 one
    already received (idempotent per call_id and event), 401 without a valid key, 400 bad input."""
    raw = _key_of(request)
    if not raw:
        return _error("not_authenticated", "请提供话务系统接口密钥（Authorization: Bearer <密钥>）。", 401)
    key = CtiKey.authenticate(raw)
    if key is None:
        return _error("authentication_failed", "接口密钥无效或已吊销。", 401)
    CtiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return _error("parse_error", "请求体不是合法的 JSON。", 400)
    try:
        call, created = services.record_call_event(key, data)
    except ServiceError as exc:
        return _error(exc.code or "invalid", str(exc.message), 400, exc.field or "")
    return JsonResponse(
        {
            "call_id": call.call_id,
            "state": call.state,
            "duplicate": not created,
            "operator_known": call.operator_id is not None,
        },
        status=201 if created else 200,
    )


@role_required(Role.OPERATOR)
def screen(request):
    """The operator's screen-pop: who is calling and their appeals. Polled every second; 204 (htmx leaves the page
    as it is) while what it shows has not changed, so the appeals are read once per call and state."""
    call = services.current_call(request.user)
    shown = f"{call.pk}:{call.state}" if call else "none"
    if request.GET.get("shown") == shown:
        return HttpResponse(status=204)
    context = {"call": call, "shown": shown}
    if call is not None:
        context.update(
            services.caller_profile(call.caller), masked=mask_phone(call.caller) or _("号码已删除")
        )
    # htmx swaps the fragment into the intake page; opened by itself (a second window beside the CTI) it is a page.
    return render(request, "calls/screen.html" if request.htmx else "calls/screen_page.html", context)


@role_required(Role.OPERATOR)
@require_POST
def start_intake(request, pk: int):
    """登记诉求 from the screen: the intake form opened with the caller's number (kept in the session, not the URL)."""
    call = get_object_or_404(Call, pk=pk, operator=request.user)
    prefill = {"channel": "hotline"}
    if call.caller:  # an erased number leaves the field for the operator to ask
        prefill["appellant_phone"] = fieldcrypt.encrypt(call.caller, PREFILL_CONTEXT)
    request.session["appeal_prefill"] = prefill
    return redirect(reverse("appeals:staff_new"))
