"""Credit pages: the officer's board and case page, an enterprise's own page, and the public query.

Views parse input, call one service and render; reads go through selectors.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.choices import Role
from gongzhi.core.errors import ServiceError
from gongzhi.core.ids import parse_id
from gongzhi.core.views import add_service_error, private_file, role_required

from . import actions as credit_actions
from . import discretion, documents, forms, selectors, services
from .choices import CaseState, PenaltyType, RepairStatus, SyncEvent
from .models import Enterprise, Objection, RepairApplication, RepairEvidence
from .workflow import EVENT_LABELS

OFFICER = Role.CREDIT_OFFICER


@role_required(OFFICER)
def board(request):
    state = request.GET.get("state", "")
    if state and state not in CaseState.values:
        state = ""
    return render(
        request,
        "credit/board.html",
        {
            "cases": selectors.board(request.user, state),
            "counts": selectors.state_counts(request.user),
            "state": state,
            "overdue": selectors.overdue_deliveries()[:50],
            "pending_repairs": RepairApplication.objects.filter(status=RepairStatus.SUBMITTED).select_related(
                "case__enterprise"
            ),
        },
    )


@role_required(OFFICER)
def enterprise_new(request):
    form = forms.EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_enterprise(
                request.user,
                name=data["name"],
                uscc=data["uscc"],
                legal_representative=data["legal_representative"],
                address=data["address"],
                contacts=[{"name": data["contact_name"], "phone": data["contact_phone"], "is_primary": True}],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("企业已登记。"))
            return redirect("credit:case_new")
    return render(request, "credit/form.html", {"form": form, "title": _("登记企业")})


@role_required(OFFICER)
def case_new(request):
    form = forms.CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(request.user, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return redirect("credit:case", pk=case.pk)
    return render(request, "credit/form.html", {"form": form, "title": _("新建执行案件")})


def _case_for(request, pk):
    case = selectors.visible_cases(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


@login_required
def evidence(request, pk, evidence_id):
    """A repair application's evidence file, to the officers and the enterprise's contacts only."""
    case = _case_for(request, pk)
    item = get_object_or_404(RepairEvidence, pk=evidence_id, application__case=case)
    return private_file(item.file, item.name, item.content_type)


@login_required
def case_detail(request, pk):
    case = _case_for(request, pk)
    if not services.is_officer(request.user):
        return redirect("credit:mine")
    actions = [(a.name, a.label, a.form(prefix=a.name)) for a in credit_actions.offered(request.user, case)]
    return render(
        request,
        "credit/case.html",
        {
            "case": case,
            "actions": actions,
            "deadlines": case.deadlines.all(),
            "warnings": case.warnings.all(),
            "timeline": [(e, EVENT_LABELS.get(e.action, e.action)) for e in selectors.timeline(case)],
            "sync": [(m, _sync_label(m.event_type)) for m in selectors.sync_status(case)],
            "repairs": case.repairs.prefetch_related("evidence"),
            "objections": case.objections.all(),
            "decision_form": forms.DecisionForm(prefix="decision"),
            "documents": _documents_for(case),
        },
    )


def _sync_label(event_type: str) -> str:
    value = event_type.removeprefix("credit.")
    return str(SyncEvent(value).label) if value in SyncEvent.values else event_type


def _documents_for(case):
    docs = []
    if case.notice_on:
        docs.append(("notice", documents.DOCUMENTS["notice"][0]))
    if case.decided_on:
        docs.append(("decision", documents.DOCUMENTS["decision"][0]))
    if case.state == CaseState.DELETED:
        docs.append(("deletion", documents.DOCUMENTS["deletion"][0]))
    return docs


@role_required(OFFICER)
@require_POST
def act(request, pk, action):
    case = _case_for(request, pk)
    spec = credit_actions.BY_NAME.get(action)
    if spec is None or spec.form is None or spec.service is None:
        raise Http404
    form = spec.form(request.POST, prefix=action)
    if not form.is_valid():
        messages.error(
            request,
            _("提交的数据有误：")
            + "；".join(
                f"{form.fields[f].label if f in form.fields else ''}{' '.join(e)}"
                for f, e in form.errors.items()
            ),
        )
        return redirect("credit:case", pk=case.pk)
    kwargs = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
    try:
        spec.service(request.user, case.pk, **kwargs)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已%(action)s。") % {"action": spec.label})
    return redirect("credit:case", pk=case.pk)


@role_required(OFFICER)
@require_POST
def decide_repair(request, pk):
    application = get_object_or_404(RepairApplication, pk=pk)
    form = forms.DecisionForm(request.POST, prefix="decision")
    if form.is_valid():
        try:
            services.decide_repair(
                request.user,
                application.pk,
                approve=form.cleaned_data["approve"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已作出修复审查决定。"))
    else:
        messages.error(request, _("请选择审查结论并填写理由。"))
    return redirect("credit:case", pk=application.case_id)


@role_required(OFFICER)
@require_POST
def decide_objection(request, pk):
    objection = get_object_or_404(Objection, pk=pk)
    form = forms.DecisionForm(request.POST, prefix="decision")
    if form.is_valid():
        try:
            services.decide_objection(
                request.user,
                objection.pk,
                grant=form.cleaned_data["approve"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("请选择审查结论并填写理由。"))
    return redirect("credit:case", pk=objection.case_id)


@login_required
def document(request, pk, kind):
    case = _case_for(request, pk)
    if kind == "repair":
        application = case.repairs.exclude(status=RepairStatus.SUBMITTED).first()
        if application is None:
            raise Http404
        pdf = documents.repair_notice(application)
    else:
        if kind not in dict(_documents_for(case)):
            raise Http404
        builder = documents.DOCUMENTS[kind][1]
        pdf = builder(case)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{case.pk}-{kind}.pdf"
    return response


@login_required
def mine(request):
    """An enterprise's own page: its notices, what it must do and by when, and how to apply for repair."""
    enterprises = selectors.my_enterprises(request.user)
    if not enterprises.exists() and not services.is_officer(request.user):
        raise PermissionDenied
    cases = (
        selectors.visible_cases(request.user)
        .filter(enterprise__in=enterprises)
        .prefetch_related("warnings", "repairs", "objections")
    )
    rows = [
        {
            "case": c,
            "deadline": selectors.open_deadlines(c).first(),
            "can_repair": c.state == CaseState.PUBLISHED
            and not c.repairs.filter(status=RepairStatus.SUBMITTED).exists(),
            "can_object": c.state in (CaseState.DECIDED, CaseState.PUBLISHED),
            "repair_form": forms.RepairForm(prefix=f"r{c.pk}"),
            "objection_form": forms.ObjectionForm(prefix=f"o{c.pk}"),
            "documents": _documents_for(c),
            "repair_done": c.repairs.exclude(status=RepairStatus.SUBMITTED).exists(),
        }
        for c in cases
    ]
    own = [
        {
            "enterprise": e,
            "appeals": selectors.enterprise_appeals(request.user, e),
            "penalties": _penalty_rows(selectors.penalties(request.user, e)),
            "exemptions": selectors.exemption_decisions(request.user, e),
        }
        for e in enterprises
    ]
    return render(request, "credit/mine.html", {"enterprises": enterprises, "rows": rows, "own": own})


