"""The 公众号's server URL (/wechat/), 网页授权 (OAuth) login and binding, and the page to add place and photos."""

import logging
import secrets
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wechatpy import create_reply, parse_message
from wechatpy.exceptions import InvalidSignatureException, WeChatException
from wechatpy.utils import check_signature

from gongzhi.appeals.models import Appeal
from gongzhi.core import services as core_services
from gongzhi.core.choices import Role
from gongzhi.core.clientaddr import client_ip
from gongzhi.core.errors import RateLimited, ServiceError
from gongzhi.core.forms import ChineseForm, CodeForm, PhoneForm
from gongzhi.core.models import User
from gongzhi.core.views import add_service_error, safe_next

from . import client as wx
from . import services
from .models import Binding

logger = logging.getLogger("gongzhi.wechat")

OPENID_KEY, STATE_KEY, PHONE_KEY = "wechat_openid", "wechat_oauth", "wechat_bind_phone"


@csrf_exempt
def server(request):
    """WeChat's calls: GET to verify the URL (echostr back when the signature holds), POST with a message, in
    plaintext or 安全模式 (encrypt_type=aes, the body encrypted and signed with msg_signature)."""
    conf = wx.conf()
    q = request.GET
    if not conf["TOKEN"]:
        raise Http404  # this site has no 公众号
    try:
        check_signature(conf["TOKEN"], q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", ""))
    except InvalidSignatureException:
        return HttpResponseForbidden("invalid signature")
    if request.method == "GET":
        return HttpResponse(q.get("echostr", ""), content_type="text/plain")
    if request.method != "POST":
        return HttpResponse(status=405)
    aes = q.get("encrypt_type") == "aes"
    crypto = wx.crypto() if aes else None
    if aes and crypto is None:
        return HttpResponseForbidden("encrypted message without an EncodingAESKey")
    body = request.body
    try:
        if crypto is not None:
            body = crypto.decrypt_message(
                body, q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
            )
        message = parse_message(body)
    except InvalidSignatureException:
        return HttpResponseForbidden("invalid msg_signature")
    except Exception:  # not WeChat's XML, or a broken cipher text
        logger.warning("wechat: unreadable message", exc_info=True)
        return HttpResponseBadRequest("bad message")
    text = services.handle(message)
    if not text:
        return HttpResponse("success", content_type="text/plain")  # WeChat's "nothing to reply"
    xml = create_reply(text, message).render()
    if crypto is not None:
        xml = crypto.encrypt_message(xml, q.get("nonce", ""), q.get("timestamp"))
    return HttpResponse(xml, content_type="application/xml")


# ---------------------------------------------------------------- 网页授权


def oauth(request):
    """The menu's links: on to WeChat's authorize page, which comes back to oauth_callback with a code."""
    if not services.configured():
        return render(
            request,
            "wechat/message.html",
            {"title": _("未启用微信登录"), "text": _("本站尚未配置微信公众号。")},
            status=404,
        )
    state = secrets.token_urlsafe(12)
    request.session[STATE_KEY] = {"state": state, "next": safe_next(request, reverse("core:home"))}
    scope = "snsapi_userinfo" if request.GET.get("scope") == "userinfo" else ""
    redirect_uri = request.build_absolute_uri(reverse("wechat:oauth_callback"))
    return redirect(wx.oauth(redirect_uri, scope=scope, state=state).authorize_url)


def oauth_callback(request):
    pending = request.session.pop(STATE_KEY, None) or {}
    code, state = request.GET.get("code", ""), request.GET.get("state", "")
    if not code:  # the person declined (snsapi_userinfo) or the link was opened outside WeChat
        return render(
            request,
            "wechat/message.html",
            {"title": _("未授权"), "text": _("您未同意授权，可用手机号验证码登录。")},
            status=400,
        )
    if not pending or not secrets.compare_digest(state, pending.get("state", "")):
        return render(
            request,
            "wechat/message.html",
            {"title": _("链接已失效"), "text": _("请从公众号菜单重新进入。")},
            status=400,
        )
    auth = wx.oauth(request.build_absolute_uri(reverse("wechat:oauth_callback")))
    try:
        token = auth.fetch_access_token(code)
        nickname = ""
        if "snsapi_userinfo" in token.get("scope", ""):
            nickname = auth.get_user_info().get("nickname", "")
    except WeChatException as exc:
        logger.warning("wechat oauth: %s", exc)
        return render(
            request,
            "wechat/message.html",
            {"title": _("微信登录失败"), "text": _("请从公众号菜单重新进入。")},
            status=400,
        )
    openid = token["openid"]
    target = pending.get("next") or reverse("core:home")
    user = services.account_for(openid, create=False)
    if (
        user is None
        and request.user.is_authenticated
        and request.user.has_role(Role.RESIDENT)
        and not request.user.is_staff
    ):
        services.bind(openid, request.user, nickname=nickname)  # logged in already: that account is theirs
        user = request.user
    if user is None:
        request.session[OPENID_KEY] = {"openid": openid, "nickname": nickname}
        return redirect(f"{reverse('wechat:bind')}?{urlencode({'next': target})}")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[OPENID_KEY] = {"openid": openid, "nickname": nickname}
    return redirect(target)


def bind(request):
    """Confirm one's phone by code to bind the openid of this WeChat session to that number's account (a new number
    opens an account, with the person's consent to the processing rules)."""
    pending = request.session.get(OPENID_KEY)
    if not pending:
        if not services.configured():
            raise Http404
        return redirect(f"{reverse('wechat:oauth')}?{urlencode({'next': reverse('wechat:bind')})}")
    phone = request.session.get(PHONE_KEY, "")
    first = bool(phone) and not User.objects.filter(phone=phone).exists()
    phone_form, code_form = PhoneForm(initial={"phone": phone}), CodeForm(first_login=first)
    step = "verify" if phone else "send"
    target = safe_next(request, reverse("appeals:mine"))
    if request.method == "POST":
        if request.POST.get("step") == "restart":
            request.session.pop(PHONE_KEY, None)
            return redirect("wechat:bind")
        if request.POST.get("step") == "verify" and phone:
            code_form = CodeForm(request.POST, first_login=first)
            if code_form.is_valid():
                try:
                    user = services.bind_by_phone(
                        pending["openid"],
                        phone,
                        code_form.cleaned_data["code"],
                        privacy_consent=code_form.cleaned_data.get("agree", False),
                        nickname=pending.get("nickname", ""),
                    )
                except ServiceError as exc:
                    add_service_error(code_form, exc)
                else:
                    request.session.pop(PHONE_KEY, None)
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    request.session[OPENID_KEY] = pending
                    messages.success(request, _("已绑定微信，办理进展将通过公众号通知您。"))
                    return redirect(target)
        else:
            phone_form = PhoneForm(request.POST)
            step = "send"
            if phone_form.is_valid():
                try:
                    record = core_services.send_login_code(
                        phone_form.cleaned_data["phone"], client_ip(request)
                    )
                except RateLimited as exc:
                    phone_form.add_error("phone", str(exc.message))
                except ServiceError as exc:
                    add_service_error(phone_form, exc)
                else:
                    request.session[PHONE_KEY] = record.phone
                    return redirect(f"{reverse('wechat:bind')}?{urlencode({'next': target})}")
    return render(
        request,
        "wechat/bind.html",
        {
            "step": step,
            "phone": phone,
            "first_login": first,
            "phone_form": phone_form,
            "code_form": code_form,
            "next": target,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def binding(request):
    """我的微信绑定: which WeChat is bound to this account, and 解除绑定 (POST, after the page's confirmation)."""
    if request.method == "POST":
        try:
            unbound = services.unbind(request.user)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            if unbound:
                request.session.pop(OPENID_KEY, None)  # this browser no longer speaks for that WeChat
                messages.success(
                    request, _("已解除微信绑定。办理进展改用短信通知您；以后可从公众号菜单重新绑定。")
                )
            else:
                messages.info(request, _("您的账号没有绑定微信。"))
        return redirect("wechat:binding")
    bound = Binding.objects.filter(user=request.user).first()
    return render(request, "wechat/binding.html", {"binding": bound, "phone_needed": not request.user.phone})


class SupplementForm(ChineseForm):
    address = forms.CharField(
        label=gettext_lazy("详细地点"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("如：幸福小区3号楼东侧"),
    )
    text = forms.CharField(
        label=gettext_lazy("补充说明"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
def supplement(request, pk: int):
    """补充地点和照片 (the passive reply's link): the appellant's own open appeal."""
    appeal = Appeal.objects.filter(pk=pk, appellant=request.user).first()
    if appeal is None:
        raise Http404
    form = SupplementForm(request.POST or None)
    photos = request.FILES.getlist("photos")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not (photos or data["address"] or data["text"]):
            form.add_error(None, _("请填写地点、补充说明或选择照片。"))
        else:
            try:
                services.add_supplement(
                    appeal.pk,
                    request.user,
                    files=photos,
                    address=data["address"],
                    text=data["text"],
                    note=_("微信补充"),
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("已补充到诉求 %(number)s。") % {"number": appeal.number})
                return redirect("appeals:detail", pk=appeal.pk)
    return render(request, "wechat/supplement.html", {"form": form, "appeal": appeal})
