"""The certificate of volunteer service (PDF) and the sign-in QR code (SVG).

reportlab's built-in CID font STSong-Light renders Chinese with no font file; segno draws the QR code as SVG
with no other dependency."""

import hashlib
from io import BytesIO
from xml.sax.saxutils import escape

import segno
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gongzhi.core.pdf import FONT

from . import selectors

TITLE = ParagraphStyle(
    "c-title", fontName=FONT, fontSize=22, leading=32, alignment=TA_CENTER, spaceAfter=4 * mm
)
SUB = ParagraphStyle("c-sub", fontName=FONT, fontSize=10, leading=14, alignment=TA_CENTER, spaceAfter=6 * mm)
BODY = ParagraphStyle("c-body", fontName=FONT, fontSize=12, leading=21, firstLineIndent=24, wordWrap="CJK")
RIGHT = ParagraphStyle("c-right", fontName=FONT, fontSize=12, leading=21, alignment=2)


def qr_svg(url: str) -> str:
    out = BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, title="签到二维码"
    )
    return out.getvalue().decode()


def certificate_number(user, rows) -> str:
    digest = hashlib.sha256(f"{user.pk}:{[r['entry'] for r in rows]}".encode()).hexdigest()[:10].upper()
    return f"ZYFW-{timezone.localdate():%Y%m%d}-{user.pk:05d}-{digest}"


def certificate_pdf(user) -> bytes:
    """Lists every confirmed, not corrected service credit with its activity, organiser and hours."""
    rows = selectors.service_history(user)
    total = sum((r["hours"] for r in rows), 0)
    name = user.display_name or user.username
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=25 * mm,
        bottomMargin=22 * mm,
        title="志愿服务证明",
        author="共治平台",
    )
    story = [
        Paragraph("志愿服务证明", TITLE),
        Paragraph(escape(f"编号：{certificate_number(user, rows)}"), SUB),
        Paragraph(
            escape(
                f"兹证明 {name} 同志参加社区志愿服务 {len(rows)} 次，经活动组织者确认，"
                f"累计志愿服务时长 {total} 小时。明细如下："
            ),
            BODY,
        ),
        Spacer(1, 5 * mm),
    ]
    data = [["日期", "活动", "组织者", "时长(小时)"]]
    for r in rows:
        data.append(
            [
                r["date"].isoformat(),
                Paragraph(
                    escape(r["activity"]),
                    ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=13, wordWrap="CJK"),
                ),
                r["organizer"][:20],
                str(r["hours"]),
            ]
        )
    table = Table(data, colWidths=[26 * mm, 72 * mm, 50 * mm, 20 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 10),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e3e3")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 12 * mm),
        Paragraph("本证明依据志愿时间银行记录生成，每笔时长均有组织者确认及活动来源。", BODY),
        Spacer(1, 10 * mm),
        Paragraph("共治 · 社区志愿时间银行", RIGHT),
        Paragraph(f"{timezone.localdate():%Y年%m月%d日}", RIGHT),
    ]
    doc.build(story)
    return buffer.getvalue()