@login_required
@require_POST
def repair_apply(request, pk):
    case = _case_for(request, pk)
    form = forms.RepairForm(request.POST, request.FILES, prefix=f"r{case.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.submit_repair(
                request.user,
                case.pk,
                ground=data["ground"],
                statement=data["statement"],
                commitment=data["commitment"],
                files=[data["evidence"]],
            )
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("信用修复申请已提交，请等待审查。"))
    else:
        messages.error(request, _("请填写修复理由、情况说明、信用承诺并上传证明材料。"))
    return redirect("credit:mine")


@login_required
@require_POST
def objection_apply(request, pk):
    case = _case_for(request, pk)
    form = forms.ObjectionForm(request.POST, prefix=f"o{case.pk}")
    if form.is_valid():
        try:
            services.file_objection(request.user, case.pk, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("纠正申请已提交，法院将在15日内审查。"))
    else:
        messages.error(request, _("请选择申请理由并填写申请内容。"))
    return redirect("credit:mine")


def query(request):
    """The public query: only what is published."""
    form = forms.QueryForm(request.GET or None)
    results = None
    if form.is_valid() and form.cleaned_data["q"]:
        results = selectors.public_query(form.cleaned_data["q"])[:100]
    return render(request, "credit/query.html", {"form": form, "results": results})


# ---------------------------------------------------------------- enterprises and their appeals (急企业之所急)


