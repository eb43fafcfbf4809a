"""The pages: public list, detail and results render in Chinese; forms call the services and show refusals."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.deliberation import services
from gongzhi.deliberation.choices import MeetingKind, Phase, VoteRule
from gongzhi.deliberation.models import Ballot, Meeting, Opinion, Topic


def login(client, user):
    client.force_login(user)
    return client


def test_public_pages_render(client, make_topic, users):
    topic = make_topic()
    services.post_opinion(users["resident"], topic.pk, body="希望降低停车费", stance="support")
    page = client.get(reverse("deliberation:topics"))
    assert page.status_code == 200 and "小区停车收费协商" in page.text
    page = client.get(reverse("deliberation:topic", args=[topic.pk]))
    assert page.status_code == 200 and "希望降低停车费" in page.text and "征集意见" in page.text
    assert "r**" in page.text and "resident1" not in page.text  # speakers' names are masked for the public
    assert client.get(reverse("deliberation:results")).status_code == 200
    assert client.get(reverse("deliberation:topic", args=[99999])).status_code == 404
    assert client.get(reverse("deliberation:topics") + "?phase=bogus").status_code == 200


def test_resident_proposes_and_comments(client, users, county):
    login(client, users["resident"])
    response = client.post(
        reverse("deliberation:topic_new"),
        {
            "title": "增设电动车充电桩",
            "description": "楼道充电危险",
            "region": county["community"].pk,
            "source": "resident_proposal",
            "household": "5栋201",
        },
    )
    topic = Topic.objects.get(title="增设电动车充电桩")
    assert response.status_code == 302 and topic.proposer == users["resident"]
    response = client.post(
        reverse("deliberation:opinion", args=[topic.pk]), {"body": "", "stance": "support"}, follow=True
    )
    assert "意见" in response.text and not Opinion.objects.exists()
    client.post(reverse("deliberation:opinion", args=[topic.pk]), {"body": "支持", "stance": "support"})
    assert Opinion.objects.filter(topic=topic, body="支持").exists()
    page = client.get(reverse("deliberation:topic", args=[topic.pk]))
    assert "联名提议" in page.text


def test_resident_cannot_manage(client, users, make_topic):
    topic = make_topic()
    login(client, users["resident"])
    response = client.post(
        reverse("deliberation:advance", args=[topic.pk, "start_deliberation"]), follow=True
    )
    assert "只有社区工作者或管理员" in response.text
    topic.refresh_from_db()
    assert topic.phase == Phase.COLLECTING
    assert client.get(reverse("deliberation:manage")).status_code == 403


def test_staff_pages_and_double_vote_message(client, staff, owners_vote):
    vote, residents, register = owners_vote(3)
    login(client, staff)
    page = client.get(reverse("deliberation:topic", args=[vote.topic_id]))
    assert "录入纸质表决票" in page.text and "结束并计票" in page.text
    assert client.get(reverse("deliberation:manage")).status_code == 200
    owner = register.owners.get(user=residents[0])
    client.post(reverse("deliberation:paper_ballot", args=[vote.pk]), {"choice": "yes", "owner_id": owner.pk})
    assert Ballot.objects.filter(vote=vote).count() == 1
    client.logout()
    login(client, residents[0])
    response = client.post(reverse("deliberation:ballot", args=[vote.pk]), {"choice": "no"}, follow=True)
    assert "已经投过票" in response.text
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_short_owners_assembly_notice_refused_on_page(client, staff, make_topic, small_register):
    topic = make_topic(Phase.DELIBERATING)
    login(client, staff)
    starts = (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("deliberation:meeting_new", args=[topic.pk]),
        {
            "kind": MeetingKind.OWNERS_ASSEMBLY,
            "title": "业主大会",
            "agenda": "续聘",
            "location": "广场",
            "starts_at": starts,
            "register_id": small_register.pk,
        },
    )
    meeting = Meeting.objects.get()
    response = client.post(
        reverse("deliberation:meeting_notice", args=[meeting.pk]), {"committee_informed": "on"}, follow=True
    )
    assert "15日" in response.text
    assert client.get(reverse("deliberation:meeting", args=[meeting.pk])).status_code == 200


def test_register_form_parses_rows(client, staff, county, users):
    login(client, staff)
    client.post(
        reverse("deliberation:register_new"),
        {
            "name": "幸福小区",
            "region": county["community"].pk,
            "rows": "1-101,张三,89.5,13800138000,430102199001011238\n1-102,张三,60,,430102199001011238\n"
            "3-101,张三,70\n2-101,建设单位,100\n2-102,建设单位,100",
        },
    )
    from gongzhi.deliberation.models import OwnerRegister

    register = OwnerRegister.objects.get()
    # the 张三 of 1-101 and 1-102 (one ID number), another 张三 in 3-101 (no ID: a head of his own), the developer
    assert register.owners.count() == 3
    owner = register.owners.get(id_number="430102199001011238")
    assert owner.user == users["resident"] and owner.units.count() == 2


@pytest.mark.parametrize("url", ["deliberation:vote_open", "deliberation:vote_close"])
def test_unknown_vote_is_404(client, staff, url):
    login(client, staff)
    assert client.post(reverse(url, args=[424242])).status_code == 404


def test_body_rules_vote_result_on_results_page(client, staff, make_topic, make_residents):
    topic = make_topic(Phase.DELIBERATING)
    vote = services.create_vote(staff, topic.pk, question="周末开放活动室", rule=VoteRule.BODY_RULES)
    members = make_residents(3)
    services.add_electors(staff, vote.pk, [{"name": r.display_name, "user": r} for r in members])
    services.advance_topic(staff, topic.pk, "open_voting")
    services.open_vote(staff, vote.pk)
    for r in members:
        services.cast_ballot(r, vote.pk, choice="yes")
    services.close_vote(staff, vote.pk)
    page = client.get(reverse("deliberation:results"))
    assert "周末开放活动室" in page.text and "议事规则" in page.text and "通过" in page.text


def test_proxy_ballot_on_the_page_and_its_authorisation_for_managers_only(client, staff, owners_vote):
    from django.core.files.uploadedfile import SimpleUploadedFile

    vote, residents, register = owners_vote(2)
    owner = register.owners.get(user=residents[1])
    login(client, staff)
    document = SimpleUploadedFile("委托书.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    response = client.post(
        reverse("deliberation:paper_ballot", args=[vote.pk]),
        {
            "choice": "yes",
            "owner_id": owner.pk,
            "proxy_name": "赵强",
            "proxy_scope": "代为表决",
            "proxy_document": document,
        },
        follow=True,
    )
    assert "纸质表决票已录入" in response.text and "受托人：赵强" in response.text
    ballot = Ballot.objects.get(vote=vote)
    url = reverse("deliberation:proxy_document", args=[ballot.pk])
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    client.logout()
    login(client, residents[0])
    assert client.get(url).status_code == 404


def test_meeting_page_names_the_owners_the_notice_could_not_reach(client, staff, make_topic, small_register):
    topic = make_topic(Phase.DELIBERATING)
    meeting = services.schedule_meeting(
        staff,
        kind=MeetingKind.OWNERS_ASSEMBLY,
        title="业主大会",
        topic_ids=[topic.pk],
        agenda="续聘",
        location="广场",
        starts_at=timezone.now() + timedelta(days=20),
        register_id=small_register.pk,
    )
    services.send_meeting_notice(staff, meeting.pk, committee_informed=True)
    login(client, staff)
    page = client.get(reverse("deliberation:meeting", args=[meeting.pk])).text
    assert "名册中 3 位业主" in page and "王芳（1-103）" in page and "无法通知" in page
