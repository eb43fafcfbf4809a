from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Callback


def test_happy_loop(users, units, make_appeal, dispatch_rule):
    appeal = make_appeal()
    assert appeal.state == AppealState.RECEIVED and appeal.number
    rule = services.suggest_dispatch(appeal.category, appeal.region)
    assert rule.unit == units["housing"]
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=rule.unit)
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk, note="电话联系")
    services.reply(users["handler"], appeal.pk, text="已安排维修人员更换路灯，今晚恢复照明。")
    appeal = services.callback(
        users["resident"], appeal.pk, contacted=True, solved=True, satisfaction="satisfied"
    )
    assert appeal.state == AppealState.CLOSED
    assert Callback.objects.get(appeal=appeal).valid
    actions = list(appeal.events.values_list("action", flat=True))
    assert actions == [
        "submit",
        "take_first_receipt",
        "dispatch",
        "sign",
        "record_contact",
        "reply",
        "callback",
    ]