def _require_enterprise_staff(request):
    if not selectors.can_see_enterprises(request.user):
        raise PermissionDenied


@login_required
def enterprise_list(request):
    """Officers and operators look an enterprise up (operators to record an appeal on its behalf)."""
    _require_enterprise_staff(request)
    form = forms.EnterpriseSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    return render(
        request,
        "credit/enterprises.html",
        {
            "form": form,
            "enterprises": selectors.enterprises(request.user, q)[:200],
            "is_officer": services.is_officer(request.user),
        },
    )


@login_required
def enterprise_detail(request, pk, contact_form=None):
    """An enterprise's page: its appeals for officers and operators; its cases and penalties for officers."""
    enterprise = get_object_or_404(Enterprise, pk=pk)
    if not selectors.can_see_enterprises(request.user):
        if services.is_contact(request.user, enterprise.pk):
            return redirect("credit:mine")
        raise PermissionDenied
    officer = services.is_officer(request.user)
    context = {
        "enterprise": enterprise,
        "is_officer": officer,
        "appeals": selectors.enterprise_appeals(request.user, enterprise),
        "can_submit": services.can_submit_enterprise_appeal(request.user, enterprise.pk),
    }
    if officer:
        context.update(
            {
                "contacts": enterprise.contacts.select_related("user"),
                "contact_form": contact_form or forms.ContactForm(prefix="contact"),
                "cases": selectors.visible_cases(request.user).filter(enterprise=enterprise),
                "penalties": _penalty_rows(selectors.penalties(request.user, enterprise)),
                "exemptions": selectors.exemption_decisions(request.user, enterprise),
            }
        )
    return render(request, "credit/enterprise.html", context, status=400 if contact_form is not None else 200)


@login_required
@require_POST
def contact_add(request, pk):
    """A credit officer adds a contact to the enterprise (services.add_contact links an account with that number)."""
    enterprise = get_object_or_404(Enterprise, pk=pk)
    if not services.is_officer(request.user):
        raise PermissionDenied
    form = forms.ContactForm(request.POST, prefix="contact")
    if form.is_valid():
        try:
            contact = services.add_contact(request.user, enterprise, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("已添加联系人%(name)s%(linked)s。")
                % {
                    "name": contact.name,
                    "linked": _("，并已绑定其平台账号") if contact.user_id else _("，其首次登录后自动绑定"),
                },
            )
            return redirect("credit:enterprise", pk=enterprise.pk)
    return enterprise_detail(request, pk, contact_form=form)


@login_required
def enterprise_appeal_new(request, pk):
    enterprise = get_object_or_404(Enterprise, pk=pk)
    if not services.can_submit_enterprise_appeal(request.user, enterprise.pk):
        raise PermissionDenied
    own = services.is_contact(request.user, enterprise.pk)
    form = forms.EnterpriseAppealForm(
        request.POST or None, request.FILES or None, on_behalf=not own, enterprise=enterprise
    )
    if request.method == "POST" and form.is_valid():
        try:
            link = services.submit_enterprise_appeal(request.user, enterprise.pk, **form.service_kwargs())
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("企业诉求已受理，编号 %(number)s。") % {"number": link.appeal.number})
            return redirect(
                "credit:mine" if own else "credit:enterprise", **({} if own else {"pk": enterprise.pk})
            )
    return render(
        request,
        "credit/enterprise_appeal_form.html",
        {"form": form, "enterprise": enterprise, "on_behalf": not own},
    )


# ---------------------------------------------------------------- administrative penalties (C, D)


def _penalty_rows(qs):
    return [
        {
            "penalty": p,
            "publicity": services.penalty_publicity(p),
            "repair": services.penalty_repair_eligibility(p),
        }
        for p in qs
    ]


@role_required(OFFICER)
def penalty_list(request):
    enterprise = None
    if (pk := parse_id(request.GET.get("enterprise"))) is not None:
        enterprise = Enterprise.objects.filter(pk=pk).first()
    return render(
        request,
        "credit/penalties.html",
        {
            "enterprise": enterprise,
            "rows": _penalty_rows(selectors.penalties(request.user, enterprise)[:500]),
            "exemptions": selectors.exemption_decisions(request.user, enterprise)[:500],
        },
    )


