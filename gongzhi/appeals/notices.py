"""What the appellant is told, and when (spec §2, §4 "the appellant is told", §6 "every appellant is told").

Each step that matters to a resident is a notice kind with a default Chinese template (admins edit them).
Mandatory kinds carry the facts a resident needs to follow the appeal and judge the answer; the others
are progress news a resident may turn off in "my account".
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.notices import NoticeKind, register, send_notice
from gongzhi.core.phones import sms_number

from . import deadlines
from .choices import AppealState, Step

NUMBER = (_("诉求编号"), "20260101000123")
TITLE = (_("诉求标题"), "小区路灯坏了")

RECEIVED = register(
    NoticeKind(
        key="appeal_received",
        label=_("诉求已受理"),
        mandatory=True,
        reason=_("受理回执载有诉求编号，是查询进度、评价和申诉的凭据。"),
        description=_("提交诉求后立即发送。"),
        subject="诉求已受理",
        body="您的诉求（编号 {{ number }}）已受理，我们会尽快办理。",
        variables={"number": NUMBER, "title": TITLE, "kind": (_("诉求类型"), "投诉")},
    )
)
DISPATCHED = register(
    NoticeKind(
        key="appeal_dispatched",
        label=_("诉求已派单"),
        description=_("诉求派往承办单位（含改派）时发送。"),
        subject="诉求已派单",
        body="您的诉求（编号 {{ number }}）已派往「{{ unit }}」办理，答复时限为 {{ reply_due }}。",
        variables={
            "number": NUMBER,
            "title": TITLE,
            "unit": (_("主办单位"), "县住建局"),
            "reply_due": (_("答复时限"), "2026-01-08 09:00"),
        },
    )
)
EXTENDED = register(
    NoticeKind(
        key="appeal_extended",
        label=_("办理期限已延长"),
        mandatory=True,
        reason=_("办理期限的变化须依规告知诉求人。"),
        description=_("督办员批准承办单位的延期申请时发送。"),
        subject="办理期限已延长",
        body="您的诉求（编号 {{ number }}）经审批，办理期限延长{{ days }}个工作日，至 {{ reply_due }}。",
        variables={
            "number": NUMBER,
            "title": TITLE,
            "days": (_("延长的工作日数"), 5),
            "reply_due": (_("新的答复时限"), "2026-01-15 09:00"),
        },
    )
)
REPLIED = register(
    NoticeKind(
        key="appeal_replied",
        label=_("诉求已答复"),
        mandatory=True,
        reason=_("答复是办理结果，诉求人须知道并据此评价。"),
        description=_("承办单位答复或直接答复时发送。"),
        subject="诉求已答复",
        body="您的诉求（编号 {{ number }}）已答复：{{ reply|truncatechars:80 }} "
        "请查看答复内容并对办理结果进行评价{% if callback_due %}（{{ callback_due }}前）；"
        "也可直接回复短信：1 满意，2 基本满意，3 不满意{% endif %}。",
        variables={
            "number": NUMBER,
            "title": TITLE,
            "unit": (_("主办单位"), "县住建局"),
            "reply": (_("答复内容"), "路灯已于今日修复。"),
            "callback_due": (_("回访时限（咨询类为空）"), "2026-01-09 09:00"),
        },
    )
)
CALLBACK_DUE = register(
    NoticeKind(
        key="appeal_callback_due",
        label=_("请评价办理结果"),
        description=_("答复后回访时限临近而尚未评价时提醒一次。"),
        subject="请评价办理结果",
        body="您的诉求（编号 {{ number }}）已答复，请在 {{ callback_due }} 前到「我的诉求」评价办理结果，"
        "或直接回复短信：1 满意，2 基本满意，3 不满意；逾期工作人员将电话回访。",
        variables={"number": NUMBER, "title": TITLE, "callback_due": (_("回访时限"), "2026-01-09 09:00")},
    )
)
ASKED = register(
    NoticeKind(
        key="appeal_asked",
        label=_("承办单位询问"),
        mandatory=True,
        reason=_("承办单位须了解情况才能办理，询问须送达诉求人。"),
        description=_("承办人就诉求向诉求人询问情况时发送；可在诉求页作答，或直接回复短信。"),
        subject="承办单位询问",
        body="「{{ unit }}」就您的诉求（编号 {{ number }}）询问：{{ question|truncatechars:60 }} "
        "请到「我的诉求」作答，或直接回复本短信。",
        variables={
            "number": NUMBER,
            "title": TITLE,
            "unit": (_("主办单位"), "县住建局"),
            "question": (_("询问内容"), "请问路灯具体在几号楼附近？"),
        },
    )
)
MERGED = register(
    NoticeKind(
        key="appeal_merged",
        label=_("诉求已并单"),
        mandatory=True,
        reason=_("并单后诉求随主诉求办理，诉求人须知道去向（规则第6条）。"),
        description=_("诉求被并入反映同一问题的主诉求时发送。"),
        subject="诉求已并单",
        body="您的诉求（编号 {{ number }}）与诉求 {{ master_number }} 反映的是同一问题，已并入一并办理，"
        "办理结果会同时告知您。",
        variables={"number": NUMBER, "title": TITLE, "master_number": (_("主诉求编号"), "20260101000100")},
    )
)
REOPENED = register(
    NoticeKind(
        key="appeal_reopened",
        label=_("诉求重新办理"),
        description=_("回访未解决或不满意、诉求重新交办时发送。"),
        subject="诉求重新办理",
        body="根据您的评价，您的诉求（编号 {{ number }}）已交「{{ unit }}」重新办理（第{{ round }}次重办）。",
        variables={
            "number": NUMBER,
            "title": TITLE,
            "unit": (_("主办单位"), "县住建局"),
            "round": (_("第几次重办"), 1),
        },
    )
)
CLOSED = register(
    NoticeKind(
        key="appeal_closed",
        label=_("诉求已办结"),
        mandatory=True,
        reason=_("办结决定（含转办、告知法定途径和按规定办结）须告知诉求人。"),
        description=_("诉求办结、转办或告知法定途径时发送。"),
        subject="诉求已办结",
        body="您的诉求（编号 {{ number }}）已办结：{{ result }}。{{ note }}",
        variables={
            "number": NUMBER,
            "title": TITLE,
            "result": (_("办结方式"), "已解决"),
            "note": (_("说明"), "感谢您的评价。"),
        },
    )
)


def when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def tell_appellant(appeal, kind: NoticeKind, key: str | None = None, merged: bool = True, **context) -> None:
    """Tell the appellant (and, for a master appeal, everyone merged into it) by the channels each chose:
    a site message with an account, SMS to the number given with the appeal (never for anonymous ones), and
    e-mail when the account asked for it. `merged=False`: a new appeal, which nothing is merged into yet."""
    for target in [appeal, *(appeal.merged_appeals.select_related("appellant") if merged else ())]:
        if target.anonymous and not target.appellant_id:
            continue
        user = target.appellant if target.appellant_id else None
        # SMS goes to a mobile: a landline given as the contact number cannot take one (the account's may).
        phone = (
            ""
            if target.anonymous
            else (sms_number(target.appellant_phone) or (user.phone if user else "") or "")
        )
        link = f"/appeals/{target.pk}/" if user else f"/appeals/track/?number={target.number}"
        send_notice(
            kind.key,
            user=user,
            phone=phone,
            link=link,
            ref=f"appeal:{target.pk}",
            key=f"{key}:{target.pk}" if key else None,
            context={
                "number": target.number,
                "title": target.title,
                "kind": target.get_kind_display(),
                **context,
            },
        )


def told_replied(appeal) -> None:
    tell_appellant(
        appeal,
        REPLIED,
        unit=appeal.lead_unit.name if appeal.lead_unit_id else "",
        reply=appeal.reply_text,
        callback_due=when(appeal.callback_due),
    )


def remind_callbacks(now=None) -> int:
    """Once per answer: when the callback step of a replied appeal enters its warning window and the appellant
    has not rated it yet, remind them to (idempotent: the reminder's key names the appeal and the reply time)."""
    from .models import Appeal

    now = now or timezone.now()
    sent = 0
    candidates = Appeal.objects.filter(
        state=AppealState.REPLIED, anonymous=False, callback_due__isnull=False, replied_at__isnull=False
    ).values_list("pk", flat=True)
    for appeal_id in candidates.iterator():
        with transaction.atomic():
            appeal = (
                Appeal.objects.select_for_update(of=("self",)).select_related("appellant").get(pk=appeal_id)
            )
            if appeal.state != AppealState.REPLIED:
                continue
            steps = [
                (s, start, due) for s, start, due in deadlines.active_steps(appeal) if s == Step.CALLBACK
            ]
            if not steps or deadlines.step_light(steps[0][1], steps[0][2], now) == "green":
                continue
            # A REPLIED appeal has its reply time (services, exchange.importing).
            assert appeal.replied_at is not None
            key = f"callback_due:{int(appeal.replied_at.timestamp())}"
            tell_appellant(appeal, CALLBACK_DUE, key=key, callback_due=when(appeal.callback_due))
            sent += 1
    return sent


# The notices whose SMS invites a "1/2/3" reply as the callback (when it carries a callback time: an appeal that has
# a callback step), and what each digit records.
SMS_CALLBACK_KINDS = {REPLIED.key, CALLBACK_DUE.key}
SMS_CALLBACK_DIGITS = {"1": "satisfied", "2": "basically", "3": "unsatisfied"}

# Staff: what a unit's queue is told about an appeal it handles (a new dispatch, a withdrawal, a refused return or
# extension, a reopening, an item of supervision …): one kind, the step in its subject (not a resident's choice).
UNIT_NOTICE = register(
    NoticeKind(
        key="appeal_unit_notice",
        label=_("承办单位的诉求提醒"),
        mandatory=True,
        reason=_("承办单位须知道需要办理的事项。"),
        description=_("派单、协办、撤回、退单或延期未获批准、重办、督办等时发送到承办单位的消息列表。"),
        subject="{{ step }}",
        body="{{ number }} {{ title }}：{{ note }}",
        variables={
            "step": (_("事项"), "新派单"),
            "number": (_("诉求编号"), "20260101000123"),
            "title": (_("诉求标题"), "小区路灯坏了"),
            "note": (_("说明"), "请在时限内签收。"),
        },
        sms=False,
        listed=False,
    )
)
