"""The API: public reads, writes through services, Chinese refusals in the shared error shape."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gongzhi.deliberation.choices import Phase

BASE = "/api/v1/deliberation"


def as_user(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_topic_create_list_detail(users, county, staff):
    resident = as_user(users["resident"])
    response = resident.post(
        f"{BASE}/topics/",
        {
            "title": "加装电梯",
            "description": "d",
            "region": county["community"].pk,
            "source": "resident_proposal",
            "household": "3-101",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    topic = response.json()
    assert topic["phase"] == "collecting" and topic["convening"]["signers"] == 1
    listing = as_user().get(f"{BASE}/topics/").json()
    assert listing["count"] == 1
    detail = as_user().get(f"{BASE}/topics/{topic['id']}/").json()
    assert detail["allowed"]["opinions_open"] is True and detail["allowed"]["votes_open"] is False
    refused = resident.post(f"{BASE}/topics/{topic['id']}/actions/start_deliberation/", {}, format="json")
    assert refused.status_code == 403 and "社区工作者" in refused.json()["detail"]
    ok = as_user(staff).post(f"{BASE}/topics/{topic['id']}/actions/start_deliberation/", {}, format="json")
    assert ok.status_code == 200 and ok.json()["phase"] == "deliberating"
    wrong = as_user(staff).post(f"{BASE}/topics/{topic['id']}/actions/publish/", {}, format="json")
    assert wrong.status_code == 409 and wrong.json()["code"] == "illegal_transition"


def test_anonymous_cannot_write_and_bad_input_is_400(make_topic):
    topic = make_topic()
    assert as_user().post(
        f"{BASE}/topics/{topic.pk}/opinions/", {"body": "x"}, format="json"
    ).status_code in (401, 403)
    assert as_user().get(f"{BASE}/topics/{topic.pk}/opinions/").status_code == 200
    assert as_user().get(f"{BASE}/topics/999/").status_code == 404


def test_opinions_and_moderation(make_topic, users, staff):
    topic = make_topic()
    created = as_user(users["resident"]).post(
        f"{BASE}/topics/{topic.pk}/opinions/", {"body": "太贵了", "stance": "oppose"}, format="json"
    )
    assert created.status_code == 201
    bad = as_user(users["resident"]).post(
        f"{BASE}/topics/{topic.pk}/opinions/", {"body": "x", "stance": "meh"}, format="json"
    )
    assert bad.status_code == 400 and "stance" in bad.json()["fields"]
    hidden = as_user(staff).post(
        f"{BASE}/opinions/{created.json()['id']}/hide/", {"reason": "人身攻击"}, format="json"
    )
    assert hidden.status_code == 200 and hidden.json()["hidden"]
    as_user(users["resident2"]).post(f"{BASE}/topics/{topic.pk}/opinions/", {"body": "同意"}, format="json")
    public = as_user().get(f"{BASE}/topics/{topic.pk}/opinions/").json()
    assert public["count"] == 1 and public["results"][0]["author_name"] == "r**"
    managed = as_user(staff).get(f"{BASE}/topics/{topic.pk}/opinions/").json()
    assert managed["count"] == 2 and {o["author_name"] for o in managed["results"]} == {
        "resident1",
        "resident2",
    }
    missing = as_user(staff).post(f"{BASE}/opinions/99999/hide/", {"reason": "x"}, format="json")
    assert missing.status_code == 404


def test_owners_vote_over_api_with_double_vote_refused(users, county, staff, make_topic, make_residents):
    residents = make_residents(3)
    register = as_user(staff).post(
        f"{BASE}/registers/",
        {
            "name": "幸福小区",
            "region": county["community"].pk,
            "rows": [
                {"unit": f"1-10{i}", "owner": r.display_name, "area": "100.00", "user_id": r.pk}
                for i, r in enumerate(residents)
            ]
            + [{"unit": "9-1", "developer": True, "area": "50"}],
        },
        format="json",
    )
    assert register.status_code == 201 and register.json()["owners"] == 4
    topic = make_topic(Phase.DELIBERATING)
    vote = as_user(staff).post(
        f"{BASE}/votes/",
        {
            "topic": topic.pk,
            "question": "续聘物业",
            "rule": "owners_joint",
            "register_id": register.json()["id"],
        },
        format="json",
    )
    assert vote.status_code == 201, vote.json()
    vote_id = vote.json()["id"]
    early = as_user(staff).post(f"{BASE}/votes/{vote_id}/open/", format="json")
    assert early.status_code == 409
    as_user(staff).post(f"{BASE}/topics/{topic.pk}/actions/open_voting/", {}, format="json")
    assert as_user(staff).post(f"{BASE}/votes/{vote_id}/open/", format="json").status_code == 200
    for r in residents:
        assert (
            as_user(r).post(f"{BASE}/votes/{vote_id}/ballots/", {"choice": "yes"}, format="json").status_code
            == 201
        )
    again = as_user(residents[0]).post(f"{BASE}/votes/{vote_id}/ballots/", {"choice": "no"}, format="json")
    assert (
        again.status_code == 400
        and again.json()["code"] == "already_voted"
        and "只能投一票" in again.json()["detail"]
    )
    owner_id = None
    from gongzhi.deliberation.models import Owner

    owner_id = Owner.objects.get(user=residents[1]).pk
    paper = as_user(staff).post(
        f"{BASE}/votes/{vote_id}/paper-ballots/", {"choice": "no", "owner_id": owner_id}, format="json"
    )
    assert paper.status_code == 400 and paper.json()["code"] == "already_voted"
    ballots = as_user(staff).get(f"{BASE}/votes/{vote_id}/ballots/").json()
    assert len(ballots) == 3 and ballots[0]["choice"] == "yes"
    assert as_user(residents[0]).get(f"{BASE}/votes/{vote_id}/ballots/").json() == []
    result = as_user(staff).post(f"{BASE}/votes/{vote_id}/close/", format="json")
    assert result.status_code == 200
    body = result.json()
    assert body["quorum_met"] and body["passed"]  # 3 of 4 heads, 300 of 350 ㎡
    assert "参与表决专有部分面积 300/350 = 85.71%，≥ 2/3 ✓" in body["text"]
    assert as_user().get(f"{BASE}/results/").json()["count"] == 1
    assert as_user().get(f"{BASE}/results/{vote_id}/").json()["passed"] is True


def test_meeting_notice_refusal_over_api(make_topic, staff, small_register):
    topic = make_topic(Phase.DELIBERATING)
    body = {
        "kind": "owners_assembly",
        "title": "业主大会",
        "topic_ids": [topic.pk],
        "agenda": "选举业委会",
        "location": "会所",
        "starts_at": (timezone.now() + timedelta(days=10)).isoformat(),
    }
    missing = as_user(staff).post(f"{BASE}/meetings/", body, format="json")
    assert missing.status_code == 400 and "业主名册" in missing.json()["detail"]
    created = as_user(staff).post(
        f"{BASE}/meetings/", {**body, "register_id": small_register.pk}, format="json"
    )
    assert created.status_code == 201
    refused = as_user(staff).post(
        f"{BASE}/meetings/{created.json()['id']}/notice/", {"committee_informed": True}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "notice_too_short"
    assert refused.json()["fields"] == {"starts_at": [refused.json()["detail"]]}


@pytest.mark.parametrize("path", ["/topics/", "/meetings/", "/votes/", "/results/"])
def test_lists_are_public(db, path):
    assert as_user().get(f"{BASE}{path}").status_code == 200


def test_schema_has_the_deliberation_paths(db):
    paths = as_user().get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/v1/deliberation/topics/",
        "/api/v1/deliberation/votes/{id}/ballots/",
        "/api/v1/deliberation/votes/{id}/paper-ballots/",
        "/api/v1/deliberation/results/",
    ):
        assert path in paths, path


def test_an_id_beyond_a_64_bit_key_is_a_clear_400(make_topic, staff):
    """Found by `make fuzz`: a topic id of 23 digits overflowed the SQLite driver (500)."""
    topic = make_topic(Phase.DELIBERATING)
    response = as_user(staff).post(
        f"{BASE}/meetings/",
        {
            "kind": "owners_assembly",
            "title": "业主大会",
            "topic_ids": [topic.pk, 22301809217355114348544],
            "agenda": "选举业委会",
            "location": "会所",
            "starts_at": (timezone.now() + timedelta(days=10)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and response.json()["fields"] == {
        "topic_ids.1": ["请确保该值小于或者等于 9223372036854775807。"]
    }


def test_residents_meeting_electors_over_api(users, staff, make_topic, make_residents):
    """Issue N item 1 over the API: the list is the community's; only listed people vote, once across channels."""
    voter, other = make_residents(2)
    topic = make_topic(Phase.DELIBERATING)
    vote = as_user(staff).post(
        f"{BASE}/votes/",
        {"topic": topic.pk, "question": "居民公约", "rule": "residents_meeting", "basis": "households"},
        format="json",
    )
    assert vote.status_code == 201 and vote.json()["basis"] == "households"
    vote_id = vote.json()["id"]
    url = f"{BASE}/votes/{vote_id}/electors/"
    rows = [
        {"name": "王小明", "household": "3栋101", "phone": voter.phone},
        {"name": "赵国", "household": "3栋102"},
    ]
    added = as_user(staff).post(url, {"rows": rows}, format="json")
    assert added.status_code == 201 and [e["online"] for e in added.json()] == [True, False]
    assert added.json()[0]["phone"] != voter.phone and "*" in added.json()[0]["phone"]  # masked
    twice = as_user(staff).post(url, {"rows": [{"name": "钱芳", "household": "3栋101"}]}, format="json")
    assert twice.status_code == 400 and "每户只能一人" in twice.json()["detail"]
    assert as_user(users["resident"]).get(url).status_code == 403
    assert as_user(users["handler"]).post(url, {"rows": [{"name": "x"}]}, format="json").status_code == 403
    assert as_user().get(url).status_code in (401, 403)
    listing = as_user(staff).get(url).json()
    assert [e["name"] for e in listing] == ["王小明", "赵国"]
    zhao = listing[1]["id"]

    as_user(staff).post(f"{BASE}/topics/{topic.pk}/actions/open_voting/", {}, format="json")
    opened = as_user(staff).post(f"{BASE}/votes/{vote_id}/open/", format="json")
    assert opened.status_code == 200 and opened.json()["base"] == 2
    assert as_user(staff).delete(f"{url}{zhao}/").status_code == 409  # the list is fixed once voting opens
    outsider = as_user(other).post(f"{BASE}/votes/{vote_id}/ballots/", {"choice": "yes"}, format="json")
    assert outsider.status_code == 403 and outsider.json()["code"] == "not_an_elector"
    assert (
        as_user(voter).post(f"{BASE}/votes/{vote_id}/ballots/", {"choice": "yes"}, format="json").status_code
        == 201
    )
    mine = listing[0]["id"]
    double = as_user(staff).post(
        f"{BASE}/votes/{vote_id}/paper-ballots/", {"choice": "no", "elector_id": mine}, format="json"
    )
    assert double.status_code == 400 and double.json()["code"] == "already_voted"
    paper = as_user(staff).post(
        f"{BASE}/votes/{vote_id}/paper-ballots/", {"choice": "yes", "elector_id": zhao}, format="json"
    )
    assert paper.status_code == 201
    assert (
        as_user(staff).post(f"{BASE}/votes/{vote_id}/close/", format="json").json()["tally"]["present"] == 2
    )


def test_removing_an_elector_before_voting(staff, make_topic):
    topic = make_topic(Phase.DELIBERATING)
    vote_id = (
        as_user(staff)
        .post(f"{BASE}/votes/", {"topic": topic.pk, "question": "q", "rule": "body_rules"}, format="json")
        .json()["id"]
    )
    url = f"{BASE}/votes/{vote_id}/electors/"
    added = as_user(staff).post(url, {"rows": [{"name": "甲"}, {"name": "乙"}]}, format="json").json()
    assert as_user(staff).delete(f"{url}{added[0]['id']}/").status_code == 204
    assert as_user(staff).delete(f"{url}999999/").status_code == 404
    assert [e["name"] for e in as_user(staff).get(url).json()] == ["乙"]
