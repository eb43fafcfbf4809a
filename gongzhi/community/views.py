"""共建 pages: the overview, self-organisations, activities (sign up, QR sign-in, hours), my hours and the
certificate, party-member households with visits and coverage, need matching, red resources. Every POST parses
one form, calls ONE service and redirects back with its message; reads go through selectors."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.choices import RegionLevel, Role
from gongzhi.core.errors import ServiceError
from gongzhi.core.forms import keep_input, restore_input
from gongzhi.core.masking import mask_name, person_label
from gongzhi.core.models import Region, User

from . import actions as community_actions
from . import documents, forms, selectors, services
from .choices import ActivityState, OrgDomain, OrgStage, RedResourceKind, SignupState
from .models import (
    Activity,
    PartyBuildingProject,
    PartyMemberHousehold,
    Redemption,
    RedResource,
    RewardItem,
    SelfOrganization,
    ServiceRecord,
    Signup,
)


def _first_error(form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}：{errors[0]}" if label else str(errors[0])
    return _("提交的数据有误。")


def _act(request, form_class, call, *, success: str, back: str, form_kwargs=None, then=None):
    """Validate one form, call one service, report its outcome as a message and go back — or, given `then`, go to
    `then(result)` (the page of what was made); a refused form comes back on the page with what was typed
    (core.forms.keep_input)."""
    data = {}
    if form_class is not None:
        form = form_class(request.POST, **(form_kwargs or {}))
        if not form.is_valid():
            messages.error(request, _first_error(form))
            keep_input(request, form_class, back)
            return redirect(back)
        data = form.cleaned_data
    try:
        result = call(data)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        if form_class is not None:
            keep_input(request, form_class, back, exc.message, exc.field)
        return redirect(back)
    messages.success(request, success)
    return redirect(then(result) if then else back)


def _scope(request) -> Region | None:
    return selectors.scope_region(request.user, request.GET.get("region", ""))


def _is_staffish(user) -> bool:
    return user.is_authenticated and (
        services.is_manager(user) or user.has_role(Role.LEADER, Role.PARTY_MEMBER)
    )


def _staff_scope(request) -> Region | None:
    """_scope for the pages of households and needs: a region outside the user's area is refused, not shown."""
    if not _is_staffish(request.user):
        raise PermissionDenied
    region = _scope(request)
    if not selectors.sees_personal_data_of(request.user, region):
        raise PermissionDenied
    return region


def _render(request, template: str, context: dict):
    context.setdefault("is_staffish", _is_staffish(request.user))
    context.setdefault("is_manager", services.is_manager(request.user))
    return render(request, template, context)


# ---------------------------------------------------------------- overview


def overview(request):
    region = _scope(request)
    context = {
        "region": region,
        "stats": selectors.overview(region),
        "activities": selectors.visible_activities(request.user, region)
        .filter(state=ActivityState.PUBLISHED)
        .order_by("starts_at")[:6],
        "projects": selectors.in_region(PartyBuildingProject.objects.select_related("party_unit"), region)[
            :10
        ],
        "is_staffish": _is_staffish(request.user),
    }
    if context["is_staffish"]:
        context["coverage"] = selectors.coverage(
            region, context["stats"]["days"], level=RegionLevel.COMMUNITY
        )
    return _render(request, "community/overview.html", context)


# ---------------------------------------------------------------- self-organisations


def organization_list(request):
    stage = request.GET.get("stage", "")
    domain = request.GET.get("domain", "")
    orgs = selectors.organizations(
        _scope(request),
        stage if stage in OrgStage.values else None,
        domain if domain in OrgDomain.values else None,
    )
    page_forms = {"form": forms.OrganizationForm() if request.user.is_authenticated else None}
    restore_input(request, page_forms)
    return _render(
        request,
        "community/organization_list.html",
        {
            "orgs": orgs[:200],
            "stages": OrgStage.choices,
            "domains": OrgDomain.choices,
            "stage": stage,
            "domain": domain,
            **page_forms,
        },
    )


@login_required
@require_POST
def organization_new(request):
    return _act(
        request,
        forms.OrganizationForm,
        lambda d: services.register_organization(request.user, **d),
        success=_("申请已提交，等待社区评审。"),
        back=reverse("community:organizations"),
        then=lambda org: reverse("community:organization", args=[org.pk]),
    )


