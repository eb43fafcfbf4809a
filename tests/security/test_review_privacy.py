"""Security and privacy review (2026-11): leaks and cross-scope writes found by reading every endpoint.

Each test names the promise it holds: roles see only what is theirs; residents' phone numbers are masked outside
the people who need them.
"""

import pytest
from django.test import Client

from gongzhi.appeals import services as appeal_services
from gongzhi.community import services as community
from gongzhi.core.errors import ServiceError
from gongzhi.core.services import register_resident_at_counter
from gongzhi.deliberation import services as deliberation
from gongzhi.deliberation.choices import Phase, TopicSource, VoteRule
from gongzhi.deliberation.models import Topic

PHONE = "13712345678"


@pytest.fixture
def phone_resident(users):
    """A resident as the phone-code login (or a counter registration without a name) creates them: no name, and
    an account name without their phone number (issue K item 2: "u-" and random hex)."""
    resident = register_resident_at_counter(
        users["operator"], phone=PHONE, display_name="", privacy_consent=True
    )
    assert (
        resident.username.startswith("u-") and PHONE not in resident.username and resident.display_name == ""
    )
    return resident


# ---------------------------------------------------------------- a resident without a name is not named by phone


def test_public_organisation_page_masks_a_member_registered_by_phone(world, phone_resident):
    community.join_organization(phone_resident, world["org"].pk)
    page = Client().get(f"/community/organizations/{world['org'].pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert PHONE not in body
    assert "137****5678" in body


def test_str_of_a_resident_registered_by_phone_is_masked(phone_resident):
    assert PHONE not in str(phone_resident)


def test_opinion_and_meeting_register_do_not_carry_the_phone(world, phone_resident):
    topic = world["topic"]
    Topic.objects.filter(pk=topic.pk).update(phase=Phase.COLLECTING)
    opinion = deliberation.post_opinion(phone_resident, topic.pk, body="同意公开成本")
    assert PHONE not in opinion.author_name
    staff = Client()
    staff.force_login(world["users"]["community_staff"])  # the topic's manager reads names unmasked
    listed = staff.get(f"/api/v1/deliberation/topics/{topic.pk}/opinions/").json()
    assert PHONE not in str(listed)


def test_organiser_sees_a_signup_registered_by_phone_masked(world, phone_resident):
    activity = world["activity"]
    community.sign_up(phone_resident, activity.pk)
    organiser = Client()
    organiser.force_login(world["users"]["community_staff"])
    page = organiser.get(f"/community/activities/{activity.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "137****5678" in body and PHONE not in body


# ---------------------------------------------------------------- deliberation: ids posted for another scope


def test_resident_proposal_cannot_link_someone_elses_appeal(world):
    resident, other_appeal = world["users"]["resident"], world["other_appeal"]
    with pytest.raises(ServiceError):
        deliberation.create_topic(
            resident,
            title="噪音",
            description="楼下噪音扰民",
            region=other_appeal.region,
            source=TopicSource.RESIDENT_PROPOSAL,
            appeal_ids=[other_appeal.pk],
            household="1栋101",
        )
    assert not Topic.objects.filter(appeals=other_appeal).exists()


def test_staff_cannot_gather_another_communitys_appeals_into_a_topic(world, county):
    staff, other_appeal = world["users"]["community_staff"], world["other_appeal"]
    with pytest.raises(ServiceError):
        deliberation.create_topic(
            staff,
            title="噪音治理",
            description="汇集噪音诉求",
            region=county["community"],
            source=TopicSource.APPEALS,
            appeal_ids=[world["appeal"].pk, other_appeal.pk],
        )
    api = Client()
    api.force_login(staff)
    answer = api.post(
        "/api/v1/deliberation/topics/",
        {
            "title": "噪音治理",
            "description": "汇集噪音诉求",
            "region": county["community"].pk,
            "source": "appeals",
            "appeal_ids": [other_appeal.pk],
        },
        content_type="application/json",
    )
    assert answer.status_code in (400, 403, 404), answer.content
    assert "detail" in answer.json()
    assert not Topic.objects.filter(appeals=other_appeal).exists()


def test_staff_can_still_gather_appeals_they_see(world, county):
    topic = deliberation.create_topic(
        world["users"]["community_staff"],
        title="路灯维修",
        description="汇集路灯诉求",
        region=county["community"],
        source=TopicSource.APPEALS,
        appeal_ids=[world["appeal"].pk],
    )
    assert list(topic.appeals.all()) == [world["appeal"]]


def test_vote_cannot_use_another_communitys_owner_register(world, county):
    other_staff, staff = world["users"]["other_staff"], world["users"]["community_staff"]
    theirs = deliberation.create_owner_register(
        other_staff,
        name="和平小区业主名册",
        region=county["other_community"],
        rows=[{"owner": "业主甲", "unit": "1-101", "area": "90"}],
    )
    topic = world["topic"]
    Topic.objects.filter(pk=topic.pk).update(phase=Phase.DELIBERATING)
    with pytest.raises(ServiceError) as refused:
        deliberation.create_vote(
            staff, topic.pk, question="是否更换物业", rule=VoteRule.OWNERS_JOINT, register_id=theirs.pk
        )
    assert refused.value.field == "register_id"
    assert not topic.votes.filter(register=theirs).exists()


def test_topic_form_does_not_tell_which_hidden_appeal_numbers_exist(world):
    """The page refuses another community's appeal number exactly as it refuses a number that does not exist."""
    staff = Client()
    staff.force_login(world["users"]["community_staff"])
    form = {
        "title": "噪音治理",
        "description": "汇集噪音诉求",
        "region": world["topic"].region.pk,
        "source": "appeals",
    }
    theirs = staff.post("/deliberation/topics/new/", {**form, "appeal_numbers": world["other_appeal"].number})
    missing = staff.post("/deliberation/topics/new/", {**form, "appeal_numbers": "209912310000001"})
    assert theirs.status_code == missing.status_code == 200
    assert theirs.context["form"].errors == missing.context["form"].errors
    assert not Topic.objects.filter(appeals=world["other_appeal"]).exists()


def test_manage_page_lists_only_the_managers_owner_registers(world, county):
    deliberation.create_owner_register(
        world["users"]["other_staff"],
        name="和平小区业主名册",
        region=county["other_community"],
        rows=[{"owner": "业主甲", "unit": "1-101", "area": "90"}],
    )
    deliberation.create_owner_register(
        world["users"]["community_staff"],
        name="幸福小区业主名册",
        region=county["community"],
        rows=[{"owner": "业主乙", "unit": "2-101", "area": "80"}],
    )
    staff = Client()
    staff.force_login(world["users"]["community_staff"])
    page = staff.get("/deliberation/manage/").content.decode()
    assert "幸福小区业主名册" in page and "和平小区业主名册" not in page


# ---------------------------------------------------------------- Django admin: the admin role reads masked numbers


def test_admin_pages_show_appellants_and_residents_numbers_masked(world, users, phone_resident):
    """Admins are not among those who may unmask (appeals.selectors.can_unmask): the admin site shows them the
    numbers as the appeal page does, and unmasking stays the audited reveal_contact."""
    appeal = world["appeal"]  # resident1, 13800138000, ID 11010519491231002X
    appeal_services.submit_appeal(
        users["operator"],
        kind="help",
        channel="hotline",
        title="楼道灯坏了",
        content="幸福小区2栋楼道灯坏了一周，请尽快维修。",
        region=appeal.region,
        appellant_name="赵六",
        appellant_phone="13512345678",
    )
    admin = Client()
    admin.force_login(users["admin"])
    pages = [f"/admin/appeals/appeal/{appeal.pk}/change/", "/admin/core/user/", "/admin/core/notification/"]
    for path in pages:
        response = admin.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        for raw in ("13800138000", "11010519491231002X", "13512345678", PHONE):
            assert raw not in body, (path, raw)
    assert "138****8000" in admin.get(f"/admin/appeals/appeal/{appeal.pk}/change/").content.decode()
    assert "138****8000" in admin.get("/admin/core/user/").content.decode()
    # searching by the full number still finds the resident
    found = admin.get("/admin/core/user/", {"q": "13800138000"}).content.decode()
    assert "resident1" in found


# ---------------------------------------------------------------- audit: registry writes and admin edits


def test_credit_registry_writes_are_audited(world, users):
    """Who may see an enterprise's cases is decided by its contacts: registering one is an access grant."""
    from gongzhi.core.models import AuditEvent
    from gongzhi.credit import services as credit
    from gongzhi.credit.testing import uscc

    officer, resident = world["users"]["credit_officer"], users["resident"]
    enterprise = credit.create_enterprise(
        officer,
        name="星城物流有限公司",
        uscc=uscc("91430100MA4L0XY3T"),
        contacts=[{"name": "刘经理", "phone": "13800138000"}],
    )
    trail = AuditEvent.objects.filter(target=f"credit.enterprise:{enterprise.pk}")
    assert trail.get(action="create_enterprise").actor == officer
    granted = trail.get(action="add_contact")
    assert granted.after["user"] == resident.pk and granted.after["phone"] == "138****8000"
    platform = credit.create_platform(
        officer,
        name="信用中国（示范县）",
        backend="webhook",
        address="https://credit.example.org/hook",
        secret="s" * 24,
    )
    event = AuditEvent.objects.get(action="create_platform")
    assert event.target == f"credit.platform:{platform.pk}" and "s" * 24 not in str(event.after)


def test_admin_cannot_move_a_workflow_state_outside_its_trail(world, users):
    """Appeals, topics and cases are read-only in the admin; an organisation's stage, an activity's state and a
    penalty's record were not, so an admin could change them with no event in the chain. Organisations and
    activities have their own pages and services now (issue O): the admin only looks."""
    admin = Client()
    admin.force_login(users["admin"])
    org = admin.get(f"/admin/community/selforganization/{world['org'].pk}/change/").content.decode()
    assert 'name="stage"' not in org and 'name="name"' not in org and "幸福" in org
    activity = admin.get(f"/admin/community/activity/{world['activity'].pk}/change/").content.decode()
    assert 'name="state"' not in activity and 'name="title"' not in activity
    penalty = admin.get(f"/admin/credit/administrativepenalty/{world['penalty'].pk}/change/").content.decode()
    assert 'name="performed"' not in penalty and 'name="severity"' not in penalty


def test_admin_edits_of_enterprise_contacts_are_audited(world, users):
    from gongzhi.core.models import AuditEvent

    enterprise, contact = world["enterprise"], world["enterprise"].contacts.get()
    admin = Client()
    admin.force_login(users["admin"])
    prefix = "contacts"
    form = {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "legal_representative": enterprise.legal_representative,
        "address": enterprise.address,
        "created_at_0": "2026-01-01",
        "created_at_1": "08:00:00",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
        f"{prefix}-0-id": contact.pk,
        f"{prefix}-0-enterprise": enterprise.pk,
        f"{prefix}-0-name": contact.name,
        f"{prefix}-0-phone": contact.phone,
        f"{prefix}-0-user": contact.user_id,
        f"{prefix}-0-is_primary": "on",
        f"{prefix}-0-DELETE": "on",
        f"{prefix}-1-enterprise": enterprise.pk,
        f"{prefix}-1-name": "新联系人",
        f"{prefix}-1-phone": "13900139000",
        f"{prefix}-1-user": users["resident2"].pk,
    }
    answer = admin.post(f"/admin/credit/enterprise/{enterprise.pk}/change/", form)
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    assert enterprise.contacts.get().user == users["resident2"]
    actions = set(
        AuditEvent.objects.filter(target=f"credit.enterprise:{enterprise.pk}").values_list(
            "action", flat=True
        )
    )
    assert {"add_contact", "remove_contact"} <= actions


# ---------------------------------------------------------------- three rates: a handler reads their own unit's


def _closed_with_callback(make_appeal, users, unit, handler):
    appeal = make_appeal()
    appeal_services.dispatch(users["dispatcher"], appeal.pk, lead_unit=unit)
    appeal_services.sign(handler, appeal.pk)
    appeal_services.record_contact(handler, appeal.pk)
    appeal_services.reply(handler, appeal.pk, text="已安排维修人员更换路灯，今晚恢复照明。")
    appeal_services.callback(
        users["resident"], appeal.pk, contacted=True, solved=True, satisfaction="satisfied"
    )


def test_a_handler_reads_only_their_units_rates_on_the_page_and_in_the_reports(users, units, make_appeal):
    """The API answers a handler with their unit's row only (承办人只能查看本单位的指标); the page and the Excel/PDF
    reports gave them every unit's and every street's."""
    import io

    from openpyxl import load_workbook

    _closed_with_callback(make_appeal, users, units["housing"], users["handler"])
    _closed_with_callback(make_appeal, users, units["hrss"], users["handler_other"])
    handler = Client()
    handler.force_login(users["handler"])
    for params in ({}, {"by": "street"}):
        page = handler.get("/appeals/rates/", params).content.decode()
        assert "县住建局" in page and "县人社局" not in page and "东风街道" not in page, params
    workbook = load_workbook(io.BytesIO(handler.get("/appeals/rates/export.xlsx").content))
    # one row a sheet (the three rates, and the replies' quality since issue L), every one the handler's unit
    names = {
        sheet.title: [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
        for sheet in workbook.worksheets
    }
    assert names == {title: ["县住建局"] for title in names} and len(names) == 2, names
    pdf = handler.get("/appeals/rates/export.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    api = Client()
    api.force_login(users["handler"])
    assert api.get("/api/v1/rates/export.xlsx").status_code == 200
    names = [
        row[1]
        for sheet in load_workbook(io.BytesIO(api.get("/api/v1/rates/export.xlsx").content)).worksheets
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert names == ["县住建局", "县住建局"]  # the rates' sheet and the reply quality's
    # the ranking roles still read every unit
    leader = Client()
    leader.force_login(users["leader"])
    page = leader.get("/appeals/rates/").content.decode()
    assert "县住建局" in page and "县人社局" in page
