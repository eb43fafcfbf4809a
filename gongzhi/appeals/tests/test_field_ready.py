"""Issue H (field-ready), the resident's part: what a resident met on a phone, each as the rule it stands for.

Withdrawal is deliberate and a withdrawn (merged, referred-out, answered) appeal reads as what it is; forms keep
what was typed and list their errors at the top; landlines are contact numbers; the region select speaks the
resident's words; a double tap makes one appeal.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal
from gongzhi.core.testing import client_for, text

REPLY = "已安排维修人员更换路灯，今晚恢复照明。"


def steps(page: str) -> list[str]:
    tracker = re.search(r'<ol class="steps"[^>]*>(.*?)</ol>', page, re.S)
    assert tracker is not None
    return [
        re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li[^>]*>.*?</li>", tracker.group(1), re.S)
    ]


def state_pill(page: str) -> str:
    pill = re.search(r'id="appeal-state">([^<]*)<', page)
    assert pill is not None
    return pill.group(1)


# ---------------------------------------------------------------- 1. withdrawal


def test_withdraw_is_apart_closed_and_needs_a_confirmation(users, make_appeal):
    appeal = make_appeal()
    resident = client_for(users["resident"])
    page = text(resident.get(reverse("appeals:detail", args=[appeal.pk])))
    withdraw = re.search(r'<details class="card withdraw" id="act-withdraw"([^>]*)>', page)
    assert withdraw and "open" not in withdraw.group(1)  # collapsed, below the appeal, not the first block
    assert page.index('id="act-withdraw"') > page.index("办理过程")
    assert "我的操作" not in page  # no open action box with a full-width red button above the appeal

    url = reverse("appeals:act", args=[appeal.pk, "withdraw"])
    response = resident.post(url, {"withdraw-reason": "已自行解决"})
    assert response.status_code == 400 and "撤回前请勾选确认。" in text(response)
    assert "已自行解决" in text(response)  # what was typed stays
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.RECEIVED

    resident.post(url, {"withdraw-reason": "", "withdraw-confirm": "on"})
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.CLOSED


def test_a_withdrawn_appeal_reads_as_withdrawn_everywhere(users, make_appeal, county, category):
    appeal = make_appeal()
    services.withdraw(users["resident"], appeal.pk)
    api = APIClient()
    api.force_authenticate(users["resident"])
    assert api.get(f"/api/v1/appeals/{appeal.pk}/").json()["state_label"] == "已撤回"
    assert api.get("/api/v1/appeals/").json()["results"][0]["state_label"] == "已撤回"

    resident = client_for(users["resident"])
    page = text(resident.get(reverse("appeals:detail", args=[appeal.pk])))
    assert state_pill(page) == "已撤回"
    assert steps(page) == ["已受理", "已撤回"]  # only what happened: no ticked 已答复 / 已办结
    assert "诉求人撤回：诉求人撤回" not in page and 'id="close-summary">诉求人撤回<' in page
    mine = text(resident.get(reverse("appeals:mine")))
    assert "已撤回" in mine and "已办结" not in mine
    for staff in ("dispatcher", "operator"):
        listing = text(client_for(users[staff]).get(reverse("appeals:list")))
        assert re.search(r'class="pill closed withdrawn">已撤回<', listing)
        assert not re.search(r'class="pill[^"]*">已办结归档<', listing)

    # tracked without an account, by number and code
    visitor = Client()
    visitor.post(
        reverse("appeals:new"),
        {
            "kind": "complaint",
            "title": "楼道灯不亮",
            "content": "幸福小区3栋楼道灯坏了一个月，晚上看不见。",
            "region": county["community"].pk,
            "appellant_phone": "13698765432",
        },
        follow=True,
    )
    other = Appeal.objects.get(title="楼道灯不亮")
    Appeal.objects.filter(pk=other.pk).update(state=AppealState.CLOSED, close_reason="withdrawn")
    # the code is shown once; set a known one
    from gongzhi.core.codes import digest_code

    Appeal.objects.filter(pk=other.pk).update(tracking_code_hash=digest_code("12345678", "tracking"))
    tracked = text(visitor.post(reverse("appeals:track"), {"number": other.number, "code": "12345678"}))
    assert "已撤回" in tracked and "已办结归档" not in tracked


def test_a_reason_given_is_shown_once(users, make_appeal):
    appeal = services.withdraw(users["resident"], make_appeal().pk, reason="问题已自行解决")
    assert appeal.close_summary == "诉求人撤回：问题已自行解决"
    # rows written before the fix carry the reason as the note too
    Appeal.objects.filter(pk=appeal.pk).update(close_note="诉求人撤回")
    assert Appeal.objects.get(pk=appeal.pk).close_summary == "诉求人撤回"


@pytest.mark.parametrize(
    ("how", "label"),
    [
        ("merged", "已并单"),
        ("police", "已转办"),
        ("litigation", "已告知办理途径"),
        ("answered", "已答复"),
        ("resolved", "已办结"),
    ],
)
def test_every_ending_has_its_own_words(users, units, make_appeal, how, label):
    appeal = make_appeal(kind="consultation" if how == "answered" else "complaint")
    if how == "merged":
        services.merge_into(users["dispatcher"], appeal.pk, master=make_appeal(title="路灯坏了很久"))
    elif how in ("police", "litigation"):
        services.refer_out(
            users["operator"],
            appeal.pk,
            target="110" if how == "police" else "litigation",
            reason="涉及治安，已转公安",
        )
    elif how == "answered":
        services.answer_directly(users["operator"], appeal.pk, text="路灯报修电话为12319，可直接报修。")
    else:
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
        services.sign(users["handler"], appeal.pk)
        services.record_contact(users["handler"], appeal.pk)
        services.reply(users["handler"], appeal.pk, text=REPLY)
        services.callback(users["resident"], appeal.pk, contacted=True, solved=True, satisfaction="satisfied")
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.status_label == label
    page = text(client_for(users["resident"]).get(reverse("appeals:detail", args=[appeal.pk])))
    assert state_pill(page) == label
    if how == "resolved":
        assert steps(page) == ["已受理", "已派单", "已签收", "办理中", "已答复", "已办结"]
    else:
        assert "已办结" not in steps(page) and steps(page)[-1] == label


# ---------------------------------------------------------------- 3. errors at the top, nothing typed is lost


def new_appeal_data(county, **extra):
    data = {
        "kind": "complaint",
        "title": "小区路灯坏了",
        "content": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
        "region": county["community"].pk,
    }
    data.update(extra)
    return data


def test_a_rejected_attachment_is_listed_at_the_top_and_the_text_stays(users, county):
    resident = client_for(users["resident"])
    exe = SimpleUploadedFile("photo.exe", b"MZ" + b"\0" * 64, "application/octet-stream")
    response = resident.post(
        reverse("appeals:new"), new_appeal_data(county, title="楼下垃圾堆积如山没人清理", attachments=[exe])
    )
    page = text(response)
    assert response.status_code == 200 and not Appeal.objects.exists()
    summary = re.search(r'<div class="alert error error-summary" role="alert"[^>]*>(.*?)</div>', page, re.S)
    assert summary, "no error summary"
    assert page.index("error-summary") < page.index('name="title"')  # above the form's first field
    assert 'href="#id_attachments"' in summary.group(1) and "请重新选择" in summary.group(1)
    assert 'value="楼下垃圾堆积如山没人清理"' in page and "幸福小区3栋门口的路灯坏了两周了" in page


def test_a_short_reply_keeps_its_text_and_the_minimum_is_said_first(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    handler = client_for(users["handler"])
    page = text(handler.get(reverse("appeals:detail", args=[appeal.pk])))
    box = re.search(r'<textarea name="reply-text"[^>]*>', page).group(0)
    assert 'minlength="10"' in box and "至少10个字。" in page
    response = handler.post(reverse("appeals:act", args=[appeal.pk, "reply"]), {"reply-text": "已处理好了"})
    page = text(response)
    assert response.status_code == 400 and "已处理好了</textarea>" in page
    assert 'href="#id_reply-text"' in page
    assert Appeal.objects.get(pk=appeal.pk).state == AppealState.IN_PROGRESS


def test_a_refusal_by_the_service_keeps_what_was_typed(users, make_appeal):
    """A rule only the service knows (the refer-out reason's minimum once spaces are stripped) answers on the
    field with the text kept, not with a redirect to an empty form."""
    appeal = make_appeal()
    operator = client_for(users["operator"])
    response = operator.post(
        reverse("appeals:act", args=[appeal.pk, "refer_out"]),
        {"refer_out-target": "110", "refer_out-reason": "  打架   "},
    )
    page = text(response)
    assert response.status_code == 400 and "打架" in page and "error-summary" in page


# ---------------------------------------------------------------- 5. landlines


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0731-84561234", "0731-84561234"),
        ("073184561234", "0731-84561234"),
        ("010-62345678", "010-62345678"),
        ("0731-84561234-123", "0731-84561234-123"),
        ("0731-84561234转123", "0731-84561234-123"),
        ("(0731)8456123", "0731-8456123"),
        ("+86 138 0013 8000", "13800138000"),
        ("13800138000", "13800138000"),
    ],
)
def test_landlines_and_mobiles_are_contact_numbers(given, stored):
    from gongzhi.core.phones import clean_contact_phone

    assert clean_contact_phone(given) == stored


@pytest.mark.parametrize(
    "given", ["12ab", "12345678", "0731-123", "1234-84561234", "0731-04561234", "12800138000", "138001380001"]
)
def test_anything_else_is_refused(given):
    from django.core.exceptions import ValidationError

    from gongzhi.core.phones import clean_contact_phone

    with pytest.raises(ValidationError):
        clean_contact_phone(given)


def test_the_api_takes_a_landline_and_refuses_the_rest_in_chinese(db, county, category):
    api = APIClient()
    body = {
        "kind": "complaint",
        "title": "小区路灯坏了",
        "content": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
        "region": county["grid"].code,
        "category": category.code,
    }
    response = api.post("/api/v1/appeals/", {**body, "appellant_phone": "0731-84561234"}, format="json")
    assert response.status_code == 201, response.json()
    assert Appeal.objects.get().appellant_phone == "0731-84561234"
    # a landline takes no text message (the 11-character SMS column refused it on PostgreSQL: a 500)
    from gongzhi.core.models import Notification

    assert not any(n.phone.startswith("0") for n in Notification.objects.exclude(phone=""))
    response = api.post("/api/v1/appeals/", {**body, "appellant_phone": "12ab"}, format="json")
    assert response.status_code == 400
    assert "固定电话" in str(response.json())


def test_the_forms_take_a_landline_and_say_on_the_field_what_is_wrong(users, county):
    visitor = Client()
    page = text(visitor.post(reverse("appeals:new"), new_appeal_data(county, appellant_phone="12ab")))
    field = re.search(
        r'<div class="field has-error">\s*<label for="id_appellant_phone">.*?</div>\s*</div>|'
        r'<div class="field has-error">\s*<label for="id_appellant_phone">.*?</ul>',
        page,
        re.S,
    )
    assert field and "固定电话" in field.group(0)
    visitor.post(reverse("appeals:new"), new_appeal_data(county, appellant_phone="0731-84561234"))
    assert Appeal.objects.get().appellant_phone == "0731-84561234"
    operator = client_for(users["operator"])
    operator.post(
        reverse("appeals:staff_new"),
        new_appeal_data(county, channel="hotline", urgency="normal", appellant_phone="0731 8456 1234 转 8"),
    )
    assert Appeal.objects.filter(appellant_phone="0731-84561234-8").exists()


def test_a_landline_is_masked_sensibly():
    from gongzhi.core.masking import mask_phone

    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0731-84561234") == "0731-****1234"
    assert mask_phone("010-62345678-12") == "010-****5678-12"


# ---------------------------------------------------------------- 6. the region in the resident's words


def test_the_region_select_speaks_the_resident_s_words_and_knows_their_community(users, county, make_appeal):
    resident = client_for(users["resident"])
    page = text(resident.get(reverse("appeals:new")))
    assert "所在小区/社区" in page and "网格" not in page
    assert '<optgroup label="东风街道">' in page
    users["resident"].region = county["grid"]
    users["resident"].save(update_fields=["region"])
    page = text(resident.get(reverse("appeals:new")))
    assert re.search(rf'<option value="{county["community"].pk}" selected>幸福社区</option>', page)
    # no account region: the community of their latest appeal
    make_appeal(users["resident2"], region=county["other_community"])
    page = text(client_for(users["resident2"]).get(reverse("appeals:new")))
    assert re.search(rf'<option value="{county["other_community"].pk}" selected>和平社区</option>', page)
    # staff still see grids
    assert "幸福社区 · 幸福一网格" in text(client_for(users["operator"]).get(reverse("appeals:staff_new")))


# ---------------------------------------------------------------- 7. a double tap makes one appeal


@pytest.mark.parametrize("who", ["visitor", "resident", "operator"])
def test_two_posts_with_the_same_token_make_one_appeal(users, county, who):
    client = Client() if who == "visitor" else client_for(users[who])
    url = reverse("appeals:staff_new" if who == "operator" else "appeals:new")
    token = re.search(r'name="submit_token" value="([^"]+)"', text(client.get(url))).group(1)
    data = new_appeal_data(county, submit_token=token, appellant_phone="13698765432")
    if who == "operator":
        data.update(channel="hotline", urgency="normal")
    first = client.post(url, data, follow=True)
    second = client.post(url, data, follow=True)
    assert Appeal.objects.count() == 1
    number = Appeal.objects.get().number
    for response in (first, second):
        assert response.redirect_chain[-1][0] == reverse("appeals:submitted") and number in text(response)
    if who == "visitor":  # the code shown the second time is the appeal's code
        code = re.search(r'id="tracking-code">(\d{8})<', text(second)).group(1)
        tracked = text(Client().post(reverse("appeals:track"), {"number": number, "code": code}))
        assert 'id="tracked"' in tracked
    # a fresh form has a fresh token: a second, deliberate appeal is accepted
    other = re.search(r'name="submit_token" value="([^"]+)"', text(client.get(url))).group(1)
    assert other != token
    client.post(url, {**data, "submit_token": other})
    assert Appeal.objects.count() == 2


# ---------------------------------------------------------------- 4. the answer first; 待我评价 opens what awaits


def replied(users, units, appeal):
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    return services.reply(users["handler"], appeal.pk, text=REPLY)


def test_the_evaluation_comes_after_the_answer_it_evaluates(users, units, make_appeal):
    appeal = replied(users, units, make_appeal())
    page = text(client_for(users["resident"]).get(reverse("appeals:detail", args=[appeal.pk])))
    assert page.index('id="reply"') < page.index(REPLY) < page.index('id="act-callback"')
    # not in the actions' <aside>, which a phone shows first (above the reply)
    assert page.index('id="act-callback"') < page.index("<aside")
    assert page.index('id="act-callback"') < page.index('name="callback-solved"')
    # the operator's phone callback stays among the staff actions
    page = text(client_for(users["operator"]).get(reverse("appeals:detail", args=[appeal.pk])))
    assert 'name="callback-reached"' in page


def test_awaiting_evaluation_opens_a_filtered_list_that_can_be_cleared(users, units, make_appeal):
    waiting = replied(users, units, make_appeal(title="路灯不亮已答复"))
    make_appeal(title="井盖缺失还在办")
    resident = client_for(users["resident"])
    home = text(resident.get("/"))
    tile = re.search(r'<a class="tile" href="([^"]+)">(?:(?!</a>).)*待我评价', home, re.S)
    assert tile, "no 待我评价 tile"
    url = tile.group(1).replace("&amp;", "&")
    assert url == reverse("appeals:mine") + "?show=to_evaluate"
    page = text(resident.get(url))
    assert waiting.title in page and "井盖缺失还在办" not in page
    note = re.search(r'id="mine-filter">(.*?)</p>', page, re.S).group(1)
    assert "待我评价" in note and f'href="{reverse("appeals:mine")}"' in note
    assert "井盖缺失还在办" in text(resident.get(reverse("appeals:mine")))