def organization_detail(request, pk: int):
    org = get_object_or_404(SelfOrganization.objects.select_related("region", "mentor_unit"), pk=pk)
    manage = services.can_manage(request.user, org.region)
    is_member = request.user.is_authenticated and org.members.filter(user=request.user).exists()
    members = list(org.members.select_related("user"))
    for (
        m
    ) in members:  # the public sees masked names (张**); the organisation's managers and members see names
        name = m.user.display_name.strip()
        m.shown_name = person_label(m.user) if manage or is_member or not name else mask_name(name)
    page_forms = {"mentor_form": forms.MentorForm() if manage else None}
    restore_input(request, page_forms)
    return _render(
        request,
        "community/organization_detail.html",
        {
            **page_forms,
            "org": org,
            "manage": manage,
            "members": members,
            "reviews": org.reviews.select_related("reviewer"),
            "projects": org.projects.all(),
            "activities": selectors.visible_activities(request.user).filter(organizer_org=org)[:20],
            "actions": [(a.name, a.label) for a in community_actions.offered_stage_actions(request.user, org)]
            if manage
            else [],
            "is_member": is_member,
        },
    )


@login_required
@require_POST
def organization_review(request, pk: int):
    return _act(
        request,
        forms.ReviewForm,
        lambda d: community_actions.stage_service(d["action"])(
            request.user, pk, action=d["action"], opinion=d["opinion"], filing_number=d["filing_number"]
        ),
        success=_("评审结果已记录。"),
        back=reverse("community:organization", args=[pk]),
    )


@login_required
@require_POST
def organization_mentor(request, pk: int):
    return _act(
        request,
        forms.MentorForm,
        lambda d: services.set_mentor_unit(request.user, pk, **d),
        success=_("指导单位已设置。"),
        back=reverse("community:organization", args=[pk]),
    )


@login_required
@require_POST
def organization_join(request, pk: int):
    return _act(
        request,
        None,
        lambda d: services.join_organization(request.user, pk),
        success=_("已加入自组织。"),
        back=reverse("community:organization", args=[pk]),
    )


# ---------------------------------------------------------------- activities


def activity_list(request):
    party = request.GET.get("party") == "1"
    activities = selectors.visible_activities(request.user, _scope(request), party_masses=party)
    page_forms = {"form": forms.ActivityForm() if request.user.is_authenticated else None}
    restore_input(request, page_forms)
    return _render(
        request,
        "community/activity_list.html",
        {"activities": activities[:200], "party": party, **page_forms},
    )


@login_required
@require_POST
def activity_new(request):
    form = forms.ActivityForm(request.POST)
    back = reverse("community:activities")
    if not form.is_valid():
        messages.error(request, _first_error(form))
        keep_input(request, forms.ActivityForm, back)
        return redirect(back)
    data = dict(form.cleaned_data)
    org_id, red_id = data.pop("organizer_org"), data.pop("red_resource")
    org = SelfOrganization.objects.filter(pk=org_id).first() if org_id else None
    if org_id and org is None:
        messages.error(request, _("主办自组织不存在。"))
        keep_input(request, forms.ActivityForm, back, _("主办自组织不存在。"), "organizer_org")
        return redirect(back)
    data["organizer_org"] = org
    data["organizer_unit"] = None if org else request.user.unit
    data["red_resource"] = RedResource.objects.filter(pk=red_id).first() if red_id else None
    data["hours"] = data["hours"] or 0
    try:
        activity = services.create_activity(request.user, **data)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        keep_input(request, forms.ActivityForm, back, exc.message, exc.field)
        return redirect(back)
    messages.success(request, _("活动已创建（草稿），确认无误后请发布。"))
    return redirect("community:activity", pk=activity.pk)


