"""附近提醒 (issue J item 5): residents and community workers follow an area — their community, or a radius around a
point — and a category (or all), and are told of new hot spots and of replies there, at once or in a daily digest.

* `subscribe(user, …)` / `unsubscribe(user, pk)`: audited (core audit chain, actions alert_subscribe /
  alert_unsubscribe).
* `hotspot_created(spot_id)` and `appeal_replied(event_id)` run after the commit that made the hot spot or the reply
  (receivers in apps.py): every matching subscription gets one `AlertItem` (unique per subscription and subject);
  an "instant" one is sent at once through core.notices (`nearby_alert`), a "daily" one waits for
  `send_daily_digests()` (a periodic task, once a day: `nearby_digest`, one notice per person).
* What an alert says never carries personal data: titles and labels go through core.redaction, confidential
  appeals are never mentioned, and the appellant of a replied appeal is not told twice (they have their own notice).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal, AppealEvent, Category
from gongzhi.core import geodesy
from gongzhi.core.choices import RegionLevel, Role
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import Region, append_audit_event
from gongzhi.core.notices import send_notice
from gongzhi.core.redaction import redact, redact_appeal

from . import notices as insight_notices
from .models import AlertFrequency, AlertItem, AlertScope, AlertSubscription, HotSpot

SUBSCRIBER_ROLES = (Role.RESIDENT, Role.COMMUNITY_STAFF, Role.GRID_WORKER)
MIN_RADIUS, MAX_RADIUS = 100, 5000
MAX_PER_USER = 20
LINK = "/insight/nearby-alerts/"


def _require_subscriber(user) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDeniedError(_("请先登录。"), code="login_required")
    if not user.has_role(*SUBSCRIBER_ROLES):
        raise PermissionDeniedError(_("只有居民和社区工作人员可以订阅附近提醒。"))


def community_choices() -> list[tuple[int, str]]:
    return [(r.pk, r.name) for r in Region.objects.filter(level=RegionLevel.COMMUNITY).order_by("path")]


def subscribe(
    user,
    *,
    scope: str,
    region=None,
    latitude=None,
    longitude=None,
    radius_m=None,
    category=None,
    frequency: str = AlertFrequency.INSTANT,
) -> AlertSubscription:
    _require_subscriber(user)
    if scope not in AlertScope.values:
        raise ServiceError(_("请选择提醒范围。"), field="scope")
    if frequency not in AlertFrequency.values:
        raise ServiceError(_("请选择提醒方式。"), field="frequency")
    fields = {"scope": scope, "frequency": frequency}
    if scope == AlertScope.COMMUNITY:
        community = (
            Region.objects.filter(pk=getattr(region, "pk", region), level=RegionLevel.COMMUNITY).first()
            if region not in (None, "")
            else None
        )
        if community is None:
            raise ServiceError(_("请选择要关注的社区。"), field="region")
        fields["region"] = community
    else:
        if latitude in (None, "") or longitude in (None, ""):
            raise ServiceError(_("请填写地点的经纬度（或在地图上选点）。"), field="latitude")
        if not geodesy.valid_point(latitude, longitude):
            raise ServiceError(
                _("经纬度无效：纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间。"), field="latitude"
            )
        try:
            radius = int(radius_m)
        except (TypeError, ValueError):
            radius = -1
        if not MIN_RADIUS <= radius <= MAX_RADIUS:
            raise ServiceError(
                _("半径须在 %(lo)d 到 %(hi)d 米之间。") % {"lo": MIN_RADIUS, "hi": MAX_RADIUS},
                field="radius_m",
            )
        fields.update(
            latitude=geodesy.as_decimal(latitude), longitude=geodesy.as_decimal(longitude), radius_m=radius
        )
    if category not in (None, ""):
        found = Category.objects.filter(pk=getattr(category, "pk", category), level=1).first()
        if found is None:
            raise ServiceError(_("请选择一级分类，或留空表示全部。"), field="category")
        fields["category"] = found
    if AlertSubscription.objects.filter(user=user).count() >= MAX_PER_USER:
        raise ServiceError(
            _("最多订阅 %(n)d 个提醒，请先取消不需要的。") % {"n": MAX_PER_USER}, code="too_many"
        )
    with transaction.atomic():
        sub = AlertSubscription.objects.create(user=user, **fields)
        append_audit_event(
            user,
            "alert_subscribe",
            target=f"alert:{sub.pk}",
            note=describe(sub),
            after={
                "scope": sub.scope,
                "region": sub.region_id,
                "radius_m": sub.radius_m,
                "category": sub.category_id,
                "frequency": sub.frequency,
            },
        )
    return sub


def unsubscribe(user, pk: int) -> None:
    _require_subscriber(user)
    with transaction.atomic():
        sub = AlertSubscription.objects.filter(pk=pk, user=user).first()
        if sub is None:
            raise ServiceError(_("该提醒不存在或已取消。"), code="not_found")
        note = describe(sub)
        sub.delete()
        append_audit_event(user, "alert_unsubscribe", target=f"alert:{pk}", note=note)


def describe(sub: AlertSubscription) -> str:
    if sub.scope == AlertScope.COMMUNITY:
        area = sub.region.name if sub.region_id else ""
    else:
        area = _("(%(lat)s, %(lon)s) 周边 %(r)s 米") % {
            "lat": sub.latitude,
            "lon": sub.longitude,
            "r": sub.radius_m,
        }
    what = sub.category.name if sub.category_id else _("全部分类")
    return f"{area} · {what} · {sub.get_frequency_display()}"


# ---------------------------------------------------------------- matching


def _covers(sub: AlertSubscription, appeal: Appeal) -> bool:
    if sub.category_id is not None:
        if appeal.category_id is None or appeal.category.top.pk != sub.category_id:
            return False
    if sub.scope == AlertScope.COMMUNITY:
        return appeal.region.path.startswith(sub.region.path)
    distance = geodesy.haversine_m(sub.latitude, sub.longitude, appeal.latitude, appeal.longitude)
    return distance is not None and distance <= sub.radius_m


def subscriptions_for(appeals: list[Appeal]) -> list[tuple[AlertSubscription, Appeal]]:
    """Each subscription that covers one of `appeals`, with the first appeal it covers."""
    out = []
    subs = AlertSubscription.objects.select_related("user", "region", "category")
    for sub in subs.iterator():
        hit = next((a for a in appeals if _covers(sub, a)), None)
        if hit is not None and sub.user.is_active:
            out.append((sub, hit))
    return out


def _place(appeal: Appeal) -> str:
    region = appeal.region
    if region.level == RegionLevel.GRID and region.parent_id:
        region = region.parent
    return region.name


def _deliver(sub: AlertSubscription, subject: str, text: str, link: str) -> AlertItem | None:
    text = text[:300]
    try:
        with transaction.atomic():
            item = AlertItem.objects.create(subscription=sub, subject=subject, text=text, link=link)
    except IntegrityError:
        return None  # already told of this
    if sub.frequency == AlertFrequency.INSTANT:
        send_notice(
            insight_notices.NEARBY_ALERT.key,
            user=sub.user,
            context={"text": text},
            link=link or LINK,
            key=f"nearby:{item.pk}",
        )
        AlertItem.objects.filter(pk=item.pk).update(sent_at=timezone.now())
    return item


def hotspot_created(spot_id: int) -> int:
    """A new hot spot: tell the subscriptions whose area and category hold one of its (non-confidential) appeals."""
    spot = HotSpot.objects.filter(pk=spot_id).first()
    if spot is None:
        return 0
    appeals = list(
        Appeal.objects.filter(hotspot_membership__hotspot=spot, confidential=False).select_related(
            "region__parent", "category__parent__parent", "appellant"
        )
    )
    if not appeals:
        return 0
    label = redact(spot.title or spot.place) or redact_appeal(appeals[0])[0]
    told = 0
    for sub, appeal in subscriptions_for(appeals):
        text = _("%(place)s：新的热点问题「%(label)s」（%(n)s 件诉求）") % {
            "place": _place(appeal),
            "label": label,
            "n": max(spot.size, len(appeals)),
        }
        told += _deliver(sub, f"hotspot:{spot.pk}", text, LINK) is not None
    return told


def appeal_replied(event_id: int) -> int:
    """An appeal in someone's area was answered: tell them (not its appellant, who has their own notice)."""
    event = (
        AppealEvent.objects.filter(pk=event_id)
        .select_related("appeal__region__parent", "appeal__category__parent__parent", "appeal__appellant")
        .first()
    )
    if event is None or event.appeal.confidential:
        return 0
    appeal = event.appeal
    title = redact_appeal(appeal)[0]
    told = 0
    for sub, _hit in subscriptions_for([appeal]):
        if sub.user_id == appeal.appellant_id:
            continue
        text = _("%(place)s：诉求「%(title)s」已答复") % {"place": _place(appeal), "title": title}
        told += _deliver(sub, f"reply:{appeal.pk}:{event.pk}", text, LINK) is not None
    return told


