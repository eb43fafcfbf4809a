"""Insight pages: hot spots (+ Excel export, → deliberation topic), surge alerts (→ proactive tasks), the
leader's overview (大屏) and per-street views, residents' co-signs (附议).

Reads go through appeals.selectors.visible_appeals / proactive.visible_tasks; each POST calls one service.
"""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.appeals.selectors import visible_appeals
from gongzhi.core.choices import RegionLevel, Role
from gongzhi.core.errors import ServiceError
from gongzhi.core.ids import parse_id
from gongzhi.core.models import Region
from gongzhi.core.permissions import LEADER_ROLES, STAFF_ROLES
from gongzhi.core.views import role_required

from . import actions as insight_actions
from . import alerts as alert_service
from . import charts, proactive, surges
from . import cosign as cosign_service
from . import spots as spot_service
from . import topics as topic_service
from .forms import AlertSubscriptionForm, ProactiveTaskForm


def _hotspot_page(request, rename_error: dict | None = None, status: int = 200):
    from gongzhi.core.permissions import is_manager

    rows = spot_service.hotspot_rows(request.user)
    for row in rows:  # a name refused: its box shows the reason and what was typed
        row["rename_error"] = rename_error if rename_error and rename_error["pk"] == row["spot"].pk else None
    min_size, min_residents = spot_service.list_thresholds()
    return render(
        request,
        "insight/hotspots.html",
        {
            "rows": rows,
            "points": spot_service.hotspot_points(rows),
            "can_topic": is_manager(request.user),
            "can_rename": request.user.has_role(*spot_service.RENAME_ROLES),
            "min_size": min_size,
            "min_residents": min_residents,
        },
        status=status,
    )


@role_required(*STAFF_ROLES)
def hotspot_list(request):
    return _hotspot_page(request)


@require_POST
@role_required(*spot_service.RENAME_ROLES)
def hotspot_rename(request, pk: int):
    if not spot_service.hotspot_rows(request.user, only=pk):
        raise Http404
    typed = request.POST.get("name", "")
    try:
        spot = spot_service.rename_hotspot(request.user, pk, typed)
    except ServiceError as exc:  # said under the box, with what was typed still in it
        return _hotspot_page(request, {"pk": pk, "message": str(exc.message), "value": typed}, status=400)
    else:
        messages.success(
            request, _("已命名为“%(n)s”。") % {"n": spot.title} if spot.name else _("已恢复自动生成的名称。")
        )
    return redirect(f"{reverse('insight:hotspots')}#hotspot-{pk}")


