"""Exports (issue 8, part 3): appeals to Excel and CSV with the reader's masking, and the monthly three-rates
report per unit and per street as Excel and PDF.

The appeal columns are `fields.FIELDS`' titles, so an export imports again unchanged (the round trip).
Residents' numbers are masked exactly as the appeal page masks them for this user (`selectors.appellant_for`);
an appellant hidden from the user (anonymous, or confidential for a handling unit) is left out entirely.
"""

import io
from collections.abc import Iterator
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.models import Region
from gongzhi.core.spreadsheets import FORMULA_STARTS, XLSX_TYPE, safe_text, to_csv, to_xlsx  # noqa: F401

from .. import rates, selectors
from ..models import Category
from .fields import DATETIME_FIELDS, FIELDS

EXPORT_FIELDS = [key for key in FIELDS if key != "source_id"]  # our number is the source id of our own export


def headers() -> list[str]:
    return [str(FIELDS[key][0]) for key in EXPORT_FIELDS]


def appeal_rows(user, queryset) -> Iterator[list]:
    """One list of cell values per appeal, in EXPORT_FIELDS order; times are local and to the second."""
    regions = {r.pk: r for r in Region.objects.all()}
    for r in regions.values():
        r.parent = None if r.parent_id is None else regions.get(r.parent_id)
    categories = {c.pk: c for c in Category.objects.all()}
    for c in categories.values():
        c.parent = None if c.parent_id is None else categories.get(c.parent_id)
    region_names = {pk: r.full_name() for pk, r in regions.items()}
    qs = queryset.select_related(None).select_related("lead_unit", "master").order_by("-received_at", "-id")
    for appeal in qs.iterator(chunk_size=2000):
        person = selectors.appellant_for(user, appeal)
        hidden = person["hidden"]
        category = categories.get(appeal.category_id)
        region = regions.get(appeal.region_id)
        values = {
            "number": appeal.number or "",
            "title": appeal.title,
            "content": appeal.content,
            "kind": appeal.get_kind_display(),
            "channel": appeal.get_channel_display(),
            "urgency": appeal.get_urgency_display(),
            "state": appeal.get_state_display(),
            "category_code": category.code if category else "",
            "category": category.full_name() if category else "",
            "region_code": region.code if region else "",
            "region": region_names.get(appeal.region_id, ""),
            "address": appeal.address,
            "longitude": "" if appeal.longitude is None else f"{appeal.longitude}",
            "latitude": "" if appeal.latitude is None else f"{appeal.latitude}",
            "appellant_name": "" if hidden else person["name"],
            "appellant_phone": "" if hidden else person["phone"],
            "appellant_id_number": "" if hidden else person["id_number"],
            "anonymous": _("是") if appeal.anonymous else _("否"),
            "confidential": _("是") if appeal.confidential else _("否"),
            "lead_unit_code": appeal.lead_unit.code if appeal.lead_unit_id else "",
            "lead_unit": appeal.lead_unit.name if appeal.lead_unit_id else "",
            "reply_text": appeal.reply_text,
            "close_reason": appeal.get_close_reason_display() if appeal.close_reason else "",
            "master_number": appeal.master.number if appeal.master_id else "",
            "keywords": appeal.keywords,
        }
        for key in DATETIME_FIELDS:
            value = getattr(appeal, key)
            values[key] = timezone.localtime(value).replace(microsecond=0, tzinfo=None) if value else None
        yield [values[key] for key in EXPORT_FIELDS]


def appeals_csv(user, queryset) -> bytes:
    return to_csv(headers(), appeal_rows(user, queryset))


def appeals_xlsx(user, queryset) -> bytes:
    return to_xlsx([(_("诉求"), headers(), appeal_rows(user, queryset))], widths={3: 40, 4: 60})


# ---------------------------------------------------------------- the three rates


RATE_HEADERS = [
    "排名",
    "名称",
    "有效回访",
    "响应率",
    "响应率95%区间",
    "解决率",
    "解决率95%区间",
    "满意率",
    "满意率95%区间",
    "综合得分",
    "按时签收率",
    "按时答复率",
    "退单率",
    "超期率",
    "重办率",
]


def report_groupings(user) -> list[str]:
    """The groupings of the monthly report this user reads: by unit and by street; a handler their unit's row."""
    return ["unit"] if rates.own_unit_only(user) is not None else ["unit", "street"]


def rate_rows(period: str, by: str, user) -> list[list]:
    """The ranked groups first (with their place), then those with too few callbacks (no place); as `user` may
    read them (rates.ranking_for)."""
    start, end = rates.month_bounds(period)
    result = rates.ranking_for(user, start, end, by=by)
    rows = []
    for place, metrics in [*result["ranked"], *((None, m) for m in result["small_sample"])]:
        d = metrics.as_dict()

        def ci(rate):
            return f"{rate['ci95'][0] * 100:.1f}%–{rate['ci95'][1] * 100:.1f}%" if rate["ci95"] else ""

        rows.append(
            [
                place if place is not None else _("样本不足"),
                d["name"],
                d["valid_callbacks"],
                d["response_rate"],
                ci(d["response"]),
                d["resolution_rate"],
                ci(d["resolution"]),
                d["satisfaction_rate"],
                ci(d["satisfaction"]),
                d["composite"],
                d["on_time_sign_rate"]["value"],
                d["on_time_reply_rate"]["value"],
                d["return_rate"]["value"],
                d["overdue_rate"]["value"],
                d["reopen_rate"]["value"],
            ]
        )
    return rows


RATE_COLUMNS = (3, 5, 7, 9, 10, 11, 12, 13, 14)  # fractions, shown as percentages


