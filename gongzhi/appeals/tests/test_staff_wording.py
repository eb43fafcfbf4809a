"""Staff pages say what staff do, in Chinese: a co-unit picker instead of "按住 Ctrl 键", the operator's callback
questions as said on the phone, and the admin's roles and event kinds by their Chinese names."""

from django.test import Client

from gongzhi.appeals import services
from gongzhi.appeals.tests.test_workflow import REPLY_TEXT
from gongzhi.core.models import Unit
from gongzhi.core.services import register_resident_at_counter


def test_dispatch_picks_co_units_from_a_filterable_checkbox_list(users, units, make_appeal):
    appeal = make_appeal()
    client = Client()
    client.force_login(users["dispatcher"])
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "Ctrl" not in page
    assert 'type="checkbox" name="dispatch-co_units"' in page and "js/picker.js" in page
    response = client.post(
        f"/appeals/{appeal.pk}/act/dispatch/",
        {
            "dispatch-lead_unit": units["housing"].pk,
            "dispatch-co_units": [units["property"].pk, units["community"].pk],
        },
        follow=True,
    )
    assert "已完成「派单」" in response.content.decode()
    appeal.refresh_from_db()
    assert set(appeal.co_units.all()) == {units["property"], units["community"]}
    assert Unit.objects.count() >= 5


def _replied(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    return appeal


def test_operator_reads_the_callback_questions_as_said_on_the_phone(users, units, make_appeal):
    appeal = _replied(users, units, make_appeal)
    operator = Client()
    operator.force_login(users["operator"])
    page = operator.get(f"/appeals/{appeal.pk}/").content.decode()
    assert (
        "电话回访" in page and "请问承办单位是否联系过您？" in page and "请问您反映的问题解决了吗？" in page
    )
    assert "记录回访结果" in page and "提交评价" not in page
    resident = Client()
    resident.force_login(users["resident"])
    own = resident.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "承办单位是否联系过您？" in own and "请问承办单位" not in own and "提交评价" in own
    recorded = operator.post(
        f"/appeals/{appeal.pk}/act/callback/",
        {
            "callback-reached": "on",
            "callback-contacted": "1",
            "callback-solved": "1",
            "callback-satisfaction": "satisfied",
        },
        follow=True,
    )
    assert "已完成" in recorded.content.decode()


def test_admin_lists_roles_and_event_kinds_by_their_chinese_names(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    register_resident_at_counter(
        users["operator"], phone="13912345678", display_name="赵六", privacy_consent=True
    )
    admin = Client()
    admin.force_login(users["admin"])
    groups = admin.get("/admin/auth/group/").content.decode()
    assert "派单员" in groups and "网格员" in groups
    user_page = admin.get(f"/admin/core/user/{users['dispatcher'].pk}/change/").content.decode()
    assert "派单员（dispatcher）" in user_page
    assert "派单员" in admin.get("/admin/core/user/").content.decode()
    trail = admin.get("/admin/appeals/appealevent/").content.decode()
    assert "提交诉求" in trail and "首接" in trail and '<td class="field-action_label">dispatch<' not in trail
    audit = admin.get("/admin/core/auditevent/").content.decode()
    assert "居民账号注册" in audit
    assert admin.get("/admin/core/auditevent/?action=register_resident").status_code == 200