@role_required(OFFICER)
def penalty_new(request, pk):
    """Two steps: the Art. 33 check first (its result and reason shown), then — as that result allows — the
    penalty with its classification, or the 不予行政处罚决定 instead. The services check the same rule again."""
    enterprise = get_object_or_404(Enterprise, pk=pk)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    check_form = forms.PenaltyCheckForm(request.POST if step else None)
    context = {"enterprise": enterprise, "check_form": check_form, "check": None}
    if not step or not check_form.is_valid():
        return render(request, "credit/penalty_form.html", context)
    factors = check_form.factors()
    check = services.check_penalty_exemption(
        first_violation=factors["first_violation"],
        minor=factors["minor_violation"],
        corrected_promptly=factors["corrected_promptly"],
        harm=factors["harm"],
        no_fault_proven=factors["no_fault_proven"],
    )
    penalty_form = forms.PenaltyRecordForm(request.POST if step == "penalty" else None, prefix="p")
    exemption_form = forms.ExemptionDecisionForm(request.POST if step == "exemption" else None, prefix="x")
    facts = check_form.cleaned_data["facts"]
    if step == "penalty" and penalty_form.is_valid():
        data = penalty_form.cleaned_data
        try:
            penalty = services.record_penalty(
                request.user,
                enterprise=enterprise,
                facts=facts,
                authority=data["authority"],
                decision_number=data["decision_number"],
                decided_on=data["decided_on"],
                penalty_types=data["penalty_types"],
                severity=data["severity"],
                fine_amount=data["fine_amount"] or 0,
                performed=data["performed"],
                exemption_declined_reason=data["exemption_declined_reason"],
                band_id=data.get("band"),
                outside_reason=data.get("outside_reason", ""),
                **factors,
            )
        except ServiceError as exc:
            add_service_error(penalty_form, exc)
        else:
            messages.success(request, _("行政处罚已记录。"))
            return redirect("credit:penalty", pk=penalty.pk)
    if step == "exemption" and exemption_form.is_valid():
        data = exemption_form.cleaned_data
        try:
            services.record_exemption_decision(
                request.user, enterprise=enterprise, facts=facts, **data, **factors
            )
        except ServiceError as exc:
            add_service_error(exemption_form, exc)
        else:
            messages.success(request, _("已记录不予行政处罚决定，不产生行政处罚信息。"))
            return redirect("credit:enterprise", pk=enterprise.pk)
    context.update(
        {
            "check": check,
            "factors": factors,
            "penalty_form": penalty_form,
            "exemption_form": exemption_form,
            "step": step,
        }
    )
    return render(request, "credit/penalty_form.html", context)


@login_required
def penalty_detail(request, pk):
    """A penalty record: classification, publicity period and repair eligibility, explained in Chinese."""
    penalty = selectors.penalties(request.user).filter(pk=pk).first()
    if penalty is None:
        raise Http404
    officer = services.is_officer(request.user)
    form = forms.PerformedForm(request.POST or None)
    if request.method == "POST" and request.POST.get("approve_band"):
        if not officer:
            raise PermissionDenied
        try:
            discretion.approve_outside_band(request.user, penalty.pk)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已审批：同意超出裁量基准的处罚决定。"))
        return redirect("credit:penalty", pk=penalty.pk)
    if request.method == "POST":
        if not officer:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.mark_penalty_performed(request.user, penalty.pk, note=form.cleaned_data["note"])
            except ServiceError as exc:
                messages.error(request, str(exc.message))
            else:
                messages.success(request, _("已记录履行完毕。"))
            return redirect("credit:penalty", pk=penalty.pk)
    labels = dict(PenaltyType.choices)
    return render(
        request,
        "credit/penalty.html",
        {
            "penalty": penalty,
            "is_officer": officer,
            "form": form,
            "types": [labels.get(t, t) for t in penalty.penalty_types],
            "check_text": services.EXEMPTION_TEXT[penalty.exemption],
            "publicity": services.penalty_publicity(penalty),
            "repair": services.penalty_repair_eligibility(penalty),
            "band": penalty.band,
            "band_text": discretion.band_text(penalty.band) if penalty.band_id else "",
            "departures": discretion.departures(penalty.band, penalty.penalty_types, penalty.fine_amount)
            if penalty.band_id
            else [],
            "may_approve": officer
            and penalty.awaiting_approval
            and penalty.recorded_by_id != request.user.pk,
        },
    )
