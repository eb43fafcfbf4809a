"""The 公众号 (issue I item 3): messages in, appeals out, the binding of openids to accounts, and notices sent as
template messages.

WeChat POSTs each message a follower sends to /wechat/ (views.server checks the signature and decrypts); `handle`
answers with the text of the passive reply. A text of MIN_TEXT characters or more becomes an appeal (channel
`wechat`) of the sender's bound account, or of a new resident account for a new openid; images and locations sent in
the next SUPPLEMENT_MINUTES are added to it (`add_supplement`, the one place that writes a supplement from WeChat).
"""

import logging
import math
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template import TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wechatpy.exceptions import WeChatClientException

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.choices import AppealKind, Channel
from gongzhi.appeals.models import Appeal, Attachment
from gongzhi.core import notices
from gongzhi.core.choices import Role
from gongzhi.core.conf import setting
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import Region, User, append_audit_event
from gongzhi.core.notifications import ChannelRefused
from gongzhi.core.personal_data import record_consent
from gongzhi.core.taskqueue import defer

from .client import client, conf
from .models import Binding, InboundMessage, NoticeTemplate

logger = logging.getLogger("gongzhi.wechat")

MIN_TEXT = 10


def site(path: str) -> str:
    return f"{settings.GONGZHI['SITE_URL'].rstrip('/')}{path}"


def oauth_link(next_path: str) -> str:
    """A link that opens `next_path` logged in by 网页授权 (the menu's links and the replies' links)."""
    from urllib.parse import urlencode

    return site(f"{reverse('wechat:oauth')}?{urlencode({'next': next_path})}")


def help_text() -> str:
    return _(
        "您好，这里是共治·诉求直通车。\n"
        "直接发送文字（不少于%(n)s个字）描述问题，如“某某小区3号楼门口路灯坏了两周”，即登记为诉求；"
        "随后%(m)s分钟内发送的图片和位置会补充到该诉求。\n"
        "也可点菜单「我要反映」填写，「我的诉求」查看进度。\n"
        '提交诉求即表示您同意<a href="%(privacy)s">《个人信息处理规则》</a>。'
    ) % {"n": MIN_TEXT, "m": conf()["SUPPLEMENT_MINUTES"], "privacy": site(reverse("core:privacy"))}


# ---------------------------------------------------------------- accounts and bindings


def account_for(openid: str, *, create: bool = True) -> User | None:
    """The account bound to `openid`; with `create`, a new resident account for a new one. The person was told
    the processing rules with the 公众号's welcome and every reply (help_text), and sends their appeal knowing them:
    the consent is recorded as given through WeChat (subject "wechat")."""
    binding = Binding.objects.select_related("user").filter(openid=openid).first()
    if binding is not None and binding.user.is_active:
        return binding.user
    if not create:
        return None
    with transaction.atomic():
        if binding is not None:  # the account was closed: the openid starts afresh
            binding.delete()
        user = User(username=f"wx-{openid}"[:150], display_name="")
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get_or_create(name=Role.RESIDENT)[0])
        Binding.objects.create(openid=openid, user=user)
        append_audit_event(user, "register_resident", target=f"user:{user.pk}", note=_("微信公众号留言开通"))
        record_consent(user, "privacy", subject="wechat")
    return user


def bind(openid: str, user: User, *, nickname: str = "", phone_confirmed: bool = False) -> Binding:
    """Bind `openid` to `user` (logged in, or who confirmed their phone by code). An account the openid had without a
    phone (made by its first message) is merged into `user`: its appeals and messages move, it is closed."""
    with transaction.atomic():
        old = Binding.objects.select_for_update().select_related("user").filter(openid=openid).first()
        Binding.objects.filter(user=user).exclude(openid=openid).delete()  # one openid per account
        if old is not None and old.user_id != user.pk:
            previous = old.user
            if not previous.phone:
                _merge_account(previous, user)
            old.user = user
        binding = old or Binding(openid=openid, user=user)
        binding.subscribed = True
        binding.nickname = nickname[:64] or binding.nickname
        if phone_confirmed:
            binding.phone_confirmed_at = timezone.now()
        binding.save()
        append_audit_event(
            user,
            "wechat_bind",
            target=f"user:{user.pk}",
            note=_("绑定微信"),
            after={"openid": openid[:6] + "…", "phone_confirmed": phone_confirmed},
        )
    return binding


def _merge_account(source: User, target: User) -> None:
    from gongzhi.core.models import Notification

    moved = Appeal.objects.filter(appellant=source).update(appellant=target)
    Appeal.objects.filter(appellant=target, appellant_phone="").update(appellant_phone=target.phone or "")
    Notification.objects.filter(recipient=source).update(recipient=target)
    source.is_active = False
    source.username = f"merged-{source.pk}"
    source.save(update_fields=["is_active", "username"])
    append_audit_event(
        target,
        "merge_account",
        target=f"user:{target.pk}",
        note=_("微信账号并入本人账号"),
        before={"user": source.pk},
        after={"appeals": moved},
    )


