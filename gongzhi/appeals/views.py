"""Appeal pages: intake (resident and staff), lists, the detail page with one form per action,
tracking by number and code, the ranking, the overdue board and the knowledge base.

Views parse input, call one service (appeals.services) and render; reads go through selectors.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core import fieldcrypt
from gongzhi.core.choices import Role
from gongzhi.core.clientaddr import client_ip
from gongzhi.core.codes import code_matches
from gongzhi.core.errors import ServiceError
from gongzhi.core.ids import parse_id
from gongzhi.core.permissions import STAFF_ROLES
from gongzhi.core.redaction import redact_appeal
from gongzhi.core.views import STAFF_INTAKE_ROLES, add_service_error, private_file, role_required

from . import actions, deadlines, forms, rates, selectors, services
from .api import KNOWLEDGE_ROLES  # one list for the page and the API (the page had left out supervisors)
from .choices import OPEN_STATES, AppealState, Channel, Light, RequestDecision
from .models import Appeal, AppealEvent, ExtensionRequest, KnowledgeArticle
from .throttles import allow_anonymous_submit
from .workflow import event_label

RATES_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN, Role.HANDLER)
OVERDUE_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
TRACK_MAX_FAILURES = 10
TRACK_WINDOW_SECONDS = 15 * 60

PROGRESS_STEPS = [
    gettext_lazy("已受理"),
    gettext_lazy("已派单"),
    gettext_lazy("已签收"),
    gettext_lazy("办理中"),
    gettext_lazy("已答复"),
    gettext_lazy("已办结"),
]
STEP_OF_STATE = {
    AppealState.RECEIVED: 0,
    AppealState.DISPATCHED: 1,
    AppealState.RETURN_REQUESTED: 1,
    AppealState.ACCEPTED: 2,
    AppealState.IN_PROGRESS: 3,
    AppealState.REPLIED: 4,
    AppealState.CLOSED: 5,
    AppealState.MERGED: 5,
}


# ---------------------------------------------------------------- helpers


def tracker(appeal: Appeal) -> list[dict]:
    """The progress tracker: all six steps of an open appeal (done, current, to come); for an appeal that has
    ended, only the steps it went through and how it ended (a withdrawn appeal never ticks 已答复 or 已办结)."""
    current = STEP_OF_STATE.get(appeal.state, 0)
    if appeal.is_open:
        return [
            {"label": label, "status": "done" if i < current else "current" if i == current else ""}
            for i, label in enumerate(PROGRESS_STEPS)
        ]
    reached = [
        True,
        appeal.dispatched_at is not None,
        appeal.signed_at is not None,
        appeal.contacted_at is not None,
        appeal.replied_at is not None or bool(appeal.reply_text),
    ]
    steps = [
        {"label": label, "status": "done"} for label, hit in zip(PROGRESS_STEPS, reached, strict=False) if hit
    ]
    last = PROGRESS_STEPS[-1] if appeal.outcome == "resolved" else appeal.status_label
    if str(steps[-1]["label"]) != str(last):
        steps.append({"label": last, "status": "done ended" if appeal.outcome != "resolved" else "done"})
    return steps


def _decorate(appeals, now):
    for appeal in appeals:
        appeal.light = deadlines.light(appeal, now) if appeal.is_open else Light.NONE
        appeal.progress_step = STEP_OF_STATE.get(appeal.state, 0)
        appeal.progress_pct = int(appeal.progress_step * 100 / (len(PROGRESS_STEPS) - 1))
        appeal.tracker = tracker(appeal)
    return appeals


def _is_resident_only(user) -> bool:
    return user.has_role(Role.RESIDENT) and not user.has_role(*STAFF_ROLES)


def dashboard_for(user) -> dict:
    """The home page's tiles (counts of the user's work) and links, by role."""
    from gongzhi.core.views import REGISTER_ROLES

    now = timezone.now()
    qs = selectors.visible_appeals(user)
    cards, links = [], []
    list_url = reverse("appeals:list")

    def card(label, count, url):
        cards.append({"label": label, "count": count, "url": url})

    def link(label, url):
        if url not in [item["url"] for item in links]:
            links.append({"label": label, "url": url})

    if user.has_role(Role.RESIDENT):
        mine = qs.filter(appellant=user)
        card(_("我的诉求"), mine.count(), reverse("appeals:mine"))
        card(
            _("办理中"),
            mine.filter(MINE_FILTERS["handling"][1]).count(),
            f"{reverse('appeals:mine')}?show=handling",
        )
        card(
            _("待我评价"),
            mine.filter(MINE_FILTERS["to_evaluate"][1]).count(),
            f"{reverse('appeals:mine')}?show=to_evaluate",
        )
        link(_("我要反映"), reverse("appeals:new"))
        link(_("我的诉求"), reverse("appeals:mine"))
    if user.has_role(Role.RESIDENT, Role.COMMUNITY_STAFF, Role.GRID_WORKER):
        link(_("附近提醒"), reverse("insight:nearby_alerts"))
    if user.has_role(*STAFF_INTAKE_ROLES):
        card(_("我受理的诉求"), qs.filter(first_receiver=user).count(), list_url)
        link(_("登记诉求"), reverse("appeals:staff_new"))
    if user.has_role(Role.OPERATOR):
        card(
            _("待处理（已受理）"), qs.filter(state=AppealState.RECEIVED).count(), f"{list_url}?state=received"
        )
        card(_("待回访"), qs.filter(state=AppealState.REPLIED).count(), f"{list_url}?state=replied")
        link(_("知识库"), reverse("appeals:knowledge"))
    if user.has_role(Role.DISPATCHER):
        card(_("待派单"), qs.filter(state=AppealState.RECEIVED).count(), f"{list_url}?state=received")
        card(
            _("退单待审核"),
            qs.filter(state=AppealState.RETURN_REQUESTED).count(),
            f"{list_url}?state=return_requested",
        )
        link(_("待派单诉求"), f"{list_url}?state=received")
    if user.has_role(Role.HANDLER) and user.unit_id:
        unit_qs = qs.filter(lead_unit_id=user.unit_id)
        card(
            _("待签收"), unit_qs.filter(state=AppealState.DISPATCHED).count(), f"{list_url}?state=dispatched"
        )
        card(
            _("待联系诉求人"),
            unit_qs.filter(state=AppealState.ACCEPTED).count(),
            f"{list_url}?state=accepted",
        )
        card(
            _("办理中"),
            unit_qs.filter(state=AppealState.IN_PROGRESS).count(),
            f"{list_url}?state=in_progress",
        )
        card(
            _("本单位超期"),
            unit_qs.filter(selectors.light_q(Light.RED, now)).count(),
            f"{list_url}?light=red",
        )
        link(_("本单位诉求"), list_url)
    if user.has_role(Role.SUPERVISOR, Role.LEADER, Role.ADMIN):
        card(_("超期诉求"), qs.filter(selectors.light_q(Light.RED, now)).count(), reverse("appeals:overdue"))
        link(_("超期督办看板"), reverse("appeals:overdue"))
    if user.has_role(Role.SUPERVISOR):
        card(
            _("延期待审批"),
            ExtensionRequest.objects.filter(decision=RequestDecision.PENDING, appeal__in=qs).count(),
            f"{list_url}?state=in_progress",
        )
    if user.has_role(Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.PARTY_MEMBER, Role.LEADER):
        card(_("辖区办理中诉求"), qs.filter(state__in=OPEN_STATES).count(), list_url)
    if user.has_role(Role.LEADER, Role.SUPERVISOR, Role.ADMIN):
        link(_("诉求态势总览"), reverse("insight:overview"))
        link(_("大屏"), reverse("insight:screen"))
        link(_("异常预警"), reverse("insight:alerts"))
    if user.has_role(Role.LEADER, Role.SUPERVISOR, Role.ADMIN, Role.HANDLER):
        link(_("主动治理任务"), reverse("insight:tasks"))
    if user.has_role(Role.RESIDENT):
        link(_("我附议的诉求"), reverse("insight:cosigned"))
    if user.has_role(*STAFF_ROLES):
        link(_("热点问题"), reverse("insight:hotspots"))
    if user.has_role(*RATES_ROLES):
        link(_("三率排名"), reverse("appeals:rates"))
    if user.has_role(*REGISTER_ROLES):
        link(_("居民窗口登记"), reverse("core:register_resident"))
    if user.roles - {Role.RESIDENT}:
        link(_("诉求工单"), list_url)
    if user.has_role(Role.ADMIN):
        link(_("系统管理"), reverse("admin:index"))
    labels = [str(settings.ROLE_LABELS.get(r, r)) for r in sorted(user.roles)]
    return {"cards": cards, "links": links, "role_labels": labels}


# ---------------------------------------------------------------- intake


def new(request):
    """The resident's form; people without an account may submit too and get a tracking code."""
    user = request.user
    if user.is_authenticated and not user.has_role(Role.RESIDENT):
        if user.has_role(*STAFF_INTAKE_ROLES):
            return redirect("appeals:staff_new")
        raise PermissionDenied
    form = forms.AppealForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and not user.is_authenticated and not allow_anonymous_submit(request):
        form.is_valid()  # what was typed comes back with the message
        form.add_error(None, _("提交过于频繁，请稍后再试；登录后提交不受此限制。"))
        return render(request, "appeals/new.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        agent = request.headers.get("User-Agent", "")
        channel = Channel.MOBILE if "Mobile" in agent or "Android" in agent else Channel.WEB
        actor = user if user.is_authenticated else None
        try:
            appeal, code = services.submit_appeal(actor, channel=channel, **form.service_kwargs())
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return _submitted(request, actor, appeal, code)
    return render(request, "appeals/new.html", {"form": form})


PREFILL_CONTEXT = "session.appeal_prefill"


@role_required(*STAFF_INTAKE_ROLES)
def staff_new(request):
    # Opened from the call centre's screen-pop (gongzhi.calls): the caller's number, kept in the session sealed as
    # the database keeps numbers (core.fieldcrypt: the session table holds no number in clear text).
    prefill = request.session.pop("appeal_prefill", None) if request.method == "GET" else None
    if prefill and prefill.get("appellant_phone"):
        prefill["appellant_phone"] = fieldcrypt.decrypt(prefill["appellant_phone"], PREFILL_CONTEXT)
    form = forms.StaffAppealForm(request.POST or None, request.FILES or None, initial=prefill or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal, code = services.submit_appeal(request.user, **form.service_kwargs())
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return _submitted(request, request.user, appeal, code)
    return render(request, "appeals/staff_new.html", {"form": form})


def _submitted(request, actor, appeal: Appeal, code: str):
    """On to the "submitted" page of the appeal made, or, for the form's token used again (a double tap), of the
    appeal its first use made, if that one was made by the same person (a visitor's has no appellant)."""
    own = (
        appeal.first_receiver_id == actor.pk
        if appeal.first_receiver_id
        else appeal.appellant_id == (actor.pk if actor is not None else None)
    )
    if not own:
        raise PermissionDenied
    request.session["submitted"] = {"id": appeal.pk, "number": appeal.number, "code": code}
    return redirect("appeals:submitted")


def submitted(request):
    info = request.session.pop("submitted", None)
    if not info:
        return redirect("core:home")
    can_view = (
        request.user.is_authenticated
        and selectors.visible_appeals(request.user).filter(pk=info["id"]).exists()
    )
    similar = []
    appeal = Appeal.objects.filter(pk=info["id"]).first()
    if appeal is not None:
        from gongzhi.insight.services import similar_appeals

        try:
            similar = [
                s["appeal"] for s in similar_appeals(appeal, queryset=selectors.similar_candidates(), limit=5)
            ]
        except Exception:
            similar = []
        for other in similar:  # other residents' titles: their personal data is not for whoever submits next
            other.public_title = redact_appeal(other)[0]
    return render(request, "appeals/submitted.html", {"info": info, "can_view": can_view, "similar": similar})


# ---------------------------------------------------------------- lists


@login_required
def appeal_list(request):
    if _is_resident_only(request.user):
        return redirect("appeals:mine")
    now = timezone.now()
    form = forms.AppealFilterForm(request.GET or None)
    qs = filtered_appeals(request.user, form, now, paged=True)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    _decorate(page.object_list, now)
    dispatcher = request.user.has_role(Role.DISPATCHER)
    if dispatcher:
        _suggest(page.object_list)
    queue = request.GET.copy()
    queue.pop("page", None)
    return render(
        request,
        "appeals/list.html",
        {"form": form, "page": page, "queue": queue.urlencode(), "show_suggestion": dispatcher},
    )


@login_required
def appeal_map(request):
    """The list's appeals on a map: the same filter form and scope, pins clustered and coloured by light."""
    if _is_resident_only(request.user):
        return redirect("appeals:mine")
    now = timezone.now()
    form = forms.AppealFilterForm(request.GET or None)
    data = selectors.map_points(filtered_appeals(request.user, form, now), now)
    for point in data["points"]:
        point["url"] = reverse("appeals:detail", args=[point["id"]])
    return render(
        request,
        "appeals/map.html",
        {"form": form, "map": data, "limit": selectors.MAP_LIMIT, "query": request.GET.urlencode()},
    )


def _suggest(appeals) -> None:
    """What the dispatcher would see on each appeal waiting for dispatch, without opening it: the category (its own,
    else the classifier's prediction, in words of confidence) and the unit the dispatch catalogue names for it."""
    from gongzhi.insight.models import AppealPrediction

    waiting = [a for a in appeals if a.state == AppealState.RECEIVED]
    predictions = {
        p.appeal_id: p
        for p in AppealPrediction.objects.filter(appeal__in=waiting).select_related(
            "category", "suggested_unit"
        )
    }
    for appeal in waiting:
        prediction = predictions.get(appeal.pk)
        category = appeal.category or (prediction.category if prediction else None)
        rule = services.suggest_dispatch(category, appeal.region)
        appeal.suggested = {
            "category": category,
            "predicted": appeal.category is None and prediction is not None,
            "confidence": prediction.confidence_words if prediction else "",
            "unit": rule.unit if rule else (prediction.suggested_unit if prediction else None),
        }


@login_required
def next_in_queue(request):
    """下一件: the appeal after `after` in the queue the list showed (its filters and order, passed as `queue`)."""
    from django.http import QueryDict

    queue = request.GET.get("queue", "")
    form = forms.AppealFilterForm(QueryDict(queue) if queue else None)
    after = parse_id(request.GET.get("after"))
    nxt = selectors.next_in_queue(
        filtered_appeals(request.user, form, timezone.now(), paged=True), after or 0
    )
    if nxt is None:
        messages.info(request, _("队列中没有下一件了。"))
        return redirect(f"{reverse('appeals:list')}?{queue}")
    return redirect(_with_queue(reverse("appeals:detail", args=[nxt]), queue))


def _with_queue(url: str, queue: str) -> str:
    return f"{url}?{urlencode({'queue': queue})}" if queue else url


def filtered_appeals(user, form, now, *, paged: bool = False):
    """The list page's appeals for this filter form (also what its Excel/CSV export writes). `paged`: for a page at
    a time, the urgent order as selectors.UrgentQueue (two indexed queries instead of one sort of every appeal)."""
    qs = selectors.visible_appeals(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["state"]:
            qs = qs.filter(state=data["state"])
        if data["channel"]:
            qs = qs.filter(channel=data["channel"])
        for term in (data["q"] or "").split()[:5]:
            qs = qs.filter(
                Q(number__icontains=term)
                | Q(title__icontains=term)
                | Q(content__icontains=term)
                | Q(address__icontains=term)
            )
        if data["light"]:
            qs = qs.filter(selectors.light_q(data["light"], now))
        if data["receiver"] == "mine":
            qs = qs.filter(first_receiver=user)
        elif data["receiver"] == "none":
            qs = qs.filter(first_receiver__isnull=True)
        elif data["receiver"] == "taken":
            qs = qs.filter(first_receiver__isnull=False)
    sort = (form.cleaned_data["sort"] if form.is_valid() else "") or "urgent"
    if paged and sort == "urgent":
        return selectors.UrgentQueue(qs, now)
    return selectors.queue_order(qs, sort, now)


# 我的诉求's filters (the home page's tiles open them): key → (what the resident reads, the condition).
MINE_FILTERS = {
    "to_evaluate": (gettext_lazy("待我评价"), Q(state=AppealState.REPLIED)),
    "handling": (gettext_lazy("办理中"), Q(state__in=OPEN_STATES) & ~Q(state=AppealState.REPLIED)),
}


@login_required
def mine(request):
    if not request.user.has_role(Role.RESIDENT):
        raise PermissionDenied
    qs = (
        selectors.visible_appeals(request.user).filter(appellant=request.user).order_by("-received_at", "-id")
    )
    show = request.GET.get("show", "")
    shown = MINE_FILTERS.get(show)
    if shown is not None:
        qs = qs.filter(shown[1])
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    _decorate(page.object_list, timezone.now())
    _topic_steps(page.object_list)
    filters = [
        {"key": key, "label": label, "active": key == show} for key, (label, _q) in MINE_FILTERS.items()
    ]
    return render(
        request,
        "appeals/mine.html",
        {
            "page": page,
            "steps": PROGRESS_STEPS,
            "filters": filters,
            "shown": shown[0] if shown else None,
            "show": show if shown else "",
        },
    )


def _topic_steps(appeals) -> None:
    """The latest step of the deliberation topic each appeal went to (议事协商, issue L part 5), in one query:
    `appeal.topic_step` = {"label", "title", "topic"} or None."""
    latest = {}
    events = (
        AppealEvent.objects.filter(appeal__in=[a.pk for a in appeals], action__startswith="deliberation_")
        .order_by("appeal_id", "-id")
        .only("appeal_id", "action", "after")
    )
    for event in events:
        latest.setdefault(event.appeal_id, event)
    for appeal in appeals:
        event = latest.get(appeal.pk)
        after = (event.after or {}) if event else {}
        appeal.topic_step = (
            {
                "label": event_label(event.action),
                "title": after.get("topic_title", ""),
                "topic": after.get("topic"),
            }
            if event
            else None
        )


@role_required(*OVERDUE_ROLES)
def overdue(request):
    now = timezone.now()
    appeals, counts = selectors.overdue_board(selectors.visible_appeals(request.user), now)
    page = Paginator(appeals, 50).get_page(request.GET.get("page"))
    for appeal in page.object_list:
        appeal.light = deadlines.stored_light(appeal, now)
    return render(request, "appeals/overdue.html", {"page": page, "counts": counts, "now": now})


@role_required(*KNOWLEDGE_ROLES)
def knowledge(request):
    q = (request.GET.get("q") or "").strip()[:100]
    articles = KnowledgeArticle.objects.filter(is_active=True).select_related("category")
    for term in q.split()[:5]:
        articles = articles.filter(
            Q(title__icontains=term) | Q(body__icontains=term) | Q(keywords__icontains=term)
        )
    page = Paginator(articles, 20).get_page(request.GET.get("page"))
    return render(request, "appeals/knowledge.html", {"q": q, "page": page})


# ---------------------------------------------------------------- one appeal


def _visible_or_404(request, pk: int) -> Appeal:
    return get_object_or_404(selectors.visible_appeals(request.user), pk=pk)


@login_required
def attachment(request, pk: int, attachment_id: int):
    """An appeal's attachment, to those who may see the appeal (media/ is not served to the world: its paths
    are guessable)."""
    appeal = _visible_or_404(request, pk)
    item = get_object_or_404(appeal.attachments, pk=attachment_id)
    return private_file(item.file, item.name, item.content_type)


def _insight_for(user, appeal: Appeal) -> dict:
    """The classifier's prediction and the similar open appeals, for staff (never breaks the page)."""
    from gongzhi.insight.models import AppealPrediction
    from gongzhi.insight.services import similar_appeals

    out = {"prediction": None, "similar": []}
    if not user.has_role(*STAFF_ROLES):
        return out
    out["prediction"] = (
        AppealPrediction.objects.filter(appeal=appeal).select_related("category", "suggested_unit").first()
    )
    if appeal.is_open:
        try:
            visible = selectors.visible_appeals(user).filter(state__in=OPEN_STATES)
            out["similar"] = similar_appeals(appeal, queryset=visible, limit=5)
        except Exception:
            out["similar"] = []
    return out


def _detail_context(request, appeal: Appeal, bound: tuple[str, object] | None = None, revealed=None) -> dict:
    user = request.user
    suggestion = None
    insight = _insight_for(user, appeal)
    predicted = insight["prediction"].category if insight["prediction"] else None
    routed = []  # the router's three lead units with their reasons (insight.router), stored with the prediction
    if appeal.state == AppealState.RECEIVED and user.has_role(Role.DISPATCHER):
        suggestion = services.suggest_dispatch(appeal.category or predicted, appeal.region)
        routed = list(insight["prediction"].units or []) if insight["prediction"] else []
    dispatch_to = routed[0]["name"] if routed else (suggestion.unit.name if suggestion else None)
    action_forms = []
    for spec in actions.offered(user, appeal):
        action = spec.name
        if bound and bound[0] == action:
            form = bound[1]
        else:
            form_class = spec.form
            initial = {}
            if action == "dispatch" and suggestion is not None:
                initial = {"lead_unit": suggestion.unit_id, "co_units": list(suggestion.co_units.all())}
            if (
                action == "dispatch"
                and routed
                and (suggestion is None or suggestion.unit_id != routed[0]["unit"])
            ):
                initial = {"lead_unit": routed[0]["unit"], "co_units": []}
            if action == "dispatch" and appeal.category_id is None and predicted is not None:
                initial["category"] = predicted.pk
            form = form_class(initial=initial, user=user, appeal=appeal, prefix=action)
        action_forms.append(
            {
                "action": action,
                "title": _("电话回访")
                if action == "callback" and user.has_role(Role.OPERATOR)
                else spec.label,
                "form": form,
                "url": reverse("appeals:act", args=[appeal.pk, action]),
            }
        )
    # Withdrawing is rare and deliberate: its form is apart, closed, low on the page, with a confirmation; the
    # appellant's own evaluation sits under the reply it evaluates, not above it among the actions.
    withdraw_form = next((item for item in action_forms if item["action"] == "withdraw"), None)
    evaluate_form = next(
        (item for item in action_forms if item["action"] == "callback" and appeal.appellant_id == user.pk),
        None,
    )
    # The appellant's side of the conversation (answering a question, adding material) sits in the main column, under
    # the question it answers, not among the actions at the foot of a phone's page.
    talk_forms = [
        item
        for item in action_forms
        if item["action"] in ("answer", "supplement") and appeal.appellant_id == user.pk
    ]
    action_forms = [
        item
        for item in action_forms
        if item is not withdraw_form and item is not evaluate_form and item not in talk_forms
    ]
    events = list(selectors.timeline(appeal))
    for event in events:
        event.label = event_label(event.action)
    dues = [
        (label, due)
        for label, due in [
            (_("派单时限"), appeal.dispatch_due),
            (_("签收时限"), appeal.sign_due),
            (_("首次联系时限"), appeal.contact_due),
            (_("答复时限"), appeal.reply_due),
            (_("回访时限"), appeal.callback_due),
        ]
        if due
    ]
    _decorate([appeal], timezone.now())
    return {
        "appeal": appeal,
        **_queue_links(request, appeal),
        "can_claim": appeal.first_receiver_id is None
        and appeal.is_open
        and user.has_role(*services.FIRST_RECEIPT_ROLES),
        "appellant": selectors.appellant_for(user, appeal),
        "revealed": revealed,
        "co_units": list(appeal.co_units.all()),
        "attachments": list(appeal.attachments.all()),
        "place_points": [
            {
                "name": appeal.title,
                "longitude": float(appeal.longitude),
                "latitude": float(appeal.latitude),
                "light": getattr(appeal, "light", "none"),
            }
        ]
        if appeal.longitude is not None and appeal.latitude is not None
        else [],
        "events": events,
        "dues": dues,
        "suggestion": suggestion,
        "routed": routed,
        "dispatch_to": dispatch_to,
        "action_forms": action_forms,
        "withdraw_form": withdraw_form,
        "evaluate_form": evaluate_form,
        "talk_forms": talk_forms,
        "pending_question": services.pending_question(appeal) if appeal.is_open else None,
        "is_own": appeal.appellant_id == user.pk,
        "pending_return": appeal.return_requests.filter(decision=RequestDecision.PENDING).first()
        if appeal.state == AppealState.RETURN_REQUESTED
        else None,
        "pending_extension": appeal.extension_requests.filter(decision=RequestDecision.PENDING).first(),
        "callbacks": list(appeal.callbacks.order_by("created_at")),
        "prediction": insight["prediction"],
        "similar": insight["similar"],
        "can_merge": "merge_into" in [item["action"] for item in action_forms],
        "reply_score": _reply_score(user, appeal),
    }


def _reply_score(user, appeal: Appeal):
    """The latest reply's quality for the staff who read it at callback and review (insight.quality)."""
    from gongzhi.insight.quality import score_for

    return score_for(user, appeal)


def _tell_reply_quality(request, appeal: Appeal) -> None:
    """After a reply is sent: its score, for the writer to learn from (also without the preview's script)."""
    from gongzhi.insight.quality import latest_score

    row = latest_score(appeal)
    if row is not None and row.reasons:
        messages.info(
            request,
            _("答复质量：%(level)s — %(reasons)s") % {"level": row.level, "reasons": row.reasons_text},
        )


@login_required
@require_POST
def reply_quality(request, pk: int):
    """The nudge while a handler types a reply (htmx): its quality and the reasons, never a block. Only for those
    who may reply to this appeal now; the text is read from the reply form it sits in."""
    appeal = _visible_or_404(request, pk)
    offered = [a.name for a in actions.offered(request.user, appeal) if a.reply]
    action = request.POST.get("action") if request.POST.get("action") in offered else None
    if action is None:
        raise Http404
    from gongzhi.insight.quality import assess_reply

    text = (request.POST.get(f"{action}-text") or "").strip()
    quality = assess_reply(appeal, text) if len(text) >= 2 else None
    return render(
        request, "appeals/_reply_quality.html", {"quality": quality, "action": action, "appeal": appeal}
    )


@login_required
def detail(request, pk: int):
    appeal = _visible_or_404(request, pk)
    return render(request, "appeals/detail.html", _detail_context(request, appeal))


def _queue_links(request, appeal: Appeal) -> dict:
    """The queue the staff member came from (the list's filters and order): kept through the actions, and its
    下一件 link."""
    queue = (request.GET.get("queue") or request.POST.get("queue") or "")[:500]
    if not queue and "queue" not in request.GET:
        return {"queue": None, "next_url": None}
    return {
        "queue": queue,
        "next_url": f"{reverse('appeals:next')}?{urlencode({'queue': queue, 'after': appeal.pk})}",
    }


@login_required
@require_POST
def act(request, pk: int, action: str):
    """Every workflow action: parse its form, call its service, show the outcome on the detail page."""
    spec = actions.BY_NAME.get(action)
    if spec is None:
        raise Http404
    appeal = _visible_or_404(request, pk)
    form = spec.form(request.POST, request.FILES, user=request.user, appeal=appeal, prefix=action)
    if not form.is_valid():
        messages.error(request, _("「%(action)s」未提交：请按提示修改。") % {"action": spec.label})
        return render(
            request, "appeals/detail.html", _detail_context(request, appeal, bound=(action, form)), status=400
        )
    try:
        spec.service(request.user, appeal.pk, **form.service_kwargs())
    except ServiceError as exc:
        if exc.field:  # a rule about what was typed: said on its field, and the text stays in the box
            add_service_error(form, exc)
            messages.error(request, _("「%(action)s」未提交：请按提示修改。") % {"action": spec.label})
            return render(
                request,
                "appeals/detail.html",
                _detail_context(request, appeal, bound=(action, form)),
                status=400,
            )
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已完成「%(action)s」。") % {"action": spec.label})
        if spec.reply:
            _tell_reply_quality(request, appeal)
    queue = request.POST.get("queue")
    if not selectors.visible_appeals(request.user).filter(pk=appeal.pk).exists():
        if queue is not None:  # gone from this user's sight: on to the next of the queue
            return redirect(f"{reverse('appeals:next')}?{urlencode({'queue': queue, 'after': appeal.pk})}")
        return redirect("appeals:list")
    url = reverse("appeals:detail", args=[appeal.pk])
    return redirect(f"{url}?{urlencode({'queue': queue})}" if queue is not None else url)


@login_required
@require_POST
def claim(request, pk: int):
    """认领首接: the hotline operator or dispatcher becomes the appeal's first receiver (services.claim_first_receipt)."""
    appeal = _visible_or_404(request, pk)
    try:
        services.claim_first_receipt(request.user, appeal.pk)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("您已首接该诉求，请负责至派单、答复或转办。"))
    return redirect("appeals:detail", pk=appeal.pk)


@login_required
@require_POST
def reveal(request, pk: int):
    """The full phone and ID number for those allowed (services.reveal_contact audits every reveal)."""
    appeal = _visible_or_404(request, pk)
    try:
        revealed = services.reveal_contact(request.user, appeal)
    except ServiceError as exc:
        if request.htmx:
            return render(
                request,
                "appeals/_contact.html",
                {
                    "error": exc.message,
                    "appeal": appeal,
                    "appellant": selectors.appellant_for(request.user, appeal),
                },
            )
        messages.error(request, str(exc.message))
        return redirect("appeals:detail", pk=appeal.pk)
    if request.htmx:
        return render(
            request,
            "appeals/_contact.html",
            {
                "appeal": appeal,
                "revealed": revealed,
                "appellant": selectors.appellant_for(request.user, appeal),
            },
        )
    return render(request, "appeals/detail.html", _detail_context(request, appeal, revealed=revealed))


# ---------------------------------------------------------------- tracking without an account


def track(request):
    form = forms.TrackForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    appeal = None
    key = f"appeals:track-failures:{client_ip(request)}"
    if request.method == "POST" and form.is_valid():
        failures = cache.get(key, 0)
        if failures >= TRACK_MAX_FAILURES:
            form.add_error(None, _("查询失败次数过多，请15分钟后再试。"))
        else:
            candidate = (
                Appeal.objects.filter(number=form.cleaned_data["number"].strip())
                .exclude(tracking_code_hash="")
                .first()
            )
            if candidate is not None and code_matches(
                form.cleaned_data["code"], candidate.tracking_code_hash, "tracking"
            ):
                appeal = candidate
                cache.delete(key)
            else:
                cache.set(key, failures + 1, TRACK_WINDOW_SECONDS)
                form.add_error(None, _("诉求编号或查询码不正确，请核对后重试。"))
    context = {"form": form, "appeal": appeal, "steps": PROGRESS_STEPS}
    if appeal is not None:
        _decorate([appeal], timezone.now())
        context["events"] = [
            {"label": event_label(e.action), "created_at": e.created_at} for e in selectors.timeline(appeal)
        ]
    return render(request, "appeals/track.html", context)


# ---------------------------------------------------------------- the ranking


def _pct(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def _rate_cell(rate: rates.Rate) -> dict:
    interval = rate.interval
    numerator = rate.numerator
    count = f"{numerator:g}" if isinstance(numerator, float) else f"{Decimal(numerator).normalize():f}"
    return {
        "pct": _pct(rate.value),
        "count": f"{count}/{rate.denominator}",
        "ci": f"{interval[0] * 100:.1f}%–{interval[1] * 100:.1f}%" if interval else "—",
    }


def _rows(metrics) -> list[dict]:
    """`metrics`: [(place, metrics)]; the place is None for the groups listed apart."""
    return [
        {
            "rank": place,
            "name": m.name,
            "valid": m.valid_callbacks,
            "response": _rate_cell(m.response),
            "resolution": _rate_cell(m.resolution),
            "satisfaction": _rate_cell(m.satisfaction),
            "composite": _pct(m.composite),
        }
        for place, m in metrics
    ]


@role_required(*RATES_ROLES)
def rates_page(request):
    period = timezone.localdate().strftime("%Y-%m")
    form = forms.RatesForm(request.GET or None, initial={"period": period, "by": "unit"})
    by = "unit"
    if form.is_valid():
        period = form.cleaned_data["period"] or period
        by = form.cleaned_data["by"] or by
    start, end = rates.month_bounds(period)
    result = rates.ranking_for(request.user, start, end, by=by)
    return render(
        request,
        "appeals/rates.html",
        {
            "form": form,
            "period": period,
            "by": result["by"],
            "ranked": _rows(result["ranked"]),
            "small_sample": _rows([(None, m) for m in result["small_sample"]]),
            "min_callbacks": result["min_callbacks"],
            "dispatch": _rate_cell(result["dispatch"]) if result["dispatch"] is not None else None,
            "reply_quality": _reply_quality(request.user, period),
        },
    )


def _reply_quality(user, period: str) -> list[dict]:
    """答复质量 per unit for the month (insight.quality: each reply scored when it was written)."""
    from gongzhi.insight.quality import month_rows

    return month_rows(user, period)
