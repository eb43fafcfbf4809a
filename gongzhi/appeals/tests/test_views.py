"""The appeal pages with Django's test client: intake, lists, detail, actions, tracking, ranking, boards."""

import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongzhi.appeals import counters, services
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal, Attachment, Callback, KnowledgeArticle
from gongzhi.core.models import AuditEvent
from gongzhi.core.testing import client_for, text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def form_data(county, category=None, **extra):
    data = {
        "kind": "complaint",
        "title": "小区路灯坏了",
        "content": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
        "region": county["grid"].pk,
        "address": "幸福小区3栋",
        "category": category.pk if category else "",
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- intake


def test_new_form_renders_regions_grouped_by_street(db, county):
    page = text(Client().get(reverse("appeals:new")))
    assert (
        '<optgroup label="东风街道">' in page and "幸福社区" in page and "网格" not in page
    )  # residents' words
    assert "您的姓名" in page and "联系电话" in page and "multiple" in page


def test_anonymous_visitor_submits_and_tracks_with_the_code(db, county, category):
    client = Client()
    response = client.post(
        reverse("appeals:new"),
        form_data(county, category, appellant_name="赵六", appellant_phone="13698765432"),
        follow=True,
    )
    page = text(response)
    number = re.search(r'id="appeal-number">(\d+)<', page).group(1)
    code = re.search(r'id="tracking-code">(\d{8})<', page).group(1)
    appeal = Appeal.objects.get(number=number)
    assert appeal.appellant is None and appeal.appellant_phone == "13698765432" and appeal.channel == "web"
    wrong = client.post(
        reverse("appeals:track"), {"number": number, "code": "00000000" if code != "00000000" else "11111111"}
    )
    assert "诉求编号或查询码不正确" in text(wrong) and 'id="tracked"' not in text(wrong)
    right = text(client.post(reverse("appeals:track"), {"number": number, "code": code}))
    assert 'id="tracked"' in right and "已受理" in right and "13698765432" not in right


def test_tracking_is_rate_limited(db, county):
    client = Client(REMOTE_ADDR="10.1.2.3")
    for _i in range(10):
        client.post(reverse("appeals:track"), {"number": "20260101000001", "code": "12345678"})
    page = text(client.post(reverse("appeals:track"), {"number": "20260101000001", "code": "12345678"}))
    assert "查询失败次数过多" in page


def test_resident_form_errors_are_chinese(users, county):
    client = client_for(users["resident"])
    page = text(client.post(reverse("appeals:new"), form_data(county, title="", content="太短")))
    assert "此项为必填项" in page
    assert "诉求内容至少10个字" in page
    assert "您的姓名" not in page  # a logged-in resident is not asked for name and phone
    bad = text(
        client.post(
            reverse("appeals:new"),
            {
                **form_data(county),
                "attachments": SimpleUploadedFile(
                    "virus.exe", b"MZ....", content_type="application/octet-stream"
                ),
            },
        )
    )
    assert "不支持的附件类型" in bad
    assert not Appeal.objects.exists()


def test_anonymous_visitor_must_leave_a_phone_or_choose_anonymous(db, county):
    page = text(Client().post(reverse("appeals:new"), form_data(county)))
    assert "请留下联系电话" in page


def test_resident_submits_with_attachments(users, county, category, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(users["resident"])
    files = [
        SimpleUploadedFile("a.png", PNG, content_type="image/png"),
        SimpleUploadedFile("b.png", PNG, content_type="image/png"),
    ]
    response = client.post(
        reverse("appeals:new"),
        {**form_data(county, category), "attachments": files},
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Mobile Safari",
        follow=True,
    )
    appeal = Appeal.objects.get()
    assert appeal.appellant == users["resident"] and appeal.channel == "mobile"
    assert Attachment.objects.filter(appeal=appeal).count() == 2
    page = text(response)
    assert appeal.number in page and 'id="tracking-code"' not in page


def test_staff_intake_by_operator(users, county):
    client = client_for(users["operator"])
    assert "受理渠道" in text(client.get(reverse("appeals:staff_new")))
    assert client.get(reverse("appeals:new")).status_code == 302  # staff are sent to their own form
    response = client.post(
        reverse("appeals:staff_new"),
        {
            **form_data(county),
            "channel": "proxy",
            "urgency": "normal",
            "appellant_name": "王大爷",
            "appellant_phone": "13611112222",
        },
        follow=True,
    )
    appeal = Appeal.objects.get()
    assert appeal.channel == "proxy" and appeal.first_receiver == users["operator"]
    assert re.search(r'id="tracking-code">\d{8}<', text(response))
    bad = text(
        client.post(
            reverse("appeals:staff_new"), {**form_data(county), "channel": "web", "urgency": "normal"}
        )
    )
    assert "请选择有效的选项" in bad


def test_staff_intake_is_403_for_others(users):
    for role in ("resident", "dispatcher", "handler", "leader"):
        response = client_for(users[role]).get(reverse("appeals:staff_new"))
        assert response.status_code == 403 and "无权访问" in text(response)
    assert client_for(users["dispatcher"]).get(reverse("appeals:new")).status_code == 403


# ---------------------------------------------------------------- lists


def test_list_is_scoped_and_filtered(users, units, make_appeal):
    received = make_appeal(title="垃圾清运不及时")
    dispatched = make_appeal(title="小区路灯坏了")
    services.dispatch(users["dispatcher"], dispatched.pk, lead_unit=units["housing"])
    dispatcher = client_for(users["dispatcher"])
    page = text(dispatcher.get(reverse("appeals:list")))
    assert received.number in page and dispatched.number in page
    only = text(dispatcher.get(reverse("appeals:list"), {"state": "received"}))
    assert received.number in only and dispatched.number not in only
    search = text(dispatcher.get(reverse("appeals:list"), {"q": "垃圾"}))
    assert received.number in search and dispatched.number not in search
    Appeal.objects.filter(pk=dispatched.pk).update(sign_due=timezone.now() - timedelta(hours=1))
    counters.rebuild_board()  # a raw edit of a due time is followed by the rebuild of the stored board times
    red = text(dispatcher.get(reverse("appeals:list"), {"light": "red"}))
    assert dispatched.number in red and received.number not in red and 'class="dot red"' in red
    other = text(client_for(users["handler_other"]).get(reverse("appeals:list")))
    assert dispatched.number not in other and received.number not in other
    assert client_for(users["resident"]).get(reverse("appeals:list")).url == reverse("appeals:mine")
    bad = client_for(users["dispatcher"]).get(reverse("appeals:list"), {"state": "nonsense", "page": "x"})
    assert bad.status_code == 200


def test_mine_shows_progress(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    make_appeal(users["resident2"], title="别人的诉求标题")
    page = text(client_for(users["resident"]).get(reverse("appeals:mine")))
    assert appeal.number in page and 'role="progressbar"' in page and "当前：已派单" in page
    assert "别人的诉求标题" not in page
    assert client_for(users["handler"]).get(reverse("appeals:mine")).status_code == 403


# ---------------------------------------------------------------- detail and actions


def test_detail_is_404_outside_visible_appeals(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    url = reverse("appeals:detail", args=[appeal.pk])
    assert client_for(users["resident"]).get(url).status_code == 200
    assert client_for(users["handler"]).get(url).status_code == 200
    for role in ("resident2", "handler_other", "other_staff"):
        response = client_for(users[role]).get(url)
        assert response.status_code == 404 and "页面不存在" in text(response)
    assert (
        client_for(users["resident2"]).post(reverse("appeals:act", args=[appeal.pk, "withdraw"])).status_code
        == 404
    )


def test_dispatcher_sees_the_suggestion_preselected(users, units, make_appeal, dispatch_rule):
    appeal = make_appeal()
    page = text(client_for(users["dispatcher"]).get(reverse("appeals:detail", args=[appeal.pk])))
    assert 'id="suggestion"' in page and "县住建局" in page
    assert f'<option value="{units["housing"].pk}" selected>' in page
    assert "派单给 县住建局" in page
    # the handler is offered nothing on a received appeal
    handler_page = text(client_for(users["handler"]).get(reverse("appeals:detail", args=[appeal.pk])))
    assert "办理操作" not in handler_page


def test_action_view_transitions_and_refuses_illegal_ones(users, units, make_appeal, dispatch_rule):
    appeal = make_appeal()
    dispatcher = client_for(users["dispatcher"])
    act = reverse("appeals:act", args=[appeal.pk, "dispatch"])
    response = dispatcher.post(act, {"dispatch-lead_unit": units["housing"].pk}, follow=True)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.DISPATCHED and appeal.lead_unit == units["housing"]
    assert "已完成「派单」" in text(response)
    # dispatching again is not in the table: refused with the service's message, state unchanged
    again = dispatcher.post(act, {"dispatch-lead_unit": units["hrss"].pk}, follow=True)
    appeal.refresh_from_db()
    assert "不能执行「派单」" in text(again)
    assert appeal.lead_unit == units["housing"]
    # a role outside the transition is refused too
    refused = client_for(users["handler_other"]).post(
        reverse("appeals:act", args=[appeal.pk, "sign"]), follow=True
    )
    assert refused.status_code == 404  # not even visible to another unit
    wrong_role = dispatcher.post(reverse("appeals:act", args=[appeal.pk, "sign"]), follow=True)
    assert "您的角色不能执行「签收」" in text(wrong_role)
    assert dispatcher.post(reverse("appeals:act", args=[appeal.pk, "explode"])).status_code == 404
    assert dispatcher.get(reverse("appeals:act", args=[appeal.pk, "sign"])).status_code == 405


def test_invalid_action_form_shows_chinese_errors(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    handler = client_for(users["handler"])
    response = handler.post(reverse("appeals:act", args=[appeal.pk, "reply"]), {"reply-text": ""})
    assert response.status_code == 400
    assert "此项为必填项" in text(response) and "未提交" in text(response)
    short = handler.post(
        reverse("appeals:act", args=[appeal.pk, "reply"]), {"reply-text": "好了"}, follow=True
    )
    assert "至少 10 个字（当前 2 个）" in text(short) and "好了</textarea>" in text(short)
    days = handler.post(
        reverse("appeals:act", args=[appeal.pk, "request_extension"]),
        {"request_extension-working_days": "99", "request_extension-reason": "需要协调多个部门"},
    )
    assert "不能大于 15" in text(days)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.IN_PROGRESS


def test_full_loop_through_the_pages(users, units, make_appeal, dispatch_rule):
    appeal = make_appeal()
    url = reverse("appeals:detail", args=[appeal.pk])
    client_for(users["dispatcher"]).post(
        reverse("appeals:act", args=[appeal.pk, "dispatch"]), {"dispatch-lead_unit": units["housing"].pk}
    )
    handler = client_for(users["handler"])
    assert "签收" in text(handler.get(url))
    handler.post(reverse("appeals:act", args=[appeal.pk, "sign"]))
    handler.post(
        reverse("appeals:act", args=[appeal.pk, "record_contact"]), {"record_contact-note": "电话联系"}
    )
    handler.post(
        reverse("appeals:act", args=[appeal.pk, "reply"]),
        {"reply-text": "已安排维修人员更换路灯，今晚恢复照明。"},
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.REPLIED
    resident = client_for(users["resident"])
    page = text(resident.get(url))
    assert "评价办理结果" in page and "已安排维修人员更换路灯" in page
    missing = resident.post(reverse("appeals:act", args=[appeal.pk, "callback"]), {"callback-contacted": "1"})
    assert missing.status_code == 400 and "请选择一项" in text(missing)
    resident.post(
        reverse("appeals:act", args=[appeal.pk, "callback"]),
        {"callback-contacted": "1", "callback-solved": "1", "callback-satisfaction": "satisfied"},
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.CLOSED
    assert Callback.objects.get(appeal=appeal).method == "online"
    page = text(resident.get(url))
    assert "签收" in page and "回访评价" in page and "评价办理结果</summary>" not in page


def test_resident_cannot_rate_someone_elses_appeal_even_if_visible(users, units, make_appeal):
    appeal = make_appeal()
    response = client_for(users["resident"]).post(
        reverse("appeals:act", args=[appeal.pk, "callback"]),
        {"callback-contacted": "1", "callback-solved": "1", "callback-satisfaction": "satisfied"},
        follow=True,
    )
    assert "不能执行「回访评价」" in text(response)


def test_reveal_contact_for_the_lead_handler_only(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    handler = client_for(users["handler"])
    page = text(handler.get(reverse("appeals:detail", args=[appeal.pk])))
    assert "138****8000" in page and "13800138000" not in page and "显示完整号码" in page
    revealed = handler.post(reverse("appeals:reveal", args=[appeal.pk]), HTTP_HX_REQUEST="true")
    assert "13800138000" in text(revealed) and "<html" not in text(revealed)
    assert AuditEvent.objects.filter(action="unmask_contact", actor=users["handler"]).count() == 1
    # The dispatcher who dispatched it is its first receiver (spec §3, §7); another hotline operator is not.
    dispatcher = client_for(users["operator"])
    assert "显示完整号码" not in text(dispatcher.get(reverse("appeals:detail", args=[appeal.pk])))
    refused = dispatcher.post(reverse("appeals:reveal", args=[appeal.pk]), follow=True)
    assert "您无权查看诉求人的完整联系方式" in text(refused) and "13800138000" not in text(refused)


def test_supervisor_gets_a_supervise_form(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    supervisor = client_for(users["supervisor"])
    assert "催办 / 督办" in text(supervisor.get(reverse("appeals:detail", args=[appeal.pk])))
    response = supervisor.post(
        reverse("appeals:act", args=[appeal.pk, "supervise"]),
        {"supervise-level": "1", "supervise-note": "请加快办理"},
        follow=True,
    )
    assert "已完成" in text(response)
    appeal.refresh_from_db()
    assert appeal.supervision_level == 1


def test_csrf_is_on_for_actions(users, units, make_appeal):
    appeal = make_appeal()
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["dispatcher"])
    response = client.post(
        reverse("appeals:act", args=[appeal.pk, "dispatch"]), {"dispatch-lead_unit": units["housing"].pk}
    )
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RECEIVED
    assert "csrfmiddlewaretoken" in text(client.get(reverse("appeals:detail", args=[appeal.pk])))


# ---------------------------------------------------------------- ranking, boards, knowledge


def test_rates_page_lists_small_samples_apart(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    services.reply(users["handler"], appeal.pk, text="已安排维修人员更换路灯，今晚恢复照明。")
    services.callback(users["resident"], appeal.pk, contacted=True, solved=True, satisfaction="satisfied")
    for role in ("leader", "supervisor", "dispatcher", "handler", "admin"):
        assert client_for(users[role]).get(reverse("appeals:rates")).status_code == 200
    page = text(client_for(users["leader"]).get(reverse("appeals:rates")))
    ranked, apart = page.split('id="small-sample"')
    assert "县住建局" not in ranked
    assert "县住建局" in apart and "100.0%" in apart and "1/1" in apart
    by_street = text(client_for(users["leader"]).get(reverse("appeals:rates"), {"by": "street"}))
    assert "东风街道" in by_street
    empty = text(client_for(users["leader"]).get(reverse("appeals:rates"), {"period": "2001-01"}))
    assert "县住建局" not in empty
    bad = client_for(users["leader"]).get(reverse("appeals:rates"), {"period": "2026-13", "by": "x"})
    assert bad.status_code == 200 and "月份格式应为" in text(bad)
    assert client_for(users["resident"]).get(reverse("appeals:rates")).status_code == 403


def test_overdue_board(users, units, make_appeal):
    from gongzhi.appeals.tests.test_workflow import at

    late = make_appeal(title="已经超期的诉求")
    with at(
        timezone.now() - timedelta(days=6)
    ):  # dispatched six days ago, never signed: the sign step is red
        services.dispatch(users["dispatcher"], late.pk, lead_unit=units["housing"])
    fresh = make_appeal(title="刚刚受理的诉求")
    services.dispatch(users["dispatcher"], fresh.pk, lead_unit=units["housing"])
    page = text(client_for(users["supervisor"]).get(reverse("appeals:overdue")))
    assert late.number in page and fresh.number not in page and 'class="dot red"' in page
    assert re.search(r"县住建局</td><td class=\"num\">1</td><td class=\"num\">0</td>", page)  # per unit
    assert client_for(users["leader"]).get(reverse("appeals:overdue")).status_code == 200
    assert client_for(users["handler"]).get(reverse("appeals:overdue")).status_code == 403


def test_knowledge_search(users):
    KnowledgeArticle.objects.create(
        title="住房公积金提取条件", body="购房、租房可提取。", keywords="公积金 提取"
    )
    KnowledgeArticle.objects.create(title="居住证办理", body="携带身份证到派出所办理。", keywords="居住证")
    client = client_for(users["operator"])
    page = text(client.get(reverse("appeals:knowledge"), {"q": "公积金"}))
    assert "住房公积金提取条件" in page and "居住证办理" not in page
    assert client_for(users["resident"]).get(reverse("appeals:knowledge")).status_code == 403


def test_back_link_of_an_own_appeal_goes_where_the_user_may_go(make_appeal, users):
    # A grid worker who reported a problem on patrol is its appellant, but 我的诉求 is residents' (403 for them).
    patrol = make_appeal(actor=users["grid_worker"], channel="grid_patrol")
    assert patrol.appellant == users["grid_worker"]
    page = text(client_for(users["grid_worker"]).get(reverse("appeals:detail", args=[patrol.pk])))
    assert f'href="{reverse("appeals:list")}">← 返回列表' in page
    assert client_for(users["grid_worker"]).get(reverse("appeals:list")).status_code == 200
    own = make_appeal()
    page = text(client_for(users["resident"]).get(reverse("appeals:detail", args=[own.pk])))
    assert f'href="{reverse("appeals:mine")}">← 返回列表' in page