def bind_by_phone(
    openid: str, phone: str, code: str, *, privacy_consent: bool = False, nickname: str = ""
) -> User:
    """A person confirms their phone by the login code (core's phone-code login, which opens an account for a new
    number with their consent): the openid is bound to that number's account."""
    from gongzhi.core.services import verify_login_code

    user = verify_login_code(phone, code, privacy_consent=privacy_consent)
    bind(openid, user, nickname=nickname, phone_confirmed=True)
    return user


def unbind(user: User) -> bool:
    """The person unbinds their WeChat (解除绑定), withdrawing their consent to its use (个人信息保护法 第15、47条): the
    binding and the log of what that WeChat sent go; the appeals it made stay (the county's records, with their own
    retention). The openid no longer logs in or reaches this account, notices go by SMS again, and a later message from
    that WeChat starts afresh, as from anyone unbound. An account that has no phone (opened by a message) can only be
    reached through its WeChat, so it is refused: the person confirms a phone first, or closes the account. False
    when nothing was bound."""
    with transaction.atomic():
        binding = Binding.objects.select_for_update().filter(user=user).first()
        if binding is None:
            return False
        if not user.phone:
            raise ServiceError(
                _(
                    "您的账号是在公众号留言时开通的，只能通过微信登录。请先验证手机号，或在「我的数据」中注销账号。"
                ),
                code="phone_needed",
            )
        messages = InboundMessage.objects.filter(openid=binding.openid).delete()[0]
        binding.delete()
        append_audit_event(
            user,
            "wechat_unbind",
            target=f"user:{user.pk}",
            note=_("解除微信绑定"),
            before={"openid": binding.openid[:6] + "…", "nickname": binding.nickname, "messages": messages},
        )
    return True


def prune_log(now=None) -> int:
    """Delete the log of messages received more than WECHAT_LOG_DAYS ago (the appeals they made keep their content);
    audited when it deleted any."""
    days = int(setting("WECHAT_LOG_DAYS"))
    with transaction.atomic():
        deleted = InboundMessage.objects.filter(
            received_at__lt=(now or timezone.now()) - timedelta(days=days)
        ).delete()[0]
        if deleted:
            append_audit_event(
                None,
                "wechat_log_retention",
                target="wechat",
                note=_("公众号消息记录满%(n)s天，依保存期限删除") % {"n": days},
                after={"messages": deleted},
            )
    return deleted


def unsubscribed(openid: str, subscribed: bool = False) -> None:
    Binding.objects.filter(openid=openid).update(subscribed=subscribed)


def export_binding(user: User) -> list[dict]:
    return [
        {
            "openid": b.openid,
            "绑定时间": timezone.localtime(b.created_at).strftime("%Y-%m-%d %H:%M"),
            "已关注": "是" if b.subscribed else "否",
        }
        for b in Binding.objects.filter(user=user)
    ]


def erase_binding(user: User) -> int:
    """Closing the account: the binding and the log of the openid's messages go (the appeals stay, anonymised)."""
    openids = list(Binding.objects.filter(user=user).values_list("openid", flat=True))
    return (
        InboundMessage.objects.filter(openid__in=openids).delete()[0]
        + Binding.objects.filter(user=user).delete()[0]
    )


# ---------------------------------------------------------------- messages


def default_region() -> Region | None:
    code = conf()["REGION"]
    if code:
        return Region.objects.filter(code=code).first()
    return Region.objects.filter(parent__isnull=True).order_by("pk").first()


def handle(message) -> str:
    """The passive reply's text for a parsed message (wechatpy.parse_message); "" for nothing to say. A message
    WeChat repeats (same MsgId) gets the first answer again and makes nothing twice."""
    msg_type = message.type if message.type != "event" else f"event:{message.event}"
    key = (
        f"msg:{message.id}"
        if getattr(message, "id", None)
        else f"evt:{message.source}:{message.time}:{msg_type}"
    )
    try:
        with transaction.atomic():
            record = InboundMessage.objects.create(
                msg_key=key[:80],
                openid=message.source,
                msg_type=msg_type[:16],
                media_id=getattr(message, "media_id", "") or "",
            )
            reply = _answer(message, record)
            record.reply = reply
            record.save(update_fields=["reply", "appeal"])
    except IntegrityError:
        seen = InboundMessage.objects.filter(msg_key=key[:80]).first()
        return seen.reply if seen else ""
    return reply