def activity_detail(request, pk: int):
    activity = get_object_or_404(selectors.visible_activities(request.user), pk=pk)
    organize = services.can_organize(request.user, activity)
    signup = selectors.signup_of(activity, request.user)
    context = {
        "activity": activity,
        "organize": organize,
        "signup": signup,
        "position": selectors.waiting_position(signup)
        if signup and signup.state == SignupState.WAITING
        else None,
        "actions": [
            (a.name, a.label) for a in community_actions.offered_activity_actions(request.user, activity)
        ]
        if organize
        else [],
    }
    if organize:
        context["signups"] = activity.signups.select_related("user", "record").order_by(
            "state", "created_at", "id"
        )
        context["checkin_url"] = request.build_absolute_uri(
            reverse("community:check_in", args=[activity.pk]) + "?t=" + services.qr_token(activity)
        )
    return _render(request, "community/activity_detail.html", context)


def _back(pk):
    return reverse("community:activity", args=[pk])


@login_required
@require_POST
def activity_advance(request, pk: int, action: str):
    return _act(
        request,
        None,
        lambda d: community_actions.activity_service(action)(request.user, pk),
        success=_("活动状态已更新。"),
        back=_back(pk),
    )


@login_required
@require_POST
def activity_sign_up(request, pk: int):
    try:
        signup = services.sign_up(request.user, pk)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("报名成功。")
            if signup.state == SignupState.REGISTERED
            else _("名额已满，您已进入候补名单，有人取消时将按顺序递补。"),
        )
    return redirect(_back(pk))


@login_required
@require_POST
def activity_cancel(request, pk: int):
    return _act(
        request,
        None,
        lambda d: services.cancel_signup(request.user, pk),
        success=_("已取消报名。"),
        back=_back(pk),
    )


def activity_qr(request, pk: int):
    activity = get_object_or_404(Activity, pk=pk)
    if not services.can_organize(request.user, activity):
        raise PermissionDenied
    url = request.build_absolute_uri(
        reverse("community:check_in", args=[pk]) + "?t=" + services.qr_token(activity)
    )
    return HttpResponse(documents.qr_svg(url), content_type="image/svg+xml")


@login_required
def check_in(request, pk: int):
    """Where the QR code leads: the participant confirms and is signed in with the code's token."""
    activity = get_object_or_404(Activity, pk=pk)
    token = (request.POST.get("t") or request.GET.get("t") or "")[:500]
    if request.method == "POST":
        try:
            services.sign_in_by_qr(request.user, pk, token)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("签到成功。"))
        return redirect(_back(pk))
    return _render(request, "community/check_in.html", {"activity": activity, "token": token})


@login_required
@require_POST
def activity_staff_sign_in(request, pk: int):
    def call(d):
        services.sign_in_by_staff(request.user, pk, user=get_object_or_404(User, pk=d["user_id"]))

    return _act(request, forms.UserIdForm, call, success=_("已代为签到。"), back=_back(pk))


@login_required
@require_POST
def activity_hours(request, pk: int):
    def call(d):
        services.record_hours(
            request.user, pk, user=get_object_or_404(User, pk=d["user_id"]), hours=d["hours"]
        )

    return _act(request, forms.HoursForm, call, success=_("服务时长已记录，确认后入账。"), back=_back(pk))


@login_required
@require_POST
def record_confirm(request, record_id: int):
    record = get_object_or_404(ServiceRecord.objects.select_related("signup"), pk=record_id)
    return _act(
        request,
        None,
        lambda d: services.confirm_hours(request.user, record_id),
        success=_("服务时长已确认入账。"),
        back=_back(record.signup.activity_id),
    )


# ---------------------------------------------------------------- my hours


@login_required
def my_hours(request):
    return _render(
        request,
        "community/my_hours.html",
        {
            "account": selectors.balance(request.user),
            "entries": selectors.entries_for(request.user),
            "history": selectors.service_history(request.user),
            "total": selectors.total_hours(request.user),
            "signups": Signup.objects.filter(user=request.user)
            .select_related("activity")
            .order_by("-created_at")[:50],
            "rewards": RewardItem.objects.filter(
                is_active=True, region__in=services.volunteer_communities(request.user)
            ).select_related("region"),
            "held": services.held_points(request.user),
            "redemptions": Redemption.objects.filter(user=request.user).select_related("item")[:50],
        },
    )


