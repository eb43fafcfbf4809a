"""行政处罚裁量基准 (issue O item 3, 过罚相当): the benchmark a penalty is decided under, the band it must keep to,
and the second officer who approves a decision outside it; importing a department's published table.

A penalty picks its violation and grade (a DiscretionBand). Its measures must be among the band's and its fine
within the band's range; otherwise the record needs a written reason and stays 待审批 until another credit
officer approves it. The record shows the band beside the decision."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import append_audit_event
from gongzhi.core.spreadsheets import read_table

from .choices import DiscretionGrade, PenaltyType
from .models import AdministrativePenalty, DiscretionBand, DiscretionBenchmark


def band_text(band: DiscretionBand) -> str:
    """The band in words: 「罚款 2,000–4,000 元；警告、罚款」."""
    labels = dict(PenaltyType.choices)
    measures = "、".join(str(labels.get(m, m)) for m in band.measures) or _("（无）")
    if band.fine_min is None and band.fine_max is None:
        return _("处罚种类：%(m)s；不罚款") % {"m": measures}
    low = f"{band.fine_min or 0:,.0f}"
    high = f"{band.fine_max:,.0f}" if band.fine_max is not None else _("不限")
    return _("处罚种类：%(m)s；罚款 %(low)s–%(high)s 元") % {"m": measures, "low": low, "high": high}


def departures(band: DiscretionBand, penalty_types: list[str], fine_amount) -> list[str]:
    """How a decision leaves the band, in words ([] when it keeps to it)."""
    labels = dict(PenaltyType.choices)
    out = [
        _("处罚种类「%(t)s」不在基准范围内") % {"t": labels.get(t, t)}
        for t in penalty_types
        if t not in band.measures
    ]
    fine = Decimal(str(fine_amount or 0))
    if fine:
        if band.fine_min is None and band.fine_max is None:
            out.append(_("基准不罚款，本决定罚款 %(f)s 元") % {"f": f"{fine:,.0f}"})
        elif band.fine_min is not None and fine < band.fine_min:
            out.append(
                _("罚款 %(f)s 元低于基准下限 %(m)s 元") % {"f": f"{fine:,.0f}", "m": f"{band.fine_min:,.0f}"}
            )
        elif band.fine_max is not None and fine > band.fine_max:
            out.append(
                _("罚款 %(f)s 元高于基准上限 %(m)s 元") % {"f": f"{fine:,.0f}", "m": f"{band.fine_max:,.0f}"}
            )
    return out


def check_band(band_id, penalty_types: list[str], fine_amount, outside_reason: str) -> dict:
    """The penalty's fields for its band: {"band", "outside_band", "outside_reason"}; refuses a decision outside
    the band without a written reason."""
    band = (
        DiscretionBand.objects.select_related("benchmark")
        .filter(pk=band_id, benchmark__is_active=True)
        .first()
    )
    if band is None:
        raise ServiceError(_("请选择违法行为和裁量等级（裁量基准）。"), field="band")
    outside = departures(band, penalty_types, fine_amount)
    reason = (outside_reason or "").strip()
    if outside and len(reason) < 10:
        raise ServiceError(
            _("本决定超出裁量基准（%(why)s），须写明理由（至少10个字），并由另一名信用专员审批。")
            % {"why": "；".join(outside)},
            code="outside_band",
            field="outside_reason",
        )
    return {"band": band, "outside_band": bool(outside), "outside_reason": reason if outside else ""}


def approve_outside_band(actor, penalty_id: int) -> AdministrativePenalty:
    """A second credit officer approves a decision outside its band (the recorder may not)."""
    from .services._base import _require_officer

    _require_officer(actor)
    with transaction.atomic():
        penalty = AdministrativePenalty.objects.select_for_update().filter(pk=penalty_id).first()
        if penalty is None:
            raise ServiceError(_("行政处罚记录不存在。"), code="not_found")
        if not penalty.awaiting_approval:
            raise IllegalTransition(_("该处罚没有待审批的超出基准事项。"))
        if penalty.recorded_by_id == actor.pk:
            raise PermissionDeniedError(
                _("超出裁量基准的决定须由另一名信用专员审批，记录人不能审批自己录入的决定。"),
                code="same_officer",
            )
        penalty.band_approved_by, penalty.band_approved_at = actor, timezone.now()
        penalty.save(update_fields=["band_approved_by", "band_approved_at"])
        append_audit_event(
            actor,
            "approve_outside_band",
            target=f"credit.penalty:{penalty.pk}",
            note=penalty.outside_reason,
            after={"decision_number": penalty.decision_number},
        )
    return penalty


# ---------------------------------------------------------------- importing a published table

COLUMNS = {
    "执法领域": "field",
    "编号": "code",
    "违法行为": "violation",
    "违法依据": "legal_basis",
    "处罚依据": "penalty_basis",
    "裁量等级": "grade",
    "适用情形": "circumstances",
    "处罚种类": "measures",
    "罚款下限": "fine_min",
    "罚款上限": "fine_max",
    "来源": "source",
}
REQUIRED = (
    "field",
    "code",
    "violation",
    "legal_basis",
    "penalty_basis",
    "grade",
    "circumstances",
    "measures",
)


def _money(value, row: int, label: str):
    text = str(value if value is not None else "").replace(",", "").replace("元", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ServiceError(
            _("第%(r)s行：%(l)s「%(v)s」不是金额。") % {"r": row, "l": label, "v": value}
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ServiceError(_("第%(r)s行：%(l)s须为不小于0的金额。") % {"r": row, "l": label})
    return amount.quantize(Decimal("0.01"))


def import_benchmarks(actor, data: bytes, filename: str, *, source: str = "") -> dict:
    """Import (or update, by 编号 and 裁量等级) a table of the kind departments publish: one row per violation and
    grade, columns 执法领域, 编号, 违法行为, 违法依据, 处罚依据, 裁量等级 (轻微/一般/较重/严重), 适用情形, 处罚种类
    (names separated by 、), 罚款下限, 罚款上限, 来源. The whole file or nothing: a bad row refuses it, named."""
    from .services._base import _require_officer

    if not (actor.is_superuser or actor.has_role("admin")):
        _require_officer(actor)
    headers, rows, _n = read_table(data, filename)
    index = {COLUMNS[h]: i for i, h in enumerate(headers) if h in COLUMNS}
    missing = [title for title, key in COLUMNS.items() if key in REQUIRED and key not in index]
    if missing:
        raise ServiceError(_("缺少必需的列：%(c)s。") % {"c": "、".join(missing)}, code="import_file")
    grades = {str(label): value for value, label in DiscretionGrade.choices}
    types = {str(label): value for value, label in PenaltyType.choices}
    parsed = []
    for row_number, values in rows:
        get = {
            key: ("" if i >= len(values) or values[i] is None else str(values[i]).strip())
            for key, i in index.items()
        }
        if not any(get.values()):
            continue
        for key in REQUIRED:
            if not get.get(key):
                title = next(t for t, k in COLUMNS.items() if k == key)
                raise ServiceError(_("第%(r)s行：「%(c)s」不能为空。") % {"r": row_number, "c": title})
        grade = grades.get(get["grade"])
        if grade is None:
            raise ServiceError(
                _("第%(r)s行：裁量等级「%(g)s」应为轻微、一般、较重或严重。")
                % {"r": row_number, "g": get["grade"]}
            )
        measures, rest = [], get["measures"]
        for label in sorted(
            types, key=len, reverse=True
        ):  # names hold 、 themselves ("没收违法所得、没收非法财物")
            if label in rest:
                measures.append(types[label])
                rest = rest.replace(label, "")
        leftover = rest.replace("、", "").replace("，", "").replace(",", "").strip()
        if leftover:
            raise ServiceError(
                _("第%(r)s行：处罚种类「%(t)s」不是行政处罚法第9条的种类。")
                % {"r": row_number, "t": leftover}
            )
        measures = [m for m in PenaltyType.values if m in measures]  # the law's order
        low, high = (
            _money(get.get("fine_min"), row_number, _("罚款下限")),
            _money(get.get("fine_max"), row_number, _("罚款上限")),
        )
        if low is not None and high is not None and low > high:
            raise ServiceError(_("第%(r)s行：罚款下限高于上限。") % {"r": row_number})
        parsed.append((get, grade, measures, low, high))
    if not parsed:
        raise ServiceError(_("文件中没有基准。"), code="import_file")
    counts = {"benchmarks": 0, "bands": 0}
    with transaction.atomic():
        seen = set()
        for get, grade, measures, low, high in parsed:
            benchmark, _created = DiscretionBenchmark.objects.update_or_create(
                code=get["code"],
                defaults={
                    "field": get["field"],
                    "violation": get["violation"],
                    "legal_basis": get["legal_basis"],
                    "penalty_basis": get["penalty_basis"],
                    "source": get.get("source") or source or filename,
                    "is_active": True,
                },
            )
            if benchmark.pk not in seen:
                seen.add(benchmark.pk)
                counts["benchmarks"] += 1
            DiscretionBand.objects.update_or_create(
                benchmark=benchmark,
                grade=grade,
                defaults={
                    "circumstances": get["circumstances"],
                    "measures": measures,
                    "fine_min": low,
                    "fine_max": high,
                },
            )
            counts["bands"] += 1
        append_audit_event(actor, "import_discretion", note=filename, after=counts)
    return counts