def _answer(message, record: InboundMessage) -> str:
    kind = message.type
    if kind == "event":
        if message.event == "subscribe":
            unsubscribed(message.source, subscribed=True)
            return help_text()
        if message.event == "unsubscribe":
            unsubscribed(message.source)
        return ""
    if kind == "text":
        return _text(message, record)
    if kind in ("image", "location"):
        user = account_for(message.source, create=False)
        appeal = recent_appeal(user) if user else None
        if appeal is None:
            return _("请先发送文字（不少于%(n)s个字）描述您的诉求，再发送图片或位置。") % {"n": MIN_TEXT}
        record.appeal = appeal
        if kind == "image":
            from .tasks import fetch_image as fetch_image_task

            defer(fetch_image_task, record.pk)
            return _("图片已收到，将补充到诉求 %(number)s。") % {"number": appeal.number}
        lon, lat = gcj02_to_wgs84(float(message.location_y), float(message.location_x))
        try:
            add_supplement(
                appeal.pk,
                user,
                longitude=Decimal(f"{lon:.6f}"),
                latitude=Decimal(f"{lat:.6f}"),
                address=(message.label or "")[:200],
            )
        except ServiceError as exc:
            return str(exc.message)
        return _("位置已补充到诉求 %(number)s：%(label)s") % {
            "number": appeal.number,
            "label": message.label or "",
        }
    return help_text()


def _text(message, record: InboundMessage) -> str:
    content = (message.content or "").strip()
    if len(content) < MIN_TEXT:
        return help_text()
    region = default_region()
    if region is None:
        logger.error("wechat: no region to file appeals in (GONGZHI_WECHAT_REGION)")
        return _("系统暂时无法受理，请拨打热线或稍后再试。")
    user = account_for(message.source)
    title = content.replace("\n", " ")[:20]
    try:
        appeal, _code = appeal_services.submit_appeal(
            user,
            kind=AppealKind.HELP,
            channel=Channel.WECHAT,
            title=title if len(title) >= 4 else content[:20],
            content=content[:10000],
            region=region,
            client_key=f"wechat:{message.id}",
            delegated=True,
        )
    except ServiceError as exc:
        return str(exc.message)
    record.appeal = appeal
    return _(
        "您的诉求已受理，编号 %(number)s。\n"
        '%(m)s分钟内发送图片或位置可补充到此诉求，也可<a href="%(link)s">点此补充地点和照片</a>、'
        '查看办理进度。\n提交即表示您同意<a href="%(privacy)s">《个人信息处理规则》</a>。'
    ) % {
        "number": appeal.number,
        "m": conf()["SUPPLEMENT_MINUTES"],
        "link": oauth_link(reverse("wechat:supplement", args=[appeal.pk])),
        "privacy": site(reverse("core:privacy")),
    }


def recent_appeal(user: User) -> Appeal | None:
    """The person's open WeChat appeal received in the last SUPPLEMENT_MINUTES, which images and locations join."""
    since = timezone.now() - timedelta(minutes=conf()["SUPPLEMENT_MINUTES"])
    return (
        Appeal.objects.filter(appellant=user, channel=Channel.WECHAT, received_at__gte=since)
        .exclude(state__in=["closed", "merged"])
        .order_by("-received_at", "-pk")
        .first()
    )


def fetch_image(record_id: int) -> None:
    """Task: download an image a follower sent (media/get: WeChat keeps it 3 days) and add it to the appeal."""
    record = InboundMessage.objects.select_related("appeal").filter(pk=record_id).first()
    if record is None or record.appeal is None or not record.media_id:
        return
    if Attachment.objects.filter(appeal=record.appeal, name__startswith=f"wechat-{record.pk}-").exists():
        return  # done before (the task ran twice)
    response = client().media.download(record.media_id)
    if isinstance(response, dict):  # wechatpy raises on errcode; a JSON answer without one is no image
        raise ServiceError(_("微信未返回图片。"))
    ctype = response.headers.get("Content-Type", "image/jpeg").split(";")[0].strip()
    ext = settings.GONGZHI["ATTACHMENT_TYPES"].get(ctype, ".jpg")
    upload = ContentFile(response.content, name=f"wechat-{record.pk}-{record.media_id[:16]}{ext}")
    upload.content_type = ctype
    user = account_for(record.openid, create=False)
    add_supplement(record.appeal_id, user, files=[upload])