def send_daily_digests() -> int:
    """Once a day: one `nearby_digest` notice per person with everything their daily subscriptions gathered."""
    pending = (
        AlertItem.objects.filter(sent_at__isnull=True, subscription__frequency=AlertFrequency.DAILY)
        .select_related("subscription__user")
        .order_by("subscription__user_id", "created_at", "pk")
    )
    by_user: dict = {}
    for item in pending:
        by_user.setdefault(item.subscription.user, []).append(item)
    sent = 0
    now = timezone.now()
    for user, items in by_user.items():
        with transaction.atomic():
            lines = "\n".join(f"· {i.text}" for i in items[:30])
            if len(items) > 30:
                lines += "\n" + _("……另有 %(n)s 条，请到“附近提醒”查看。") % {"n": len(items) - 30}
            send_notice(
                insight_notices.NEARBY_DIGEST.key,
                user=user,
                link=LINK,
                context={"count": len(items), "lines": lines},
                key=f"nearby-digest:{user.pk}:{items[-1].pk}",
            )
            AlertItem.objects.filter(pk__in=[i.pk for i in items]).update(sent_at=now)
        sent += 1
    return sent


def recent_items(user, limit: int = 20):
    return (
        AlertItem.objects.filter(subscription__user=user)
        .select_related("subscription")
        .order_by("-created_at", "-pk")[:limit]
    )


# ---------------------------------------------------------------- receivers (connected in apps.py)


def hotspot_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        spot_id = instance.pk
        transaction.on_commit(lambda: _safely(hotspot_created, spot_id))


def appeal_event_saved(sender, instance, created, raw=False, **kwargs):
    from gongzhi.appeals.choices import AppealState

    if (
        created
        and not raw
        and instance.state_after == AppealState.REPLIED
        and instance.state_before != AppealState.REPLIED
    ):
        event_id = instance.pk
        transaction.on_commit(lambda: _safely(appeal_replied, event_id))


def _safely(function, *args) -> None:
    """An alert that fails is logged, never undoes or breaks the change that caused it."""
    import logging

    try:
        function(*args)
    except Exception:
        logging.getLogger(__name__).exception("nearby alert %s%s failed", function.__name__, args)