@role_required(*STAFF_ROLES)
def hotspot_export(request):
    """The competition's two tables (热点问题表, 热点问题留言明细表) as one Excel workbook, through the appeals
    export's writer: residents' titles and texts stay text, never a formula (=HYPERLINK(…) in a title)."""
    from gongzhi.core.spreadsheets import to_xlsx

    rows = spot_service.hotspot_rows(request.user, limit=200)
    spots = []
    for row in rows:
        s = row["spot"]
        span = (
            f"{timezone.localtime(s.start):%Y/%m/%d} 至 {timezone.localtime(s.end):%Y/%m/%d}"
            if s.start
            else ""
        )
        spots.append([row["rank"], s.pk, round(s.heat, 3), span, s.place, s.title])
    details = []
    pseudonyms: dict = {}
    for row in rows:
        for a in row["members"]:
            key = a.appellant_id or f"a{a.pk}"
            user = pseudonyms.setdefault(key, f"居民{len(pseudonyms) + 1:04d}")
            details.append(
                [
                    row["spot"].pk,
                    a.number,
                    user,
                    a.title,
                    timezone.localtime(a.received_at).strftime("%Y/%m/%d %H:%M:%S"),
                    a.content,
                    0,
                    0,
                ]
            )
    data = to_xlsx(
        [
            ("热点问题表", ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"], spots),
            (
                "热点问题留言明细表",
                ["问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"],
                details,
            ),
        ]
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename=hotspots.xlsx"
    return response


@role_required(*LEADER_ROLES)
def alerts(request):
    """The surge alerts of the last week, each with a one-click form that turns it into a proactive task for
    the unit the dispatch catalogue names for its category × street (the leader may pick another)."""
    from gongzhi.appeals.models import Category
    from gongzhi.appeals.services import suggest_dispatch
    from gongzhi.core.models import Unit

    from .models import ProactiveTask

    days = surges.LIST_DAYS
    found = surges.appeal_alerts(visible_appeals(request.user), days=days)
    streets = {r.pk: r for r in Region.objects.filter(pk__in={a["street_id"] for a in found})}
    cats = {
        c.pk: c for c in Category.objects.filter(pk__in={a["category_id"] for a in found if a["category_id"]})
    }
    units = list(Unit.objects.filter(is_active=True).order_by("code"))
    for a in found:
        street, cat = streets.get(a["street_id"]), cats.get(a["category_id"])
        rule = suggest_dispatch(cat, street) if cat and street else None
        a["suggested_unit_id"] = rule.unit_id if rule else None
        a["tasks"] = list(
            ProactiveTask.objects.filter(
                category_id=a["category_id"], region_id=a["street_id"], alert_day=a["day"]
            ).select_related("unit")
        )
    return render(
        request,
        "insight/alerts.html",
        {
            "alerts": found,
            "days": days,
            "baseline_days": surges.BASELINE_DAYS,
            "alpha": surges.ALPHA,
            "min_count": surges.MIN_COUNT,
            "units": units,
            "default_working_days": proactive.DEFAULT_WORKING_DAYS,
            "can_assign": request.user.has_role(*proactive.ASSIGN_ROLES),
        },
    )


def _with_chart_list(data: dict) -> dict:
    data["chart_list"] = [
        {"name": name, "id": f"opt-{name}", "option": option} for name, option in data["charts"].items()
    ]
    return data


def _streets():
    return list(Region.objects.filter(level=RegionLevel.STREET).order_by("path"))


def _leaders_map(user, days: int, street: Region | None = None) -> dict:
    """The dashboard's map: the appeals received in the last `days` days (pins by light, clustered) and the top
    hot spots, within the street when one is shown."""

    from gongzhi.appeals.selectors import map_points

    now = timezone.now()
    qs = visible_appeals(user).filter(received_at__gte=now - timedelta(days=days))
    if street is not None:
        qs = qs.filter(region__path__startswith=street.path)
    appeals = map_points(qs, now)
    for point in appeals["points"]:
        point["url"] = reverse("appeals:detail", args=[point["id"]])
    rows = spot_service.hotspot_rows(user, limit=20)
    if street is not None:
        for row in rows:
            row["members"] = [a for a in row["members"] if a.region.path.startswith(street.path)]
    return {
        "appeals": appeals,
        "hotspots": spot_service.hotspot_points(
            [r for r in rows if r["members"]], link=reverse("insight:hotspots")
        ),
        "days": days,
    }


def _map_days(request) -> int:
    return 1 if request.GET.get("map") == "today" else 7


@role_required(*LEADER_ROLES)
def overview(request):
    data = _with_chart_list(charts.dashboard_data(visible_appeals(request.user)))
    return render(
        request,
        "insight/overview.html",
        {
            **data,
            "streets": _streets(),
            "street": None,
            "heading": _("诉求态势总览"),
            "leaders_map": _leaders_map(request.user, _map_days(request)),
        },
    )


@role_required(*LEADER_ROLES)
def street_view(request, pk: int):
    street = get_object_or_404(Region, pk=pk)
    if street.level != RegionLevel.STREET:
        raise Http404
    data = _with_chart_list(charts.dashboard_data(visible_appeals(request.user), street=street))
    return render(
        request,
        "insight/overview.html",
        {
            **data,
            "streets": _streets(),
            "street": street,
            "heading": _("%(s)s 诉求态势") % {"s": street.name},
            "leaders_map": _leaders_map(request.user, _map_days(request), street),
        },
    )


# ---------------------------------------------------------------- actions (each calls one service)


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("输入有误。")


@require_POST
@role_required(Role.RESIDENT)
def cosign(request, pk: int):
    """附议 from the submission page: join appeal `pk`, optionally withdrawing one's own new appeal."""
    own = parse_id(request.POST.get("own_appeal"))
    if own is None:
        messages.error(request, _("只能从本人提交的诉求发起附议。"))
        return redirect("insight:cosigned")
    try:
        cosign_service.cosign_appeal(
            request.user, pk, own_appeal_id=own, withdraw_own=request.POST.get("withdraw") == "1"
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已附议，办理进展可在“我附议的诉求”中查看。"))
    return redirect("insight:cosigned")


@role_required(Role.RESIDENT)
def cosigned(request):
    return render(request, "insight/cosigned.html", {"cosigns": cosign_service.cosigned_by(request.user)})


@require_POST
@role_required(*STAFF_ROLES)
def hotspot_topic(request, pk: int):
    try:
        topic = topic_service.hotspot_to_topic(request.user, pk)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("insight:hotspots")
    messages.success(request, _("已转为协商议题。"))
    return redirect("deliberation:topic", topic.pk)


@role_required(*proactive.ASSIGN_ROLES, Role.HANDLER)
def task_list(request):
    tasks = list(proactive.visible_tasks(request.user))
    today = timezone.localdate()
    for t in tasks:
        t.overdue = proactive.is_overdue(t, today)
    return render(request, "insight/tasks.html", {"tasks": tasks})


@role_required(*proactive.ASSIGN_ROLES, Role.HANDLER)
def task_detail(request, pk: int):
    task = get_object_or_404(proactive.visible_tasks(request.user), pk=pk)
    spec = insight_actions.COMPLETE  # the page's one action (insight/actions.py)
    assert spec.form is not None
    form = spec.form(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, _first_error(form))
        else:
            try:
                spec.run(request.user, task.pk, **form.cleaned_data)
            except ServiceError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("任务已办结。"))
                return redirect("insight:task", task.pk)
    can_complete = spec in insight_actions.offered(request.user, task)
    return render(
        request,
        "insight/task_detail.html",
        {
            "task": task,
            "events": task.events.order_by("created_at", "pk"),
            "form": form,
            "can_complete": can_complete,
            "overdue": proactive.is_overdue(task),
        },
    )


@require_POST
@role_required(*proactive.ASSIGN_ROLES)
def task_create(request):
    form = ProactiveTaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("insight:alerts")
    data = form.cleaned_data
    try:
        task = proactive.create_proactive_task(
            request.user,
            category=data["category"],
            street=data["street"],
            day=data["day"],
            unit=data["unit"],
            instructions=data["instructions"],
            working_days=data["working_days"],
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("insight:alerts")
    messages.success(
        request, _("已交办：%(unit)s，期限 %(due)s。") % {"unit": task.unit.name, "due": task.due_date}
    )
    return redirect("insight:task", task.pk)


@role_required(*alert_service.SUBSCRIBER_ROLES)
def nearby_alerts(request):
    """附近提醒: subscribe to an area and a category (at once or a daily digest), see and cancel subscriptions."""
    form = AlertSubscriptionForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                alert_service.subscribe(request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("已订阅。有新的热点问题或答复时会提醒您。"))
                return redirect("insight:nearby_alerts")
    subs = list(request.user.alert_subscriptions.select_related("region", "category"))
    for sub in subs:
        sub.label = alert_service.describe(sub)
    return render(
        request,
        "insight/nearby_alerts.html",
        {"form": form, "subscriptions": subs, "items": alert_service.recent_items(request.user)},
    )


@require_POST
@role_required(*alert_service.SUBSCRIBER_ROLES)
def nearby_alert_cancel(request, pk: int):
    try:
        alert_service.unsubscribe(request.user, pk)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已取消该提醒。"))
    return redirect("insight:nearby_alerts")


@role_required(*LEADER_ROLES)
def screen(request):
    """The wall screen (大屏): 1920×1080, dark, fetching its data again every minute."""
    from . import screen as screen_service

    return render(request, "insight/screen.html", {"data": screen_service.screen_data(request.user)})


@role_required(*LEADER_ROLES)
def screen_data(request):
    from django.http import JsonResponse

    from . import screen as screen_service

    return JsonResponse(screen_service.screen_data(request.user), json_dumps_params={"ensure_ascii": False})