def add_supplement(
    appeal_id: int,
    actor: User,
    *,
    files=(),
    longitude: Decimal | None = None,
    latitude: Decimal | None = None,
    address: str = "",
    text: str = "",
    note: str = "微信补充",
) -> Appeal:
    """The appellant adds photos, a place or words to their open appeal by WeChat: the appeals `supplement` action
    (its checks, its event, the unit told), the channel named on the event."""
    if actor is None:
        raise ServiceError(_("只能补充本人的诉求。"))
    return appeal_services.supplement(
        actor,
        appeal_id,
        text=text,
        attachments=files,
        longitude=longitude,
        latitude=latitude,
        address=address,
        source=note,
    )


# GCJ-02 (the coordinates of WeChat's location messages, from Tencent's maps) back to WGS-84, which appeals store:
# the published forward transform, inverted by iteration (error under 1 cm after a few steps).
_A, _EE = 6378245.0, 0.00669342162296594323


def _delta(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
        + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = (dlon * 180.0) / (_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    dlon, dlat = _delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    wlon, wlat = lon, lat
    for _i in range(5):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        wlon, wlat = wlon - (glon - lon), wlat - (glat - lat)
    return wlon, wlat


# ---------------------------------------------------------------- notices as template messages

# WeChat's answers that no retry will change: not following (43004), refused by the person (43101), a wrong openid
# (40003) or template (40037), arguments refused (47003). The notice then goes by SMS at once.
PERMANENT = {43004, 43101, 40003, 40037, 47003}


def configured() -> bool:
    return bool(conf()["APPID"] and conf()["SECRET"])


def wechat_notice_data(user: User, kind_key: str) -> dict | None:
    """core.notices.channel_for asks: the channel data when `user` follows and is bound and `kind_key` has an enabled
    template, else None (the notice goes by SMS)."""
    if not configured():
        return None
    openid = Binding.objects.filter(user=user, subscribed=True).values_list("openid", flat=True).first()
    if not openid:
        return None
    template = NoticeTemplate.objects.filter(kind=kind_key, enabled=True).first()
    if template is None:
        return None
    return {"openid": openid, "template_id": template.template_id, "fields": template.fields}


def send_template_notice(notification) -> None:
    """Deliver one WeChat row (core.notifications' sender for the channel)."""
    data = notification.channel_data or {}
    payload = {name: {"value": value} for name, value in (data.get("fields") or {}).items()}
    url = site(notification.link) if notification.link else None
    try:
        client().message.send_template(data["openid"], data["template_id"], payload, url=url)
    except WeChatClientException as exc:
        if exc.errcode == 43004:
            unsubscribed(data["openid"])
        if exc.errcode in PERMANENT:
            raise ChannelRefused(f"微信 {exc.errcode}: {exc.errmsg}") from exc
        raise


def validate_template_fields(kind_key: str, template_id: str, fields) -> dict[str, list[str]]:
    kind = notices.get_kind(kind_key, default=None)
    if kind is None:
        return {"kind": [_("未知的通知类型「%(k)s」。") % {"k": kind_key}]}
    if not (template_id or "").strip():
        return {"template_id": [_("请填写公众号后台的模板ID。")]}
    if (
        not isinstance(fields, dict)
        or not fields
        or not all(isinstance(k, str) and isinstance(v, str) and k.strip() for k, v in fields.items())
    ):
        return {"fields": [_('模板字段须为「字段名: 取值模板」，如 {"character_string1": "{{ number }}"}。')]}
    for name, source in fields.items():
        bad = notices._disallowed(source)
        if bad:
            return {"fields": [_("字段 %(f)s 不能使用：%(t)s。") % {"f": name, "t": "、".join(bad)}]}
        try:
            template = notices.ENGINE.from_string(source)
        except TemplateSyntaxError as exc:
            return {"fields": [_("字段 %(f)s 模板语法错误：%(e)s") % {"f": name, "e": exc}]}
        unknown = sorted(notices._variables_used(template) - set(kind.variables))
        if unknown:
            return {
                "fields": [
                    _("字段 %(f)s 使用了未知变量：%(v)s。可用变量：%(ok)s。")
                    % {"f": name, "v": "、".join(unknown), "ok": "、".join(kind.variables) or _("无")}
                ]
            }
    return {}


def create_menu() -> dict:
    """The 公众号's menu (自定义菜单): each button opens a mobile page through 网页授权."""
    menu = {
        "button": [
            {"type": "view", "name": "我要反映", "url": oauth_link(reverse("appeals:new"))},
            {"type": "view", "name": "我的诉求", "url": oauth_link(reverse("appeals:mine"))},
            {
                "name": "更多",
                "sub_button": [
                    {"type": "view", "name": "查询进度", "url": site(reverse("appeals:track"))},
                    {"type": "view", "name": "绑定手机", "url": oauth_link(reverse("wechat:bind"))},
                    {"type": "view", "name": "通知设置", "url": oauth_link(reverse("core:account"))},
                ],
            },
        ]
    }
    client().menu.create(menu)
    return menu
