"""Insight pages: hot spots (+ Excel export), surge alerts, the leader's overview (大屏) and per-street views.

Read-only pages: they read through appeals.selectors.visible_appeals and render; nothing here writes.
"""

from collections import Counter
from datetime import timedelta
from io import BytesIO

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.selectors import visible_appeals
from gongzhi.core.choices import RegionLevel, Role
from gongzhi.core.models import Region
from gongzhi.core.views import role_required

from . import charts, surges
from .models import HotSpot

STAFF_ROLES = tuple(r for r in Role.values if r != Role.RESIDENT)
LEADER_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.ADMIN)
SPARK_DAYS = 30


def hotspot_rows(user, limit: int = 50) -> list[dict]:
    """The hot spots that have appeals this user may see, ranked by heat; members anonymised (no names)."""
    visible = visible_appeals(user)
    spots = list(HotSpot.objects.filter(members__appeal__in=visible.values("pk")).distinct()[:limit])
    today = timezone.localdate()
    rows = []
    for rank, spot in enumerate(spots, 1):
        members = list(visible.filter(hotspot_membership__hotspot=spot).order_by("received_at", "pk"))
        per_day = Counter(timezone.localtime(a.received_at).date() for a in members)
        end = max(today, max(per_day, default=today))
        spark = [per_day.get(end - timedelta(days=k), 0) for k in range(SPARK_DAYS - 1, -1, -1)]
        rows.append({"rank": rank, "spot": spot, "members": members, "spark": charts.sparkline(spark),
                     "spark_id": f"spark-{spot.pk}"})
    return rows


@role_required(*STAFF_ROLES)
def hotspot_list(request):
    return render(request, "insight/hotspots.html", {"rows": hotspot_rows(request.user)})


@role_required(*STAFF_ROLES)
def hotspot_export(request):
    """The competition's two tables (热点问题表, 热点问题留言明细表) as one Excel workbook."""
    from openpyxl import Workbook

    rows = hotspot_rows(request.user, limit=200)
    wb = Workbook()
    ws = wb.active
    ws.title = "热点问题表"
    ws.append(["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"])
    for row in rows:
        s = row["spot"]
        span = f"{timezone.localtime(s.start):%Y/%m/%d} 至 {timezone.localtime(s.end):%Y/%m/%d}" if s.start else ""
        ws.append([row["rank"], s.pk, round(s.heat, 3), span, s.place, s.label])
    detail = wb.create_sheet("热点问题留言明细表")
    detail.append(["问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"])
    pseudonyms: dict = {}
    for row in rows:
        for a in row["members"]:
            key = a.appellant_id or f"a{a.pk}"
            user = pseudonyms.setdefault(key, f"居民{len(pseudonyms) + 1:04d}")
            detail.append([row["spot"].pk, a.number, user, a.title,
                           timezone.localtime(a.received_at).strftime("%Y/%m/%d %H:%M:%S"), a.content, 0, 0])
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename=hotspots.xlsx"
    return response


@role_required(*LEADER_ROLES)
def alerts(request):
    days = 7
    found = surges.appeal_alerts(visible_appeals(request.user), days=days)
    return render(request, "insight/alerts.html", {
        "alerts": found, "days": days, "baseline_days": surges.BASELINE_DAYS, "alpha": surges.ALPHA,
        "min_count": surges.MIN_COUNT})


def _with_chart_list(data: dict) -> dict:
    data["chart_list"] = [{"name": name, "id": f"opt-{name}", "option": option}
                          for name, option in data["charts"].items()]
    return data


def _streets():
    return list(Region.objects.filter(level=RegionLevel.STREET).order_by("path"))


@role_required(*LEADER_ROLES)
def overview(request):
    data = _with_chart_list(charts.dashboard_data(visible_appeals(request.user)))
    return render(request, "insight/overview.html", {**data, "streets": _streets(), "street": None,
                                                     "heading": _("诉求态势总览")})


@role_required(*LEADER_ROLES)
def street_view(request, pk: int):
    street = get_object_or_404(Region, pk=pk)
    if street.level != RegionLevel.STREET:
        raise Http404
    data = _with_chart_list(charts.dashboard_data(visible_appeals(request.user), street=street))
    return render(request, "insight/overview.html", {**data, "streets": _streets(), "street": street,
                                                     "heading": _("%(s)s 诉求态势") % {"s": street.name}})
