"""议事协商 pages: the public topic list and detail (mobile-first), meeting pages, the public results page,
and the managers' pages. Every POST parses one form, calls ONE service and redirects back with its message;
reads go through selectors.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.appeals.selectors import visible_appeals
from gongzhi.core.errors import ServiceError
from gongzhi.core.forms import keep_input, restore_input
from gongzhi.core.models import User
from gongzhi.core.uploads import check_upload
from gongzhi.core.views import private_file

from . import actions as deliberation_actions
from . import forms, selectors, services
from .choices import Phase, VoteRule, VoteState
from .models import Ballot, Meeting, OwnerRegister, Participant, Resolution, ResolutionTask, Vote
from .workflow import ACTION_LABELS, SETTING_LABELS

EVENT_LABELS = {
    **ACTION_LABELS,
    "create_topic": gettext_lazy("创建议题"),
    "cosign_topic": gettext_lazy("联名提议"),
    "set_topic_bases": gettext_lazy("登记居民基数"),
    "post_opinion": gettext_lazy("发表意见"),
    "enter_offline_opinion": gettext_lazy("录入线下意见"),
    "hide_opinion": gettext_lazy("隐藏意见"),
    "schedule_meeting": gettext_lazy("安排会议"),
    "send_meeting_notice": gettext_lazy("发出会议通知"),
    "register_for_meeting": gettext_lazy("报名参会"),
    "add_participant": gettext_lazy("添加参会人"),
    "sign_in": gettext_lazy("会议签到"),
    "close_meeting": gettext_lazy("会议结束，形成纪要"),
    "create_vote": gettext_lazy("创建表决"),
    "notify_owners": gettext_lazy("通知全体业主"),
    "add_electors": gettext_lazy("登记投票人名单"),
    "remove_elector": gettext_lazy("移除投票人"),
    "link_elector": gettext_lazy("投票人绑定线上账号"),
    "open_vote": gettext_lazy("开始投票"),
    "cast_ballot": gettext_lazy("投票"),
    "close_vote": gettext_lazy("计票并公布结果"),
    "resolve": gettext_lazy("形成决议"),
    "add_task": gettext_lazy("分解落实任务"),
    "update_task_progress": gettext_lazy("更新任务进度"),
    "resolution_completed": gettext_lazy("决议全部落实"),
}


def _first_error(form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return _("提交的数据有误。")


def _act(request, form_class, call, *, success: str, back: str):
    """Validate one form, call one service, report its outcome as a message, go back."""
    data = {}
    if form_class is not None:
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, _first_error(form))
            keep_input(request, form_class, back)  # the page shows the form again with what was typed
            return redirect(back)
        data = form.cleaned_data
    try:
        call(data)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        if form_class is not None:
            keep_input(request, form_class, back, exc.message, exc.field)
    else:
        messages.success(request, success)
    return redirect(back)


def _topic_url(pk: int) -> str:
    return reverse("deliberation:topic", args=[pk])


def _meeting_url(pk: int) -> str:
    return reverse("deliberation:meeting", args=[pk])


# ---------------------------------------------------------------- public pages


def topic_list(request):
    phase = request.GET.get("phase", "")
    phase = phase if phase in Phase.values else ""
    q = request.GET.get("q", "").strip()[:50]
    topics = selectors.visible_topics(request.user, phase=phase or None, q=q)[:200]
    return render(
        request,
        "deliberation/topic_list.html",
        {
            "topics": topics,
            "phases": Phase.choices,
            "phase": phase,
            "q": q,
            "is_manager": services.is_manager(request.user),
        },
    )


def topic_detail(request, pk: int):
    topic = get_object_or_404(selectors.visible_topics(request.user), pk=pk)
    user = request.user if request.user.is_authenticated else None
    manage = user is not None and services.can_manage(user, topic.region)
    votes = list(selectors.votes_for(topic))
    for vote in votes:
        vote.mine = selectors.my_ballot(vote, user)
        vote.turnout = selectors.turnout(vote)
        vote.owners = list(vote.register.owners.order_by("name")) if manage and vote.register_id else []
        vote.ballot_list = list(selectors.ballots_visible(vote, user))
        vote.elector_list = list(vote.electors.all()) if manage and vote.rule != VoteRule.OWNERS_JOINT else []
        vote.on_list = selectors.may_vote(vote, user)
    resolution = Resolution.objects.filter(topic=topic).first()
    events = list(selectors.timeline(topic, user))
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
    allowed = selectors.allowed(topic)
    page_forms = {
        "cosign": forms.CosignForm(),
        "opinion": forms.OpinionForm(),
        "offline": forms.OfflineOpinionForm(),
        "meeting": forms.MeetingForm(),
        "vote": forms.VoteForm(),
        "ballot": forms.BallotForm(),
        "paper": forms.PaperBallotForm(),
        "electors": forms.ElectorsForm(),
        "resolution": forms.ResolutionForm(),
        "task": forms.TaskForm(),
        "progress": forms.ProgressForm(),
        "bases": forms.BasesForm(
            initial={
                "adult_residents": topic.adult_residents,
                "households": topic.households,
                "resident_groups": topic.resident_groups,
            }
        ),
    }
    restore_input(request, page_forms)  # a refused form comes back with what was typed
    for vote in votes:  # the list typed for one vote comes back under that vote only
        refused = page_forms["electors"]
        vote.electors_form = (
            refused
            if refused.is_bound and refused.data.get("vote_id") == str(vote.pk)
            else forms.ElectorsForm(initial={"vote_id": vote.pk})
        )
    return render(
        request,
        "deliberation/topic_detail.html",
        {
            "topic": topic,
            "manage": manage,
            "steps": selectors.phase_steps(topic),
            "allowed": [SETTING_LABELS[k] for k, v in allowed.items() if v],
            "allow": allowed,
            "convening": selectors.convening_check(topic) if topic.source == "resident_proposal" else None,
            "signed": user is not None and topic.cosigners.filter(user=user).exists(),
            "threads": selectors.opinion_threads(topic, user),
            "stances": selectors.stance_counts(topic),
            "meetings": selectors.meetings_for(topic),
            "votes": votes,
            "resolution": resolution,
            "tasks": list(resolution.tasks.select_related("unit", "owner")) if resolution else [],
            "events": events,
            "actions": [(a.name, a.label) for a in deliberation_actions.offered(user, topic)],
            "appeals": topic.appeals.all() if manage else [],
            "registers": OwnerRegister.objects.filter(region__path__startswith=topic.region.path)
            if manage
            else [],
            "forms": page_forms,
            "vote_rules": VoteRule,
            "vote_states": VoteState,
        },
    )


def results(request):
    return render(request, "deliberation/results.html", {"votes": selectors.published_results()[:100]})


def meeting_detail(request, pk: int):
    meeting = get_object_or_404(selectors.visible_meetings(request.user), pk=pk)
    user = request.user if request.user.is_authenticated else None
    manage = user is not None and services.can_manage(user, meeting.region)
    me = meeting.participants.filter(user=user).first() if user else None
    page_forms = {
        "notice": forms.NoticeForm(),
        "participant": forms.ParticipantForm(),
        "register": forms.RegisterForm(),
        "minutes": forms.MinutesForm(),
    }
    restore_input(request, page_forms)
    return render(
        request,
        "deliberation/meeting_detail.html",
        {
            "meeting": meeting,
            "manage": manage,
            "me": me,
            "report": selectors.meeting_report(meeting),
            "participants": meeting.participants.select_related("unit") if manage else [],
            "owner_notices": selectors.owner_notices(meeting) if manage else None,
            "forms": page_forms,
        },
    )


@login_required
def topic_new(request):
    staff = services.is_manager(request.user)
    form = forms.TopicForm(request.POST or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        numbers = [
            n.strip() for n in data.get("appeal_numbers", "").replace("，", ",").split(",") if n.strip()
        ]
        appeal_ids = list(
            visible_appeals(request.user).filter(number__in=numbers).values_list("pk", flat=True)
        )
        if len(appeal_ids) != len(set(numbers)):
            form.add_error("appeal_numbers", _("有诉求编号不存在，请核对。"))
        else:
            try:
                topic = services.create_topic(
                    request.user,
                    title=data["title"],
                    description=data["description"],
                    region=data["region"],
                    source=data["source"],
                    appeal_ids=appeal_ids,
                    household=data.get("household", ""),
                    resident_group=data.get("resident_group", ""),
                )
            except ServiceError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, str(exc.message))
            else:
                messages.success(request, _("议题已创建。"))
                return redirect(_topic_url(topic.pk))
    return render(request, "deliberation/topic_new.html", {"form": form})


@login_required
def manage(request):
    if not services.is_manager(request.user):
        raise PermissionDenied
    return render(
        request,
        "deliberation/manage.html",
        {
            "topics": selectors.managed_topics(request.user),
            "registers": selectors.managed_registers(request.user)[:50],
            "register_form": forms.OwnerRegisterForm(),
        },
    )


@login_required
@require_POST
def register_new(request):
    form = forms.OwnerRegisterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("deliberation:manage")
    try:
        register = services.create_owner_register(
            request.user,
            name=form.cleaned_data["name"],
            region=form.cleaned_data["region"],
            rows=form.cleaned_data["rows"],
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("业主名册已建立（编号 %(pk)s，业主 %(n)s 人）。")
            % {"pk": register.pk, "n": register.owners.count()},
        )
    return redirect("deliberation:manage")


# ---------------------------------------------------------------- topic actions (POST)


@login_required
@require_POST
def cosign(request, pk: int):
    return _act(
        request,
        forms.CosignForm,
        lambda d: services.cosign_topic(request.user, pk, **d),
        success=_("已联名。"),
        back=_topic_url(pk),
    )


@login_required
@require_POST
def set_bases(request, pk: int):
    return _act(
        request,
        forms.BasesForm,
        lambda d: services.set_topic_bases(request.user, pk, **d),
        success=_("已登记。"),
        back=_topic_url(pk),
    )


@login_required
@require_POST
def opinion(request, pk: int):
    return _act(
        request,
        forms.OpinionForm,
        lambda d: services.post_opinion(
            request.user, pk, body=d["body"], stance=d["stance"], parent_id=d.get("parent_id")
        ),
        success=_("意见已发表。"),
        back=_topic_url(pk),
    )


@login_required
@require_POST
def offline_opinion(request, pk: int):
    return _act(
        request,
        forms.OfflineOpinionForm,
        lambda d: services.enter_offline_opinion(request.user, pk, **d),
        success=_("线下意见已录入。"),
        back=_topic_url(pk),
    )


@login_required
@require_POST
def hide_opinion(request, pk: int, opinion_id: int):
    return _act(
        request,
        forms.ReasonForm,
        lambda d: services.hide_opinion(request.user, opinion_id, reason=d["reason"]),
        success=_("意见已隐藏。"),
        back=_topic_url(pk),
    )


@login_required
@require_POST
def advance(request, pk: int, action: str):
    spec = deliberation_actions.BY_NAME.get(action)
    if spec is None:
        raise PermissionDenied
    if spec.name == "resolve":
        # 形成决议 has its own form (resolution below): advance_topic refuses it here, pointing to that form.
        form, service = forms.ReasonForm, partial(services.advance_topic, action="resolve")
    else:
        form, service = spec.form, spec.service
    return _act(
        request,
        form,
        lambda d: service(request.user, pk, **d),
        success=_("已%(a)s。") % {"a": spec.label},
        back=_topic_url(pk),
    )


@login_required
@require_POST
def meeting_new(request, pk: int):
    return _act(
        request,
        forms.MeetingForm,
        lambda d: services.schedule_meeting(request.user, topic_ids=[pk], **d),
        success=_("会议已安排，请添加参会人并发出通知。"),
        back=_topic_url(pk),
    )


@login_required
@require_POST
def vote_new(request, pk: int):
    return _act(
        request,
        forms.VoteForm,
        lambda d: services.create_vote(
            request.user,
            pk,
            question=d["question"],
            rule=d["rule"],
            major=d["major"],
            secret=d["secret"],
            register_id=d.get("register_id"),
            basis=d.get("basis") or "",
        ),
        success=_("表决已创建。投票开始前请登记投票人名单（业主共同决定以业主名册为准）。"),
        back=_topic_url(pk),
    )


def _vote_topic(vote_id: int) -> int:
    return get_object_or_404(Vote, pk=vote_id).topic_id


@login_required
@require_POST
def electors_add(request, vote_id: int):
    return _act(
        request,
        forms.ElectorsForm,
        lambda d: services.add_electors(request.user, vote_id, d["rows"]),
        success=_("投票人名单已登记。"),
        back=_topic_url(_vote_topic(vote_id)) + f"#vote-{vote_id}",
    )


@login_required
@require_POST
def elector_remove(request, vote_id: int, elector_id: int):
    return _act(
        request,
        None,
        lambda d: services.remove_elector(request.user, elector_id),
        success=_("已从投票人名单中移除。"),
        back=_topic_url(_vote_topic(vote_id)) + f"#vote-{vote_id}",
    )


@login_required
@require_POST
def vote_open(request, vote_id: int):
    return _act(
        request,
        None,
        lambda d: services.open_vote(request.user, vote_id),
        success=_("投票已开始。"),
        back=_topic_url(_vote_topic(vote_id)),
    )


@login_required
@require_POST
def vote_close(request, vote_id: int):
    return _act(
        request,
        None,
        lambda d: services.close_vote(request.user, vote_id),
        success=_("已计票，结果已公布。"),
        back=_topic_url(_vote_topic(vote_id)),
    )


@login_required
@require_POST
def ballot(request, vote_id: int):
    return _act(
        request,
        forms.BallotForm,
        lambda d: services.cast_ballot(request.user, vote_id, choice=d["choice"]),
        success=_("投票成功。"),
        back=_topic_url(_vote_topic(vote_id)),
    )


@login_required
@require_POST
def paper_ballot(request, vote_id: int):
    return _act(
        request,
        forms.PaperBallotForm,
        lambda d: services.enter_paper_ballot(
            request.user,
            vote_id,
            choice=d["choice"],
            owner_id=d.get("owner_id"),
            elector_id=d.get("elector_id"),
            paper_number=d.get("paper_number", ""),
            proxy={
                "name": d.get("proxy_name"),
                "scope": d.get("proxy_scope"),
                "document": d.get("proxy_document"),
            },
        ),
        success=_("纸质表决票已录入。"),
        back=_topic_url(_vote_topic(vote_id)),
    )


@login_required
def proxy_document(request, ballot_id: int):
    """A proxy's written authorisation, for the vote's managers only."""
    ballot = get_object_or_404(Ballot.objects.select_related("vote__topic__region"), pk=ballot_id)
    if not ballot.proxy_document or not services.can_manage(request.user, ballot.vote.topic.region):
        raise Http404
    name = ballot.proxy_document.name.rsplit("/", 1)[-1]
    return private_file(ballot.proxy_document, name, check_upload(ballot.proxy_document))


@login_required
@require_POST
def resolution(request, pk: int):
    spec = deliberation_actions.BY_NAME["resolve"]
    return _act(
        request,
        spec.form,
        lambda d: spec.service(request.user, pk, text=d["text"], vote_id=d.get("vote_id")),
        success=_("决议已形成，已通知相关诉求人。"),
        back=_topic_url(pk),
    )


@login_required
@require_POST
def task_new(request, pk: int):
    return _act(
        request,
        forms.TaskForm,
        lambda d: services.add_task(request.user, pk, **d),
        success=_("任务已添加。"),
        back=_topic_url(pk),
    )


@login_required
@require_POST
def task_progress(request, task_id: int):
    task = get_object_or_404(ResolutionTask.objects.select_related("resolution"), pk=task_id)
    return _act(
        request,
        forms.ProgressForm,
        lambda d: services.update_task_progress(request.user, task_id, **d),
        success=_("进度已更新。"),
        back=_topic_url(task.resolution.topic_id),
    )


# ---------------------------------------------------------------- meeting actions (POST)


@login_required
@require_POST
def meeting_notice(request, pk: int):
    return _act(
        request,
        forms.NoticeForm,
        lambda d: services.send_meeting_notice(request.user, pk, **d),
        success=_("会议通知已发出。"),
        back=_meeting_url(pk),
    )


@login_required
@require_POST
def meeting_register(request, pk: int):
    return _act(
        request,
        forms.RegisterForm,
        lambda d: services.register_for_meeting(request.user, pk, **d),
        success=_("报名成功。"),
        back=_meeting_url(pk),
    )


@login_required
@require_POST
def meeting_sign_in(request, pk: int):
    return _act(
        request,
        None,
        lambda d: services.sign_in(request.user, pk),
        success=_("签到成功。"),
        back=_meeting_url(pk),
    )


@login_required
@require_POST
def meeting_participant(request, pk: int):
    def call(d):
        user = (
            User.objects.filter(phone=request.POST.get("phone", "").strip()).first()
            if request.POST.get("phone", "").strip()
            else None
        )
        return services.add_participant(
            request.user, pk, name=d["name"], role=d["role"], unit=d.get("unit"), user=user
        )

    return _act(request, forms.ParticipantForm, call, success=_("参会人已添加。"), back=_meeting_url(pk))


@login_required
@require_POST
def participant_sign_in(request, pk: int, participant_id: int):
    get_object_or_404(Participant, pk=participant_id, meeting_id=pk)
    return _act(
        request,
        None,
        lambda d: services.sign_in_participant(request.user, participant_id),
        success=_("已代为签到。"),
        back=_meeting_url(pk),
    )


@login_required
@require_POST
def meeting_close(request, pk: int):
    get_object_or_404(Meeting, pk=pk)
    return _act(
        request,
        forms.MinutesForm,
        lambda d: services.close_meeting(request.user, pk, **d),
        success=_("会议已结束，纪要已保存。"),
        back=_meeting_url(pk),
    )