@login_required
def certificate(request):
    if not selectors.service_history(request.user):
        messages.error(request, _("您还没有已确认的志愿服务时长，暂不能开具证明。"))
        return redirect("community:my_hours")
    response = HttpResponse(documents.certificate_pdf(request.user), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="certificate.pdf"'
    return response


# ---------------------------------------------------------------- households


@login_required
def household_list(request):
    user = request.user
    region = _staff_scope(request)
    try:
        days = max(1, min(int(request.GET.get("days", selectors.coverage_days())), 365))
    except ValueError:
        days = selectors.coverage_days()
    own = PartyMemberHousehold.objects.filter(party_member=user).first()
    page_forms = {
        "center_form": forms.CentralHouseholdForm(region=region) if services.is_manager(user) else None
    }
    restore_input(request, page_forms)
    return _render(
        request,
        "community/household_list.html",
        {
            **page_forms,
            "region": region,
            "days": days,
            "own": own,
            "centers": selectors.centers(region),
            "rows": selectors.coverage(region, days),
            "community_rows": selectors.coverage(region, days, "community"),
            "unvisited": selectors.unvisited(region, days)[:200],
            "limits": services.household_limits(),
        },
    )


@login_required
@require_POST
def household_new(request):
    lo, hi = services.household_limits()
    return _act(
        request,
        forms.CentralHouseholdForm,
        lambda d: services.create_central_household(request.user, **d),
        form_kwargs={"region": selectors.scope_region(request.user)},
        success=_("已设立党员中心户，请添加其联系的 %(a)s–%(b)s 户。") % {"a": lo, "b": hi},
        back=reverse("community:households"),
        then=lambda center: reverse("community:household", args=[center.pk]),
    )


@login_required
def household_detail(request, pk: int, visit_form=None):
    center = get_object_or_404(PartyMemberHousehold.objects.select_related("party_member", "grid"), pk=pk)
    if not (
        center.party_member_id == request.user.pk
        or (_is_staffish(request.user) and selectors.sees_personal_data_of(request.user, center.grid))
    ):
        raise PermissionDenied
    owner = center.party_member_id == request.user.pk or services.can_manage(request.user, center.grid)
    households = list(center.households.all())
    page_forms = {"household_form": forms.HouseholdForm() if owner else None}
    restore_input(request, page_forms)
    return _render(
        request,
        "community/household_detail.html",
        {
            **page_forms,
            "center": center,
            "households": households,
            "owner": owner,
            "limits": services.household_limits(),
            "visits": center.visits.prefetch_related("households").select_related("appeal")[:50],
            "visit_form": visit_form or (forms.VisitForm(households=households) if owner else None),
        },
    )


@login_required
@require_POST
def household_link(request, pk: int):
    return _act(
        request,
        forms.HouseholdForm,
        lambda d: services.link_household(request.user, pk, **d),
        success=_("联系户已添加。"),
        back=reverse("community:household", args=[pk]),
    )


@login_required
@require_POST
def household_visit(request, pk: int):
    center = get_object_or_404(PartyMemberHousehold, pk=pk)
    back = reverse("community:household", args=[pk])
    form = forms.VisitForm(request.POST, households=center.households.all())
    if not form.is_valid():  # the page again, with what was typed and the errors on their fields
        return household_detail(request, pk, visit_form=form)
    try:
        visit = services.record_visit(request.user, pk, **form.cleaned_data)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return household_detail(request, pk, visit_form=form)
    else:
        if visit.appeal_id:
            messages.success(request, _("走访已记录，并已登记诉求 %(n)s。") % {"n": visit.appeal.number})
        else:
            messages.success(request, _("走访已记录。"))
    return redirect(back)


@login_required
def matches(request):
    region = _staff_scope(request)
    needs = selectors.matches(
        region, limit=200
    )  # matched once: the page lists the first 40, counts the unmet of all
    return _render(
        request,
        "community/matches.html",
        {
            "region": region,
            "needs": needs[:40],
            "unmet": selectors.unmet_needs(needs),
            "can_ask": services.is_manager(request.user),
            "due_on": timezone.localdate() + timedelta(days=services.help_due_days()),
        },
    )


@login_required
@require_POST
def help_ask(request):
    from gongzhi.appeals.models import Appeal

    from .models import Visit

    def call(d):
        services.ask_for_help(
            request.user,
            kind=d["kind"],
            region=d["region"],
            summary=d["summary"],
            source=d["source"],
            due_on=d["due_on"],
            visit=Visit.objects.filter(pk=d["visit"]).first() if d["visit"] else None,
            appeal=Appeal.objects.filter(pk=d["appeal"]).first() if d["appeal"] else None,
            volunteer=User.objects.filter(pk=d["volunteer"]).first() if d["volunteer"] else None,
            organization=SelfOrganization.objects.filter(pk=d["organization"]).first()
            if d["organization"]
            else None,
        )

    return _act(
        request,
        forms.AskHelpForm,
        call,
        success=_("已发出协助请求，对方接受或婉拒后会通知您。"),
        back=reverse("community:matches"),
    )


@login_required
def help_requests(request):
    region = selectors.scope_region(request.user, request.GET.get("region", ""))
    if services.is_manager(request.user) and not selectors.sees_personal_data_of(request.user, region):
        raise PermissionDenied
    rows = list(selectors.help_requests_for(request.user, region)[:200])
    helper_of = selectors.helped_by(request.user, rows)
    return _render(
        request,
        "community/help_requests.html",
        {
            "rows": rows,
            "helper_of": helper_of,
            "is_manager": services.is_manager(request.user),
            "answer_form": forms.HelpAnswerForm(),
            "done_form": forms.HelpDoneForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def help_answer(request, pk: int, decision: str):
    if decision not in ("accept", "decline"):
        raise PermissionDenied
    return _act(
        request,
        forms.HelpAnswerForm,
        lambda d: services.answer_help_request(request.user, pk, accept=decision == "accept", **d),
        success=_("已接受，这是您的一项任务。") if decision == "accept" else _("已婉拒。"),
        back=reverse("community:help_requests"),
    )


@login_required
@require_POST
def help_done(request, pk: int):
    return _act(
        request,
        forms.HelpDoneForm,
        lambda d: services.complete_help_request(request.user, pk, **d),
        success=_("已记录完成，居民会收到通知。"),
        back=reverse("community:help_requests"),
    )


@login_required
@require_POST
def help_confirm(request, pk: int):
    return _act(
        request,
        None,
        lambda d: services.confirm_help_hours(request.user, pk),
        success=_("服务时长已确认入账。"),
        back=reverse("community:help_requests"),
    )


# ---------------------------------------------------------------- red resources


def red_resource_list(request):
    kind = request.GET.get("kind", "")
    resources = selectors.red_resources(_scope(request))
    if kind in RedResourceKind.values:
        resources = resources.filter(kind=kind)
    resources = list(resources[:300])
    points = [
        {
            "name": r.name,
            "subtitle": r.get_kind_display(),
            "longitude": float(r.longitude),
            "latitude": float(r.latitude),
            "id": r.pk,
            "kind_class": "red-resource",
            "url": reverse("community:red_resource", args=[r.pk]),
        }
        for r in resources
        if r.longitude is not None
    ]
    points += _activity_points(request)
    page_forms = {"form": forms.RedResourceForm() if _is_staffish(request.user) else None}
    restore_input(request, page_forms)
    return _render(
        request,
        "community/red_resource_list.html",
        {
            "resources": resources,
            "kinds": RedResourceKind.choices,
            "kind": kind,
            "points": points,
            **page_forms,
        },
    )


def _activity_points(request) -> list[dict]:
    """The coming activities on the red resources' map: at their red resource when they are held at one, else at
    a point inside their community's boundary (core.geo.region_points); those with neither are not drawn."""
    from django.utils import timezone

    from gongzhi.core.geo import region_points

    inside = region_points()
    points = []
    coming = (
        selectors.visible_activities(request.user, _scope(request))
        .filter(state=ActivityState.PUBLISHED, ends_at__gte=timezone.now())
        .order_by("starts_at")[:100]
    )
    for a in coming:
        if a.red_resource is not None and a.red_resource.longitude is not None:
            lon, lat = float(a.red_resource.longitude), float(a.red_resource.latitude)
        elif a.region_id in inside:
            lon, lat = inside[a.region_id]
        else:
            continue
        points.append(
            {
                "name": a.title,
                "subtitle": f"{timezone.localtime(a.starts_at):%m-%d %H:%M} {a.location}",
                "longitude": lon,
                "latitude": lat,
                "id": a.pk,
                "kind_class": "activity",
                "url": reverse("community:activity", args=[a.pk]),
            }
        )
    return points


@login_required
@require_POST
def red_resource_new(request):
    return _act(
        request,
        forms.RedResourceForm,
        lambda d: services.save_red_resource(request.user, **d),
        success=_("红色资源已登记。"),
        back=reverse("community:red_resources"),
    )


def red_resource_detail(request, pk: int):
    resource = get_object_or_404(RedResource.objects.select_related("region"), pk=pk)
    return _render(
        request,
        "community/red_resource_detail.html",
        {
            "resource": resource,
            "activities": selectors.visible_activities(request.user).filter(red_resource=resource)[:50],
        },
    )


# ---------------------------------------------------------------- party-building projects


def project_list(request):
    region = _scope(request)
    projects = selectors.in_region(
        PartyBuildingProject.objects.select_related("party_unit", "region"), region
    )
    page_forms = {"project_form": forms.ProjectForm() if services.is_manager(request.user) else None}
    restore_input(request, page_forms)
    return _render(
        request, "community/project_list.html", {**page_forms, "region": region, "projects": projects[:100]}
    )


@login_required
@require_POST
def project_new(request):
    return _act(
        request,
        forms.ProjectForm,
        lambda d: services.create_project(request.user, **d),
        success=_("党建项目已创建。"),
        back=reverse("community:projects"),
        then=lambda project: reverse("community:project", args=[project.pk]),
    )


def project_detail(request, pk: int):
    project = get_object_or_404(PartyBuildingProject.objects.select_related("party_unit", "region"), pk=pk)
    runs = services.can_run_project(request.user, project) and project.state != "done"
    page_forms = {
        "progress_form": forms.ProjectProgressForm() if runs else None,
        "activity_form": forms.ProjectActivityForm() if runs else None,
        "result_form": forms.ProjectResultForm() if runs else None,
    }
    restore_input(request, page_forms)
    return _render(
        request,
        "community/project_detail.html",
        {
            **page_forms,
            "project": project,
            "social_orgs": project.social_orgs.all(),
            "self_orgs": project.self_orgs.all(),
            "updates": project.updates.select_related("recorded_by")[:100],
            "activities": project.activities.order_by("-starts_at")[:50],
        },
    )


@login_required
@require_POST
def project_progress(request, pk: int):
    return _act(
        request,
        forms.ProjectProgressForm,
        lambda d: services.record_project_progress(request.user, pk, **d),
        success=_("进展已记录。"),
        back=reverse("community:project", args=[pk]),
    )


@login_required
@require_POST
def project_activity(request, pk: int):
    return _act(
        request,
        forms.ProjectActivityForm,
        lambda d: services.link_project_activity(request.user, pk, activity=d["activity"]),
        success=_("活动已关联到项目。"),
        back=reverse("community:project", args=[pk]),
    )


@login_required
@require_POST
def project_complete(request, pk: int):
    return _act(
        request,
        forms.ProjectResultForm,
        lambda d: services.complete_project(request.user, pk, **d),
        success=_("项目已完成，成效已在社区页面公开。"),
        back=reverse("community:project", args=[pk]),
    )


# ---------------------------------------------------------------- volunteer profiles


@login_required
def volunteer_profile(request):
    profile = getattr(
        request.user, "volunteer_profile", None
    )  # RelatedObjectDoesNotExist is an AttributeError
    back = reverse("community:volunteer")
    if request.method == "POST":
        form = forms.VolunteerProfileForm(request.POST)
        if form.is_valid():
            try:
                services.save_volunteer_profile(request.user, **form.cleaned_data)
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("已保存。社区有需要时会请您帮忙，您可以接受或婉拒。"))
                return redirect(back)
    else:
        initial = (
            {"skills": profile.skill_list(), "availability": profile.availability, "region": profile.region}
            if profile
            else {"region": request.user.region if request.user.region_id else None}
        )
        form = forms.VolunteerProfileForm(initial=initial)
    counter = forms.CounterVolunteerForm() if services.is_manager(request.user) else None
    page_forms = {"counter_form": counter}
    restore_input(request, page_forms)
    return _render(request, "community/volunteer.html", {**page_forms, "form": form, "profile": profile})


@login_required
@require_POST
def volunteer_counter(request):
    def call(data):
        resident = User.objects.filter(phone=data.pop("phone")).first()
        if resident is None:
            raise ServiceError(_("没有用该手机号注册的居民，请先为其登记账号。"), field="phone")
        services.save_volunteer_profile(request.user, user=resident, **data)

    return _act(
        request,
        forms.CounterVolunteerForm,
        call,
        success=_("已为居民登记志愿服务信息。"),
        back=reverse("community:volunteer"),
    )


# ---------------------------------------------------------------- the time bank: catalogue, redemptions, corrections


@login_required
def time_bank(request):
    """Community workers: the catalogue of their community, redemptions to confirm, a volunteer's ledger."""
    if not services.is_manager(request.user):
        raise PermissionDenied
    region = _staff_scope(request)
    items = selectors.in_region(RewardItem.objects.select_related("region"), region)
    pending = selectors.in_region(
        Redemption.objects.filter(state="requested").select_related("item", "user"), region, "item__region"
    )
    volunteer, entries = None, []
    phone = "".join((request.GET.get("phone") or "").split())[:11]
    if phone:
        volunteer = User.objects.filter(phone=phone).first()
        if volunteer is None:
            messages.error(request, _("没有用该手机号注册的居民。"))
        else:
            entries = selectors.entries_for(volunteer)
    page_forms = {"item_form": forms.RewardItemForm()}
    restore_input(request, page_forms)
    return _render(
        request,
        "community/time_bank.html",
        {
            **page_forms,
            "region": region,
            "items": items[:200],
            "pending": pending[:200],
            "phone": phone,
            "volunteer": volunteer,
            "account": selectors.balance(volunteer) if volunteer else None,
            "entries": entries,
            "decision_form": forms.DecisionForm(),
            "correction_form": forms.CorrectionForm(),
        },
    )


@login_required
@require_POST
def reward_new(request):
    return _act(
        request,
        forms.RewardItemForm,
        lambda d: services.save_reward_item(request.user, **d),
        success=_("兑换项目已保存。"),
        back=reverse("community:time_bank"),
    )


@login_required
@require_POST
def reward_toggle(request, pk: int):
    item = get_object_or_404(RewardItem, pk=pk)
    return _act(
        request,
        None,
        lambda d: services.save_reward_item(
            request.user,
            item_id=item.pk,
            region=item.region,
            name=item.name,
            points=item.points,
            description=item.description,
            is_active=not item.is_active,
        ),
        success=_("已下架。") if item.is_active else _("已重新上架。"),
        back=reverse("community:time_bank"),
    )


@login_required
@require_POST
def reward_redeem(request, pk: int):
    return _act(
        request,
        None,
        lambda d: services.request_redemption(request.user, pk),
        success=_("兑换申请已提交，积分已预留；社区工作人员确认后扣除。"),
        back=reverse("community:my_hours"),
    )


@login_required
@require_POST
def redemption_decide(request, pk: int, decision: str):
    if decision not in ("confirm", "reject"):
        raise PermissionDenied
    return _act(
        request,
        forms.DecisionForm,
        lambda d: services.decide_redemption(request.user, pk, approve=decision == "confirm", **d),
        success=_("已确认兑换，积分已扣除。") if decision == "confirm" else _("已婉拒该兑换申请。"),
        back=reverse("community:time_bank"),
    )


@login_required
@require_POST
def entry_correct(request, pk: int):
    phone = "".join((request.POST.get("phone") or "").split())[:11]
    back = reverse("community:time_bank") + (f"?phone={phone}" if phone.isdigit() else "")
    return _act(
        request,
        forms.CorrectionForm,
        lambda d: services.correct_entry(request.user, pk, **d),
        success=_("已登记更正分录（原分录保留）。"),
        back=back,
    )