def rates_xlsx(period: str, user) -> bytes:
    from openpyxl import load_workbook

    header = [_(h) for h in RATE_HEADERS]
    titles = {"unit": _("按单位"), "street": _("按街道")}
    from gongzhi.insight.quality import QUALITY_HEADERS, export_rows

    data = to_xlsx(
        [(titles[by], header, rate_rows(period, by, user)) for by in report_groupings(user)]
        + [(_("答复质量"), [_(h) for h in QUALITY_HEADERS], export_rows(user, period))],
        widths={2: 28},
    )
    # Percent format on the rate columns (write-only cells cannot take it per column cheaply).
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets[:-1]:  # the rate sheets; the last is 答复质量 (scores in 0–1)
        for row in ws.iter_rows(min_row=2):
            for index in RATE_COLUMNS:
                if isinstance(row[index].value, float | int):
                    row[index].number_format = "0.0%"
        ws.freeze_panes = "C2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rates_pdf(period: str, user) -> bytes:
    """A4 landscape, STSong-Light (no font file needed, see core.pdf)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from gongzhi.core.pdf import FONT

    title_style = ParagraphStyle("t", fontName=FONT, fontSize=18, leading=26, alignment=1)
    h2 = ParagraphStyle("h", fontName=FONT, fontSize=13, leading=20, spaceBefore=4 * mm)
    small = ParagraphStyle("s", fontName=FONT, fontSize=8.5, leading=12, wordWrap="CJK")
    cell = ParagraphStyle("c", fontName=FONT, fontSize=8.5, leading=11, wordWrap="CJK")
    year, month = period.split("-")
    title = _("%(year)s年%(month)s月 诉求办理三率报表") % {"year": year, "month": int(month)}
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="gongzhi",
    )
    story = [
        Paragraph(escape(title), title_style),
        Paragraph(
            escape(
                _(
                    "按回访计算。响应率 = 承办单位按时联系的回访 ÷ 有效回访；解决率 = 已解决 ÷ 有效回访；满意率 =（满意 + 0.9 × 基本满意）÷ "
                    "有效回访；综合 = 0.1 × 响应 + 0.5 × 解决 + 0.4 × 满意（默认权重）。区间为 95%% 置信区间（Wilson）。"
                    "生成时间：%(now)s"
                )
                % {"now": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
            ),
            small,
        ),
    ]
    header = [
        "排名",
        "名称",
        "有效回访",
        "响应率",
        "解决率",
        "满意率",
        "综合",
        "按时签收",
        "按时答复",
        "退单率",
        "超期率",
    ]
    labels = {"unit": _("按承办单位"), "street": _("按街道")}
    for by in report_groupings(user):
        label = labels[by]
        rows = rate_rows(period, by, user)
        story.append(Paragraph(escape(label), h2))
        data = [[Paragraph(escape(_(h)), cell) for h in header]]
        for r in rows:
            data.append(
                [
                    str(r[0]),
                    Paragraph(escape(r[1]), cell),
                    str(r[2]),
                    f"{_pct(r[3])}\n{r[4]}",
                    f"{_pct(r[5])}\n{r[6]}",
                    f"{_pct(r[7])}\n{r[8]}",
                    _pct(r[9]),
                    _pct(r[10]),
                    _pct(r[11]),
                    _pct(r[12]),
                    _pct(r[13]),
                ]
            )
        if not rows:
            data.append([_("本月没有有效回访。")] + [""] * (len(header) - 1))
        table = Table(
            data, repeatRows=1, colWidths=[18 * mm, 55 * mm, 18 * mm] + [31 * mm] * 3 + [20 * mm] * 5
        )
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, 8.5),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ]
        if not rows:
            style.append(("SPAN", (0, 1), (-1, 1)))
        table.setStyle(TableStyle(style))
        story += [table, Spacer(1, 4 * mm)]
    story += _quality_story(period, user, h2, small, cell, FONT, mm, colors, Paragraph, Table, TableStyle)
    doc.build(story)
    return buffer.getvalue()


def _quality_story(
    period, user, h2, small, cell, font, mm, colors, paragraph, table_class, table_style
) -> list:
    """The 答复质量 section of the PDF report: per unit, the month's replies and their mean scores."""
    from gongzhi.insight.quality import QUALITY_HEADERS, export_rows

    rows = export_rows(user, period)
    story = [
        paragraph(escape(_("答复质量")), h2),
        paragraph(
            escape(
                _(
                    "每件答复在写下时按相关性、完整性、解释性和及时性打分（0–1），总分 = 0.3 × 相关 + 0.25 × 完整 + 0.25 × 解释 + "
                    "0.2 × 及时；“较差”为总分低于0.51的答复。"
                )
            ),
            small,
        ),
    ]
    header = QUALITY_HEADERS[1:]
    data = [[paragraph(escape(_(h)), cell) for h in header]]
    for r in rows:
        data.append(
            [
                paragraph(escape(r[1]), cell),
                str(r[2]),
                f"{r[3]:.2f}",
                r[4],
                f"{r[5]:.2f}",
                f"{r[6]:.2f}",
                f"{r[7]:.2f}",
                f"{r[8]:.2f}",
                str(r[9]),
                str(r[10]),
            ]
        )
    if not rows:
        data.append([_("本月没有答复。")] + [""] * (len(header) - 1))
    table = table_class(data, repeatRows=1, colWidths=[55 * mm] + [22 * mm] * (len(header) - 1))
    style = [
        ("FONT", (0, 0), (-1, -1), font, 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]
    if not rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(table_style(style))
    return [*story, table]
