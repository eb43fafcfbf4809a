"""Enterprise appeals (急企业之所急): a contact submits from the enterprise's own view, an operator records one on
its behalf; it runs the normal appeals workflow with channel 'enterprise' and the enterprise sees its state."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from gongzhi.appeals import services as appeal_services
from gongzhi.appeals.choices import AppealState, Channel
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import AuditEvent
from gongzhi.credit import services
from gongzhi.credit.models import EnterpriseAppeal

from .conftest import PASSWORD, make_user, uscc

APPEAL = {
    "kind": "help",
    "title": "厂区门前道路积水",
    "content": "厂区门前市政道路雨后积水严重，货车无法进出，影响正常生产。",
}


@pytest.fixture
def region(county):
    return county["grid"]


def submit(actor, enterprise, region, **overrides):
    return services.submit_enterprise_appeal(actor, enterprise.pk, region=region, **{**APPEAL, **overrides})


def test_contact_submits_into_the_normal_workflow(boss, enterprise, region, users, units):
    link = submit(boss, enterprise, region)
    appeal = link.appeal
    assert appeal.channel == Channel.ENTERPRISE and appeal.get_channel_display() == "企业诉求"
    assert appeal.state == AppealState.RECEIVED and appeal.number and appeal.reply_due
    assert (
        appeal.appellant == boss
        and appeal.appellant_name == "李总"
        and appeal.appellant_phone == "13600136000"
    )
    assert appeal.first_receiver is None and not link.on_behalf and link.submitted_by == boss
    submit_event = appeal.events.get(action="submit")
    assert "企业诉求" in submit_event.note and submit_event.after["channel"] == "enterprise"
    audit = AuditEvent.objects.get(action="enterprise_appeal")
    assert audit.target == f"appeal:{appeal.pk}" and enterprise.uscc in audit.note
    # the normal workflow: the dispatcher sends it to the unit, whose handler signs for it
    appeal_services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    appeal_services.sign(users["handler"], appeal.pk)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.ACCEPTED


def test_operator_records_on_behalf(users, boss, enterprise, region):
    link = submit(users["operator"], enterprise, region)
    appeal = link.appeal
    assert link.on_behalf and appeal.channel == Channel.ENTERPRISE
    assert appeal.first_receiver == users["operator"]
    assert appeal.appellant == boss  # linked by the primary contact's mobile number
    assert appeal.appellant_name == "李总"
    other = submit(users["operator"], enterprise, region, contact_name="王会计", contact_phone="13711112222")
    assert other.appeal.appellant_name == "王会计" and other.appeal.appellant_phone == "13711112222"
    assert other.appeal.appellant is None


def test_operator_needs_a_phone_to_call_back(users, officer, region):
    bare = services.create_enterprise(
        officer,
        name="无电话公司",
        uscc=uscc("91430100MA4L0XY3Q"),
        contacts=[{"name": "赵总", "user": make_user("zhao", None)}],
    )
    with pytest.raises(ServiceError) as exc:
        submit(users["operator"], bare, region)
    assert exc.value.field == "contact_phone"
    assert not EnterpriseAppeal.objects.exists()


@pytest.mark.parametrize("who", ["resident", "handler", "dispatcher", "leader"])
def test_only_contacts_and_operators_submit(users, enterprise, region, who):
    with pytest.raises(PermissionDeniedError):
        submit(users[who], enterprise, region)


def test_a_contact_of_another_enterprise_is_refused(officer, enterprise, region):
    other_boss = make_user("other_boss", None, phone="13655556666")
    services.create_enterprise(
        officer,
        name="别家公司",
        uscc=uscc("91430100MA4L0XY4Q"),
        contacts=[{"name": "周总", "user": other_boss}],
    )
    with pytest.raises(PermissionDeniedError):
        submit(other_boss, enterprise, region)


def test_the_channel_is_only_for_the_enterprise_intake(users, make_appeal, boss, enterprise, region):
    with pytest.raises(ServiceError) as exc:
        make_appeal(channel="enterprise")
    assert exc.value.field == "channel"
    with pytest.raises(ServiceError):
        make_appeal(actor=users["operator"], channel="enterprise", appellant_phone="13800138000")
    with pytest.raises(ServiceError):  # a delegated intake still names its own channel
        appeal_services.submit_appeal(boss, channel="web", region=region, delegated=True, **APPEAL)
    with pytest.raises(ServiceError):  # bad input is refused by the appeals rules as usual
        submit(boss, enterprise, region, title="短")
    assert not EnterpriseAppeal.objects.exists()


def test_a_repeated_client_key_returns_the_same_appeal(boss, enterprise, region):
    first = submit(boss, enterprise, region, client_key="k-1")
    again = submit(boss, enterprise, region, client_key="k-1")
    assert first.pk == again.pk and EnterpriseAppeal.objects.count() == 1


# ---------------------------------------------------------------- pages


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_contact_submits_from_the_enterprise_view(client, boss, enterprise, county, users, units):
    login(client, boss)
    page = client.get("/credit/mine/").content.decode()
    assert f"/credit/enterprises/{enterprise.pk}/appeals/new/" in page and "暂无企业诉求" in page
    form = client.get(f"/credit/enterprises/{enterprise.pk}/appeals/new/").content.decode()
    assert "提交企业诉求" in form and "contact_phone" not in form
    r = client.post(
        f"/credit/enterprises/{enterprise.pk}/appeals/new/",
        {
            **APPEAL,
            "region": str(county["grid"].pk),
            "address": "工业园1号",
            "attachment": SimpleUploadedFile("照片.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
        },
    )
    assert r.status_code == 302 and r.url == "/credit/mine/"
    link = EnterpriseAppeal.objects.get()
    assert link.appeal.attachments.count() == 1
    page = client.get("/credit/mine/").content.decode()
    assert link.appeal.number in page and "已受理" in page
    appeal_services.dispatch(users["dispatcher"], link.appeal.pk, lead_unit=units["housing"])
    page = client.get("/credit/mine/").content.decode()
    assert "已派单" in page and "县住建局" in page


def test_bad_input_is_shown_in_chinese(client, boss, enterprise):
    login(client, boss)
    r = client.post(
        f"/credit/enterprises/{enterprise.pk}/appeals/new/", {**APPEAL, "content": "太短", "region": ""}
    )
    assert r.status_code == 200 and "errorlist" in r.content.decode()
    assert not EnterpriseAppeal.objects.exists()


def test_operator_finds_the_enterprise_and_records_for_it(client, users, enterprise, county):
    login(client, users["operator"])
    listing = client.get("/credit/enterprises/?q=湘江").content.decode()
    assert enterprise.name in listing
    assert enterprise.name in client.get(f"/credit/enterprises/?q={enterprise.uscc}").content.decode()
    page = client.get(f"/credit/enterprises/{enterprise.pk}/").content.decode()
    assert "代企业登记诉求" in page and "执行案件" not in page and "行政处罚" not in page  # appeals only
    form = client.get(f"/credit/enterprises/{enterprise.pk}/appeals/new/").content.decode()
    assert "contact_phone" in form
    r = client.post(
        f"/credit/enterprises/{enterprise.pk}/appeals/new/",
        {
            **APPEAL,
            "region": str(county["grid"].pk),
            "contact_name": "王会计",
            "contact_phone": "13711112222",
        },
    )
    assert r.status_code == 302 and r.url == f"/credit/enterprises/{enterprise.pk}/"
    link = EnterpriseAppeal.objects.get()
    assert link.on_behalf and link.appeal.appellant_phone == "13711112222"
    page = client.get(f"/credit/enterprises/{enterprise.pk}/").content.decode()
    assert link.appeal.number in page and "话务员代为登记" in page


def test_officer_sees_the_enterprise_appeals_on_its_page(client, officer, boss, enterprise, county):
    link = submit(boss, enterprise, county["grid"])
    login(client, officer)
    page = client.get(f"/credit/enterprises/{enterprise.pk}/").content.decode()
    assert link.appeal.number in page and link.appeal.title in page and "已受理" in page
    assert "执行案件" in page and "记录行政处罚" in page


@pytest.mark.parametrize("who", ["resident", "handler", "leader"])
def test_others_do_not_see_enterprises(client, users, enterprise, who):
    login(client, users[who])
    assert client.get("/credit/enterprises/").status_code == 403
    assert client.get(f"/credit/enterprises/{enterprise.pk}/").status_code == 403
    assert client.get(f"/credit/enterprises/{enterprise.pk}/appeals/new/").status_code == 403


def test_a_contact_is_sent_to_the_enterprise_view(client, boss, enterprise):
    login(client, boss)
    r = client.get(f"/credit/enterprises/{enterprise.pk}/")
    assert r.status_code == 302 and r.url == "/credit/mine/"


# ---------------------------------------------------------------- API


def api(user=None):
    client = APIClient()
    if user:
        client.force_authenticate(user)
    return client


def test_api_submit_and_list(boss, users, enterprise, county, officer):
    url = f"/api/v1/credit/enterprises/{enterprise.pk}/appeals/"
    r = api(boss).post(url, {**APPEAL, "region": county["grid"].code}, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert (
        data["channel"] == "enterprise"
        and data["channel_label"] == "企业诉求"
        and data["state"] == "received"
    )
    assert data["on_behalf"] is False and data["number"]
    r = api(users["operator"]).post(
        url, {**APPEAL, "region": county["grid"].code, "contact_phone": "13711112222"}, format="json"
    )
    assert r.status_code == 201 and r.json()["on_behalf"] is True
    for user in (boss, officer, users["operator"]):
        rows = api(user).get(url).json()["results"]
        assert [row["state_label"] for row in rows] == ["已受理", "已受理"]


def test_api_refusals(users, enterprise, county):
    url = f"/api/v1/credit/enterprises/{enterprise.pk}/appeals/"
    assert api(users["resident"]).get(url).status_code == 404
    r = api(users["resident"]).post(url, {**APPEAL, "region": county["grid"].code}, format="json")
    assert r.status_code == 403 and "企业联系人" in r.json()["detail"]
    r = api(users["operator"]).post(url, {**APPEAL, "region": "nowhere"}, format="json")
    assert r.status_code == 400
    assert (
        api(users["operator"])
        .post("/api/v1/credit/enterprises/999999/appeals/", {}, format="json")
        .status_code
        == 404
    )
    assert api().get(url).status_code in (401, 403)
    assert not EnterpriseAppeal.objects.exists()


def test_appeals_api_refuses_the_enterprise_channel(users, county):
    r = api(users["resident"]).post(
        "/api/v1/appeals/", {**APPEAL, "channel": "enterprise", "region": county["grid"].code}, format="json"
    )
    assert r.status_code == 400 and r.json()["code"] != "" and "channel" in str(r.json())


def test_the_footer_links_the_enterprise_page_only_for_who_may_open_it(client, boss, enterprise, officer):
    resident = make_user("resident9", "resident")
    # Officers may open the page but work from the credit board: 本企业信用 is the contacts' link only.
    for user, shown, opens in ((boss, True, True), (officer, False, True), (resident, False, False)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert ('href="/credit/mine/"' in page) is shown, user.username
        assert client.get("/credit/mine/").status_code == (200 if opens else 403), user.username
