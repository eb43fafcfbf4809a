"""The credit documents as PDF: 预惩戒通知书, 纳入失信被执行人名单决定书, 删除失信信息通知书, 信用修复告知书.

reportlab's built-in CID font STSong-Light (Adobe-GB1) needs no font file: the PDF names the font and every
reader ships it, so the Chinese text renders on a fresh machine.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from gongzhi.core.pdf import FONT

from .choices import DeletionGround, Ground, RepairStatus

TITLE = ParagraphStyle(
    "title", fontName=FONT, fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=4 * mm
)
SUBTITLE = ParagraphStyle(
    "subtitle", fontName=FONT, fontSize=11, leading=16, alignment=TA_CENTER, spaceAfter=6 * mm
)
BODY = ParagraphStyle(
    "body", fontName=FONT, fontSize=12, leading=21, firstLineIndent=24, wordWrap="CJK", spaceAfter=2 * mm
)
PLAIN = ParagraphStyle("plain", parent=BODY, firstLineIndent=0)
RIGHT = ParagraphStyle("right", parent=PLAIN, alignment=2)


def _d(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "____年__月__日"


def _render(title: str, number: str, addressee: str, paragraphs: list[str], signer: str, on) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=25 * mm,
        title=title,
        author=signer,
    )
    story = [
        Paragraph(escape(title), TITLE),
        Paragraph(escape(number), SUBTITLE),
        Paragraph(escape(addressee) + "：", PLAIN),
    ]
    story += [Paragraph(escape(p), BODY) for p in paragraphs]
    story += [Spacer(1, 12 * mm), Paragraph(escape(signer), RIGHT), Paragraph(_d(on), RIGHT)]
    doc.build(story)
    return buffer.getvalue()


def _debtor(case) -> str:
    e = case.enterprise
    rep = f"（法定代表人：{e.legal_representative}）" if e.legal_representative else ""
    return f"{e.name}{rep}，统一社会信用代码：{e.uscc}"


def pre_punishment_notice(case) -> bytes:
    """B-4.4: the minimum contents of a 预惩戒通知书."""
    ground = Ground(case.intended_ground or "G1")
    term = (
        "不设纳入期限，直至依法删除" if ground == Ground.G1 else "纳入期限为二年，情节严重的可以延长一至三年"
    )
    paragraphs = [
        f"被执行人：{_debtor(case)}。",
        f"本院在执行{case.creditor}申请执行的{case.case_number}一案中，执行依据为{case.basis_document}。"
        f"该文书确定的义务为：{case.obligation}，标的金额{case.amount}元，已履行{case.performed_amount}元，"
        f"尚未履行{case.unperformed_amount}元。",
        f"经查，你单位存在拟纳入失信被执行人名单的情形：{ground.label}（{ground.value}），{term}。",
        f"根据最高人民法院善意文明执行的有关规定，本院决定给予你单位{case.grace_months}个月宽限期，"
        f"自{_d(case.notice_on)}起至{_d(case.grace_end)}止。宽限期内暂不公布失信信息。",
        "宽限期内，你单位履行全部义务、与申请执行人达成执行和解并履行，或者提供充分有效担保的，本院不将你单位纳入失信被执行人名单。",
        "宽限期届满仍未履行的，本院将依法将你单位纳入失信被执行人名单，通过失信被执行人名单库公布，"
        "并依法采取限制消费措施，通报有关部门和征信机构实施联合惩戒。",
        "你单位认为不应纳入、记载信息不准确或者应予删除的，可以向本院提出书面纠正申请；本院在收到申请之日起十五日内审查。"
        "对驳回决定不服的，可以自决定书送达之日起十日内向上一级人民法院申请复议。",
    ]
    return _render(
        "预惩戒通知书", case.notice_number or "", case.enterprise.name, paragraphs, case.court, case.notice_on
    )


def listing_decision(case) -> bytes:
    """A-5.3: reason, term where there is one, signed by the president, served."""
    ground = Ground(case.ground)
    if case.term_years:
        term = (
            f"纳入期限为{case.term_years}年"
            + (f"，延长{case.extension_years}年（{case.extension_reason}）" if case.extension_years else "")
            + "。"
        )
    else:
        term = "本次纳入不设期限，至依法删除之日止。"
    paragraphs = [
        f"被执行人：{_debtor(case)}。",
        f"本院在执行{case.creditor}申请执行的{case.case_number}一案中，被执行人未履行{case.basis_document}确定的义务："
        f"{case.obligation}（标的金额{case.amount}元，已履行{case.performed_amount}元）。",
        f"纳入理由：{case.decision_reason}。上述行为属于《最高人民法院关于公布失信被执行人名单信息的若干规定》"
        f"第一条规定的“{ground.label}”情形。",
        f"依照该规定第一条、第二条、第五条的规定，决定将被执行人纳入失信被执行人名单。{term}",
        "本决定自作出之日起生效。如认为本决定有错误，可以向本院申请纠正。",
        f"签发人：{case.signed_by}　　送达日期：{_d(case.served_on)}",
    ]
    return _render(
        "纳入失信被执行人名单决定书",
        case.decision_number,
        case.enterprise.name,
        paragraphs,
        case.court,
        case.decided_on,
    )


def deletion_notice(case) -> bytes:
    ground = DeletionGround(case.deletion_ground) if case.deletion_ground else None
    paragraphs = [
        f"被执行人：{_debtor(case)}。",
        f"{case.case_number}一案中，你单位的失信被执行人信息于{_d(case.published_on)}公布。"
        f"因{ground.label if ground else '依法应予删除的事由'}（事由发生日：{_d(case.deletion_event_on)}），"
        f"本院已于{_d(case.ended_on)}删除该失信信息。",
        "删除后，该信息不再向社会公布，不再作为对你单位实施信用惩戒的依据。本院已通知信用中国、征信机构及相关信用平台同步删除。",
    ]
    if case.relist_barred_until:
        paragraphs.append(
            f"申请执行人于{_d(case.relist_barred_until)}前再次申请将你单位纳入失信名单的，本院不予支持。"
        )
    return _render(
        "删除失信信息通知书",
        f"{case.case_number}之删",
        case.enterprise.name,
        paragraphs,
        case.court,
        case.ended_on,
    )


def repair_notice(application) -> bytes:
    case = application.case
    approved = application.status == RepairStatus.APPROVED
    paragraphs = [
        f"你单位于{_d(timezone.localdate(application.submitted_at))}就{case.case_number}一案提出信用修复申请，"
        f"申请理由：{application.get_ground_display()}。",
        f"经审查，{application.decision_reason}。",
    ]
    if approved:
        paragraphs.append(
            "本院决定准予信用修复：你单位的失信信息予以屏蔽，不再公布，不再作为惩戒依据；"
            "本院已通知各信用平台同步删除。请你单位信守信用承诺，违反承诺的将依法承担相应责任。"
        )
    else:
        paragraphs.append("本院决定不予信用修复。你单位可以在履行义务、补充材料后重新申请。")
    decided = timezone.localdate(application.decided_at) if application.decided_at else None
    return _render(
        "信用修复告知书", f"{case.case_number}之修", case.enterprise.name, paragraphs, case.court, decided
    )


DOCUMENTS = {
    "notice": ("预惩戒通知书", pre_punishment_notice),
    "decision": ("纳入失信被执行人名单决定书", listing_decision),
    "deletion": ("删除失信信息通知书", deletion_notice),
}
