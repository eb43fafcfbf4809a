"""Service rules beyond the transition table (spec §1–§6): intake validation, first receiver, dispatch,
return review, extension limits, merge, reopen, automatic closing and notifications."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealState, RequestDecision
from gongzhi.appeals.models import Appeal, KnowledgeArticle, ReturnRequest
from gongzhi.appeals.tests.test_workflow import REPLY_TEXT, at, drive_to
from gongzhi.core.choices import NotificationChannel
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import Notification

CJK = re.compile(r"[\u4e00-\u9fff]")
TZ = ZoneInfo("Asia/Shanghai")


def refused(call, *, field=None, code=None, error=ServiceError):
    with pytest.raises(error) as info:
        call()
    assert CJK.search(str(info.value.message)), info.value.message
    if field:
        assert info.value.field == field
    if code:
        assert info.value.code == code
    return info.value


# ---------------------------------------------------------------- intake


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"content": "太短"}, "content"),
        ({"kind": "gossip"}, "kind"),
        ({"urgency": "complex"}, "urgency"),
        ({"urgency": "whenever"}, "urgency"),
        ({"appellant_id_number": "110105194912310021"}, "appellant_id_number"),  # wrong check digit
        ({"appellant_id_number": "11010519491231"}, "appellant_id_number"),
        ({"longitude": 116.4}, "longitude"),
        ({"region": None}, "region"),
    ],
)
def test_intake_refuses_bad_input_in_chinese(fields, field, make_appeal):
    refused(lambda: make_appeal(**fields), field=field)
    assert not Appeal.objects.exists()


def test_bad_phone_is_refused(users, make_appeal):
    refused(
        lambda: make_appeal(users["operator"], channel="hotline", appellant_phone="12345"),
        code="invalid_phone",
    )
    refused(
        lambda: make_appeal(users["operator"], channel="hotline", appellant_phone="23800138000"),
        code="invalid_phone",
    )


def test_phone_is_normalised(users, make_appeal):
    appeal = make_appeal(users["operator"], channel="hotline", appellant_phone="+86 136-1234-5678")
    assert appeal.appellant_phone == "13612345678"


def test_valid_id_number_with_x_check_digit_is_accepted(make_appeal):
    assert make_appeal(appellant_id_number="11010519491231002x").appellant_id_number == "11010519491231002X"


def test_without_an_account_a_phone_is_needed_unless_anonymous(county, category):
    fields = {
        "kind": "complaint",
        "channel": "web",
        "title": "路边垃圾无人清运",
        "content": "路边垃圾已经堆放三天，无人清运。",
        "region": county["grid"],
        "category": category,
    }
    refused(lambda: services.submit_appeal(None, **fields), field="appellant_phone")
    appeal, code = services.submit_appeal(None, anonymous=True, **fields)
    assert appeal.anonymous and appeal.appellant is None and re.fullmatch(r"\d{8}", code)
    appeal, code = services.submit_appeal(None, appellant_phone="13612345678", **fields)
    assert code and appeal.tracking_code_hash and code not in appeal.tracking_code_hash


def test_staff_channels_only_for_staff(users, make_appeal):
    assert make_appeal(channel="hotline").channel == "web"  # a resident cannot claim the hotline
    refused(
        lambda: make_appeal(users["operator"], channel="mobile", appellant_phone="13612345678"),
        field="channel",
    )
    assert (
        make_appeal(users["operator"], channel="walk_in", appellant_phone="13612345678").channel == "walk_in"
    )


def test_roles_that_cannot_register_appeals(users, make_appeal):
    for role in ("handler", "dispatcher", "supervisor", "leader"):
        refused(lambda role=role: make_appeal(users[role]), error=PermissionDeniedError)


def test_client_key_makes_submission_idempotent(make_appeal):
    first = make_appeal(client_key="abc-123")
    again = make_appeal(client_key="abc-123", title="重复提交的标题")
    assert first.pk == again.pk and Appeal.objects.count() == 1
    assert first.events.filter(action="submit").count() == 1


def test_first_receiver_is_set_for_staff_intake(users, units, make_appeal):
    staff = make_appeal(users["operator"], channel="hotline", appellant_phone="13800138000")
    assert staff.first_receiver == users["operator"] and staff.first_receiver_unit == units["hotline"]
    assert staff.appellant == users["resident"]  # the caller's account is linked by phone
    online = make_appeal()
    assert online.first_receiver is None and online.appellant == users["resident"]
    patrol = make_appeal(users["grid_worker"], channel="grid_patrol")
    assert patrol.first_receiver == users["grid_worker"] and patrol.appellant == users["grid_worker"]


def test_number_is_the_receipt_date_and_id(make_appeal):
    moment = datetime(2026, 3, 2, 23, 30, tzinfo=TZ)
    with at(moment):
        appeal = make_appeal()
    assert appeal.number == f"20260302{appeal.pk:07d}"


# ---------------------------------------------------------------- dispatch and returns


def test_dispatch_refuses_pushing_a_department_matter_down_to_a_community(
    users, units, make_appeal, dispatch_rule
):
    appeal = make_appeal()
    refused(
        lambda: services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["community"]),
        code="pushed_down",
        field="lead_unit",
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RECEIVED and appeal.lead_unit is None
    services.dispatch(
        users["dispatcher"], appeal.pk, lead_unit=units["housing"], co_units=[units["community"]]
    )
    appeal.refresh_from_db()
    assert appeal.lead_unit == units["housing"] and list(appeal.co_units.all()) == [units["community"]]


def test_dispatch_refuses_an_inactive_unit(users, units, make_appeal):
    units["hrss"].is_active = False
    units["hrss"].save()
    appeal = make_appeal()
    refused(
        lambda: services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["hrss"]), field="lead_unit"
    )


def test_return_needs_a_reason(users, units, make_appeal):
    appeal = drive_to(AppealState.DISPATCHED, users, units, make_appeal)
    refused(lambda: services.request_return(users["handler"], appeal.pk, reason=""), field="reason")


def test_approved_return_goes_back_to_the_dispatcher(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(
        users["dispatcher"], appeal.pk, lead_unit=units["housing"], co_units=[units["property"]]
    )
    services.request_return(users["handler"], appeal.pk, reason="该事项属于物业公司职责")
    appeal = services.approve_return(users["dispatcher"], appeal.pk, note="改派物业")
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RECEIVED and appeal.lead_unit is None and not appeal.co_units.exists()
    assert appeal.sign_due is None and appeal.dispatched_at is None
    request = ReturnRequest.objects.get(appeal=appeal)
    assert request.decision == RequestDecision.APPROVED and request.unit == units["housing"]
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["property"])  # 改派
    assert Appeal.objects.get(pk=appeal.pk).lead_unit == units["property"]


@pytest.mark.parametrize("from_state", [AppealState.DISPATCHED, AppealState.ACCEPTED])
def test_rejected_return_goes_back_where_it_came_from(from_state, users, units, make_appeal):
    appeal = drive_to(from_state, users, units, make_appeal)
    services.request_return(users["handler"], appeal.pk, reason="该事项不属于本单位职责范围")
    refused(lambda: services.reject_return(users["dispatcher"], appeal.pk, note=""), field="note")
    appeal = services.reject_return(users["dispatcher"], appeal.pk, note="属于贵单位职责，请继续办理")
    assert appeal.state == from_state and appeal.lead_unit == units["housing"]
    request = ReturnRequest.objects.get(appeal=appeal)
    assert request.decision == RequestDecision.REJECTED and request.from_state == from_state
    assert appeal.events.get(action="reject_return").after == {"unjustified_return": True}
    assert Notification.objects.filter(unit=units["housing"], subject="退单被驳回").exists()


# ---------------------------------------------------------------- extensions


def test_extension_limits(users, units, make_appeal, settings):
    appeal = drive_to(AppealState.IN_PROGRESS, users, units, make_appeal)
    h, s = users["handler"], users["supervisor"]
    refused(
        lambda: services.request_extension(h, appeal.pk, reason="需要更多时间", working_days=16),
        field="working_days",
    )
    refused(
        lambda: services.request_extension(h, appeal.pk, reason="需要更多时间", working_days=0),
        field="working_days",
    )
    refused(
        lambda: services.request_extension(h, appeal.pk, reason="需要更多时间", working_days="三"),
        field="working_days",
    )
    refused(lambda: services.request_extension(h, appeal.pk, reason="", working_days=3), field="reason")
    refused(lambda: services.approve_extension(s, appeal.pk), code="no_pending_extension")
    services.request_extension(h, appeal.pk, reason="需要采购配件，等待到货", working_days=15)
    refused(
        lambda: services.request_extension(h, appeal.pk, reason="再申请一次延期", working_days=2),
        code="extension_pending",
    )
    services.approve_extension(s, appeal.pk)
    services.request_extension(h, appeal.pk, reason="施工队排期，需再延两天", working_days=2)
    services.deny_extension(s, appeal.pk, note="理由不充分")
    services.request_extension(h, appeal.pk, reason="施工队排期，需再延两天", working_days=2)
    services.approve_extension(s, appeal.pk)
    appeal.refresh_from_db()
    assert appeal.extension_count == 2 and appeal.extension_working_days == 17
    refused(
        lambda: services.request_extension(h, appeal.pk, reason="第三次申请延期", working_days=1),
        code="extension_limit",
    )
    told = Notification.objects.filter(recipient=users["resident"], subject="办理期限已延长")
    assert told.count() == 2


def test_no_extension_after_the_due_time(users, units, make_appeal):
    appeal = drive_to(AppealState.IN_PROGRESS, users, units, make_appeal)
    with at(appeal.reply_due + timedelta(minutes=1)):
        refused(
            lambda: services.request_extension(
                users["handler"], appeal.pk, reason="来不及了，需要延期", working_days=3
            ),
            code="too_late",
        )


# ---------------------------------------------------------------- merge


def test_merge_into_an_open_master_tells_the_appellant(users, units, make_appeal):
    master = make_appeal(users["resident2"], title="同一路灯问题的主诉求")
    dup = make_appeal()
    refused(lambda: services.merge_into(users["dispatcher"], dup.pk, master=dup), field="master")
    dup = services.merge_into(users["dispatcher"], dup.pk, master=master)
    assert dup.state == AppealState.MERGED and dup.master == master
    assert master.events.filter(action="merged_from").exists()
    assert Notification.objects.filter(
        recipient=users["resident"], subject="诉求已并单", body__contains=master.number
    ).exists()
    # the merged appellant hears how the master ends
    services.dispatch(users["dispatcher"], master.pk, lead_unit=units["housing"])
    assert Notification.objects.filter(recipient=users["resident"], subject="诉求已派单").count() == 1


def test_merge_refuses_a_closed_master(users, units, make_appeal):
    master = drive_to(AppealState.CLOSED, users, units, make_appeal)
    dup = make_appeal()
    refused(lambda: services.merge_into(users["dispatcher"], dup.pk, master=master), code="master_closed")
    assert Appeal.objects.get(pk=dup.pk).state == AppealState.RECEIVED


# ---------------------------------------------------------------- callback, reopen, closing


def test_reopen_up_to_the_limit_then_close_unresolvable(users, units, make_appeal):
    appeal = drive_to(AppealState.REPLIED, users, units, make_appeal)
    refused(
        lambda: services.close_unresolvable(users["supervisor"], appeal.pk, note="无法解决，按规定办结"),
        error=IllegalTransition,
    )
    for n in (1, 2):
        appeal = services.callback(
            users["resident"], appeal.pk, contacted=True, solved=True, satisfaction="unsatisfied"
        )
        assert appeal.state == AppealState.IN_PROGRESS and appeal.reopen_count == n
        assert Notification.objects.filter(unit=units["housing"], subject="诉求重办").count() == n
        services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    appeal = services.callback(
        users["resident"], appeal.pk, contacted=True, solved=False, satisfaction="basically"
    )
    assert appeal.state == AppealState.REPLIED and appeal.reopen_count == 2
    appeal = services.close_unresolvable(
        users["supervisor"], appeal.pk, note="多次重办仍无法解决，按规定办结"
    )
    assert appeal.state == AppealState.CLOSED and appeal.close_reason == "unresolvable"
    assert appeal.callbacks.count() == 3


def test_callback_needs_the_answers(users, units, make_appeal):
    appeal = drive_to(AppealState.REPLIED, users, units, make_appeal)
    refused(
        lambda: services.callback(users["operator"], appeal.pk, contacted=True, solved=True),
        field="satisfaction",
    )
    refused(lambda: services.callback(users["operator"], appeal.pk, satisfaction="satisfied"), field="solved")
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.REPLIED
    appeal = services.callback(users["operator"], appeal.pk, reached=False)
    assert appeal.state == AppealState.REPLIED and not appeal.callbacks.get().valid


def test_solved_but_unsatisfied_is_reopened(users, units, make_appeal):
    appeal = drive_to(AppealState.REPLIED, users, units, make_appeal)
    appeal = services.callback(
        users["operator"], appeal.pk, contacted=True, solved=True, satisfaction="unsatisfied"
    )
    assert appeal.state == AppealState.IN_PROGRESS


def test_anonymous_appeal_is_closed_after_the_reply(users, units, make_appeal):
    appeal = make_appeal(users["operator"], channel="hotline", anonymous=True)
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    appeal = services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.CLOSED and appeal.close_reason == "anonymous"
    assert list(appeal.events.values_list("action", flat=True))[-2:] == ["reply", "auto_close"]


def test_consultation_answered_directly_is_closed_without_callback(users, make_appeal):
    article = KnowledgeArticle.objects.create(title="路灯报修", body="路灯由县住建局维护，报修电话 12345。")
    appeal = make_appeal(kind="consultation", title="路灯归谁管")
    appeal = services.answer_directly(
        users["operator"], appeal.pk, text="路灯由县住建局维护，已为您登记报修。", article=article
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.CLOSED and appeal.close_reason == "answered_directly"
    assert appeal.knowledge_article == article and appeal.callback_due is None
    assert Notification.objects.filter(recipient=users["resident"], subject="诉求已答复").exists()


def test_complaint_answered_directly_waits_for_the_callback(users, make_appeal):
    appeal = make_appeal()
    appeal = services.answer_directly(
        users["operator"], appeal.pk, text="已告知相关政策和办理途径，请按指引办理。"
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.REPLIED and appeal.callback_due is not None


def test_refer_out_needs_a_target_and_reason(users, make_appeal):
    appeal = make_appeal()
    refused(
        lambda: services.refer_out(users["operator"], appeal.pk, target="999", reason="转出"), field="target"
    )
    refused(lambda: services.refer_out(users["operator"], appeal.pk, target="110", reason=""), field="reason")
    appeal = services.refer_out(
        users["operator"], appeal.pk, target="litigation", reason="合同纠纷，告知诉讼途径"
    )
    assert appeal.state == AppealState.CLOSED and appeal.refer_target == "litigation"


def test_withdraw_tells_the_unit(users, units, make_appeal):
    appeal = drive_to(AppealState.DISPATCHED, users, units, make_appeal)
    appeal = services.withdraw(users["resident"], appeal.pk, reason="已经自行解决")
    assert appeal.close_reason == "withdrawn"
    assert Notification.objects.filter(unit=units["housing"], subject="诉求已撤回").exists()


# ---------------------------------------------------------------- notifications at each step


def test_notifications_at_each_step(users, units, make_appeal):
    resident = users["resident"]
    appeal = make_appeal()
    assert Notification.objects.filter(recipient=resident, subject="诉求已受理").exists()
    assert Notification.objects.filter(
        phone="13800138000", channel=NotificationChannel.SMS, subject="诉求已受理"
    ).exists()
    services.dispatch(
        users["dispatcher"], appeal.pk, lead_unit=units["housing"], co_units=[units["property"]]
    )
    assert Notification.objects.filter(unit=units["housing"], subject="新派单").exists()
    assert Notification.objects.filter(unit=units["property"], subject="新协办").exists()
    assert Notification.objects.filter(
        recipient=resident, subject="诉求已派单", body__contains="县住建局"
    ).exists()
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    assert Notification.objects.filter(recipient=resident, subject="诉求已答复").exists()
    services.callback(resident, appeal.pk, contacted=True, solved=True, satisfaction="satisfied")
    assert Notification.objects.filter(recipient=resident, subject="诉求已办结").exists()
    # every message names the appeal
    assert all(appeal.number in n.body for n in Notification.objects.filter(recipient=resident))


def test_the_timeline_is_a_valid_hash_chain(users, units, make_appeal):
    from gongzhi.appeals.models import AppealEvent
    from gongzhi.core.audit import verify_chain

    appeal = drive_to(AppealState.CLOSED, users, units, make_appeal)
    events = list(appeal.events.order_by("id"))
    assert [e.action for e in events] == [
        "submit",
        "take_first_receipt",
        "dispatch",
        "sign",
        "record_contact",
        "reply",
        "callback",
    ]
    assert verify_chain(events) is None
    AppealEvent.objects.filter(pk=events[3].pk).update(note="篡改")
    assert verify_chain(appeal.events.order_by("id")).pk == events[3].pk
