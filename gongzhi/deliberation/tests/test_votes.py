"""Votes through the services: every threshold at and around its edge, the counting rules of E-4, one
ballot per voter across channels, residents' meetings and a body's own rules."""

import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, models, transaction

from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.deliberation import services
from gongzhi.deliberation.choices import BallotChannel, Phase, VoteRule, VoteState
from gongzhi.deliberation.models import Ballot, DeliberationEvent, SecretTally

CJK = re.compile(r"[\u4e00-\u9fff]")


def refused(call, error=ServiceError, code=None):
    with pytest.raises(error) as info:
        call()
    assert CJK.search(str(info.value.message)), info.value.message
    if code:
        assert info.value.code == code, info.value.code
    return info.value


def run(vote, residents, staff, yes: int, no: int = 0, abstain: int = 0, paper_from: int | None = None):
    """The first `yes` residents vote yes, the next `no` no, the next `abstain` abstain; from index
    `paper_from` on, staff enter their paper ballots instead."""
    choices = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
    for i, choice in enumerate(choices):
        resident = residents[i]
        if paper_from is not None and i >= paper_from:
            owner = vote.register.owners.get(user=resident)
            services.enter_paper_ballot(
                staff, vote.pk, choice=choice, owner_id=owner.pk, paper_number=f"P{i}"
            )
        else:
            services.cast_ballot(resident, vote.pk, choice=choice)
    return services.close_vote(staff, vote.pk)


# ---------------------------------------------------------------- owners' joint decisions (E-2, E-3)


@pytest.mark.parametrize(
    ("yes", "no", "abstain", "quorum", "passed"),
    [
        (3, 1, 0, True, True),  # 4 of 6 = exactly 2/3 take part; 3 of 4 > 1/2
        (2, 2, 0, True, False),  # exactly half of participants is not 过半数
        (2, 1, 1, True, False),  # abstentions take part but do not consent
        (3, 0, 0, False, False),  # 3 of 6 < 2/3: no quorum although all agree
        (4, 0, 1, True, True),  # 5 of 6 take part
    ],
)
def test_ordinary_matter_edges(owners_vote, staff, yes, no, abstain, quorum, passed):
    vote, residents, _register = owners_vote(6)
    vote = run(vote, residents, staff, yes, no, abstain)
    assert (vote.quorum_met, vote.passed) == (quorum, passed)
    assert vote.state == VoteState.CLOSED
    assert any("2/3" in r for r in vote.reasons)


@pytest.mark.parametrize(
    ("yes", "no", "passed"),
    [
        (6, 2, True),  # exactly 3/4 of 8 participants (and of their area)
        (5, 3, False),  # one less
        (7, 1, True),  # one more
    ],
)
def test_major_matter_three_quarters_inclusive(owners_vote, staff, yes, no, passed):
    vote, residents, _register = owners_vote(12, major=True)  # 8 of 12 = exactly 2/3 take part
    vote = run(vote, residents, staff, yes, no)
    assert vote.quorum_met
    assert vote.passed is passed
    assert any("3/4" in r for r in vote.reasons)
    assert vote.tally["participating_owners"] == 8 and vote.tally["yes_owners"] == yes


def test_quorum_one_less_or_one_more_than_two_thirds(owners_vote, staff):
    vote, residents, _ = owners_vote(9)  # 2/3 of 9 = 6
    assert not run(vote, residents, staff, 5).quorum_met
    vote, residents, _ = owners_vote(9)
    assert run(vote, residents, staff, 6).quorum_met
    vote, residents, _ = owners_vote(9)
    assert run(vote, residents, staff, 7).passed


def test_area_and_heads_are_both_required(owners_vote, staff):
    # 6 owners; the first (voting no) holds 500 of 1000 ㎡. Heads: 4 of 6 take part, 3 of 4 yes.
    # Area: participating 800, yes 300 — not more than half.
    vote, residents, _ = owners_vote(6, areas=[500, 100, 100, 100, 100, 100])
    services.cast_ballot(residents[0], vote.pk, choice="no")
    for r in residents[1:4]:
        services.cast_ballot(r, vote.pk, choice="yes")
    vote = services.close_vote(staff, vote.pk)
    assert vote.quorum_met and not vote.passed
    assert Decimal(vote.tally["yes_area"]) == 300 and Decimal(vote.tally["participating_area"]) == 800
    assert any("同意面积" in r and "✗" in r for r in vote.reasons)
    assert any("同意人数" in r and "✓" in r for r in vote.reasons)


def test_area_quorum_exactly_two_thirds_with_fractional_area(owners_vote, staff):
    # total 300.03 ㎡; 200.02 is exactly 2/3. Heads: 2 of 3.
    vote, residents, _ = owners_vote(3, areas=["100.01", "100.01", "100.01"])
    vote = run(vote, residents, staff, 2)
    assert vote.quorum_met and vote.passed


# ---------------------------------------------------------------- counting rules (E-4)


def test_one_head_per_owner_and_developer_unsold_units_one_head(
    staff, make_topic, make_register, make_residents
):
    a, b, c = make_residents(3)
    register = make_register(
        [
            {"owner": "甲", "unit": "1-101", "area": 100, "user": a},
            {"owner": "甲", "unit": "1-102", "area": 100, "user": a},
            {"owner": "甲", "unit": "1-103", "area": 100, "user": a},
            {"owner": "", "unit": "2-101", "area": 50, "developer": True},
            {"owner": "", "unit": "2-102", "area": 50, "developer": True},
            {"owner": "", "unit": "2-103", "area": 50, "developer": True},
            {"owner": "", "unit": "2-104", "area": 50, "developer": True},
            {"owner": "乙", "unit": "3-101", "area": 100, "user": b},
            {"owner": "丙", "unit": "3-102", "area": 100, "user": c},
        ]
    )
    assert register.owners.count() == 4  # 甲, the developer, 乙, 丙
    assert register.owners.get(is_developer=True).units.count() == 4
    topic = make_topic(Phase.DELIBERATING)
    vote = services.create_vote(
        staff, topic.pk, question="使用维修资金更换电梯", rule=VoteRule.OWNERS_JOINT, register_id=register.pk
    )
    services.advance_topic(staff, topic.pk, "open_voting")
    services.open_vote(staff, vote.pk)
    services.cast_ballot(a, vote.pk, choice="yes")
    developer = register.owners.get(is_developer=True)
    services.enter_paper_ballot(staff, vote.pk, choice="yes", owner_id=developer.pk)
    services.cast_ballot(b, vote.pk, choice="no")
    # the developer is one head: a second paper ballot for it is refused
    refused(
        lambda: services.enter_paper_ballot(staff, vote.pk, choice="no", owner_id=developer.pk),
        code="already_voted",
    )
    vote = services.close_vote(staff, vote.pk)
    t = vote.tally
    assert t["total_owners"] == 4 and Decimal(t["total_area"]) == 700
    assert t["participating_owners"] == 3 and Decimal(t["participating_area"]) == 600  # 300 + 200 + 100
    assert t["yes_owners"] == 2 and Decimal(t["yes_area"]) == 500
    assert vote.quorum_met and vote.passed  # 3/4 heads, 600/700 area; 2/3 heads yes, 500/600 area yes


def test_register_rejects_bad_rows(staff, make_register):
    refused(lambda: make_register([{"owner": "甲", "unit": "1", "area": "-5"}]))
    refused(lambda: make_register([{"owner": "甲", "unit": "1", "area": "abc"}]))
    refused(
        lambda: make_register(
            [{"owner": "甲", "unit": "1", "area": 10}, {"owner": "乙", "unit": "1", "area": 10}]
        )
    )
    refused(lambda: make_register([]))


# ---------------------------------------------------------------- one ballot per voter, whatever the channel


def test_online_then_paper_is_refused(owners_vote, staff):
    vote, residents, register = owners_vote(3)
    services.cast_ballot(residents[0], vote.pk, choice="yes")
    owner = register.owners.get(user=residents[0])
    error = refused(
        lambda: services.enter_paper_ballot(staff, vote.pk, choice="no", owner_id=owner.pk),
        code="already_voted",
    )
    assert "已经投过票" in str(error.message) and "线上投票" in str(error.message)
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_paper_then_online_is_refused(owners_vote, staff):
    vote, residents, register = owners_vote(3)
    owner = register.owners.get(user=residents[1])
    services.enter_paper_ballot(staff, vote.pk, choice="no", owner_id=owner.pk, paper_number="001")
    refused(lambda: services.cast_ballot(residents[1], vote.pk, choice="yes"), code="already_voted")
    refused(lambda: services.cast_ballot(residents[1], vote.pk, choice="no"), code="already_voted")
    ballot = Ballot.objects.get(vote=vote)
    assert ballot.channel == BallotChannel.PAPER and ballot.choice == "no" and ballot.entered_by == staff


def test_database_refuses_a_second_ballot_for_the_same_voter(owners_vote):
    vote, residents, register = owners_vote(2)
    owner = register.owners.get(user=residents[0])
    Ballot.objects.create(
        vote=vote, voter_key=f"owner:{owner.pk}", owner=owner, voter_name="x", choice="yes", channel="online"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            vote=vote,
            voter_key=f"owner:{owner.pk}",
            owner=owner,
            voter_name="x",
            choice="no",
            channel="paper",
        )


def test_non_owner_cannot_vote_in_owners_vote(owners_vote, users):
    vote, _residents, _ = owners_vote(2)
    refused(lambda: services.cast_ballot(users["resident"], vote.pk, choice="yes"), PermissionDeniedError)


def test_ballots_only_while_open_and_in_voting_phase(owners_vote, staff):
    vote, residents, _ = owners_vote(3)
    services.close_vote(staff, vote.pk)
    refused(lambda: services.cast_ballot(residents[0], vote.pk, choice="yes"), IllegalTransition)


def test_secret_ballot_keeps_no_choice_in_the_trail(owners_vote, staff):
    vote, residents, _ = owners_vote(3, secret=True)
    services.cast_ballot(residents[0], vote.pk, choice="no")
    event = DeliberationEvent.objects.filter(topic=vote.topic, action="cast_ballot").get()
    assert "choice" not in event.after and "voter" not in event.after and not event.public


def test_secret_ballot_is_not_linked_to_its_voter(owners_vote, staff, users, client):
    """Issue N item 4: a secret ballot kept the voter, their name and their choice on one row, and the admin
    showed "投票人: … 表决意见: 同意". Now the receipt has no choice and the counters no voter, no time and no
    per-ballot row; the 民法典 第278条 tally (heads and areas) still comes out exact."""
    vote, residents, register = owners_vote(4, areas=[500, 100, 100, 100], secret=True)
    services.cast_ballot(residents[0], vote.pk, choice="no")
    services.cast_ballot(residents[1], vote.pk, choice="yes")
    owner = register.owners.get(user=residents[2])
    services.enter_paper_ballot(staff, vote.pk, choice="yes", owner_id=owner.pk, paper_number="P1")
    refused(lambda: services.cast_ballot(residents[2], vote.pk, choice="no"), code="already_voted")

    receipts = Ballot.objects.filter(vote=vote)
    assert receipts.count() == 3 and set(receipts.values_list("choice", flat=True)) == {""}
    assert all("同意" not in str(b) and "反对" not in str(b) for b in receipts)
    fields = {f.name: f for f in SecretTally._meta.get_fields()}
    assert set(fields) == {"id", "vote", "choice", "heads", "area"}  # no voter, no name, no timestamp
    assert not any(isinstance(f, models.DateTimeField) for f in fields.values())
    assert SecretTally.objects.filter(vote=vote).count() == 3  # all counters exist from the start

    client.force_login(users["admin"])
    for ballot in receipts:
        page = client.get(f"/admin/deliberation/ballot/{ballot.pk}/change/").content.decode()
        assert ballot.voter_name in page and "同意" not in page and "反对" not in page

    vote = services.close_vote(staff, vote.pk)
    t = vote.tally
    assert t["participating_owners"] == 3 and Decimal(t["participating_area"]) == 700
    assert t["yes_owners"] == 2 and Decimal(t["yes_area"]) == 200 and t["no"] == 1
    assert vote.quorum_met and not vote.passed  # 2/3 heads yes, but 200 of 700 ㎡ is not more than half


def test_secret_residents_vote_counts_without_voters(residents_vote, staff):
    vote, residents = residents_vote(5)
    vote.secret = True  # the counters are created with the vote; a vote made secret later starts them lazily
    vote.save(update_fields=["secret"])
    for r, choice in zip(residents[:4], ["yes", "yes", "no", "yes"], strict=True):
        services.cast_ballot(r, vote.pk, choice=choice)
    assert not Ballot.objects.filter(vote=vote).exclude(choice="").exists()
    vote = services.close_vote(staff, vote.pk)
    assert vote.tally["present"] == 4 and vote.tally["yes"] == 3 and vote.passed


def test_residents_cannot_enter_paper_ballots(owners_vote, users):
    vote, residents, register = owners_vote(2)
    owner = register.owners.first()
    refused(
        lambda: services.enter_paper_ballot(residents[0], vote.pk, choice="yes", owner_id=owner.pk),
        PermissionDeniedError,
    )


# ---------------------------------------------------------------- residents' meetings (F-1.2, F-1.3) and own rules


def elector_rows(people):
    return [{"name": p.display_name, "user": p, "household": f"{i + 1}号"} for i, p in enumerate(people)]


@pytest.fixture
def residents_vote(staff, make_topic, make_residents):
    """A vote whose list of electors is `base` residents with accounts, open for ballots."""

    def make(base: int, rule=VoteRule.RESIDENTS_MEETING, basis="adults"):
        topic = make_topic(Phase.DELIBERATING)
        vote = services.create_vote(staff, topic.pk, question="制定居民公约", rule=rule, basis=basis)
        residents = make_residents(base)
        services.add_electors(staff, vote.pk, elector_rows(residents))
        services.advance_topic(staff, topic.pk, "open_voting")
        services.open_vote(staff, vote.pk)
        return vote, residents

    return make


@pytest.mark.parametrize(
    ("yes", "no", "quorum", "passed"),
    [
        (3, 2, False, False),  # 5 of 10 present: exactly half is not 过半数
        (4, 2, True, True),  # 6 present, 4 yes
        (3, 3, True, False),  # exactly half of those present
        (4, 3, True, True),
    ],
)
def test_residents_meeting_edges(residents_vote, staff, yes, no, quorum, passed):
    vote, residents = residents_vote(10)
    for i in range(yes + no):
        services.cast_ballot(residents[i], vote.pk, choice="yes" if i < yes else "no")
    vote = services.close_vote(staff, vote.pk)
    assert (vote.quorum_met, vote.passed) == (quorum, passed)


def test_residents_meeting_base_is_the_list(residents_vote):
    vote, _residents = residents_vote(7)
    vote.refresh_from_db()
    assert vote.base == 7 and vote.basis == "adults"


def test_residents_meeting_needs_a_basis(staff, make_topic):
    topic = make_topic(Phase.DELIBERATING)
    error = refused(
        lambda: services.create_vote(staff, topic.pk, question="x", rule=VoteRule.RESIDENTS_MEETING)
    )
    assert error.field == "basis"


# ---------------------------------------------------------------- the electorate (issue N item 1)


def test_only_the_electorate_votes(residents_vote, users, make_residents, staff):
    """Issue N item 1: any authenticated account could cast a residents'-meeting ballot — other communities'
    staff, a department's handler, a credit officer, a leader, an account made a minute ago by phone code."""
    vote, residents = residents_vote(3)
    outsiders = [users[k] for k in ("resident", "handler", "dispatcher", "leader", "supervisor", "admin")]
    outsiders += [staff, *make_residents(1)]
    for outsider in outsiders:
        refused(
            lambda o=outsider: services.cast_ballot(o, vote.pk, choice="yes"),
            PermissionDeniedError,
            code="not_an_elector",
        )
    services.cast_ballot(residents[0], vote.pk, choice="yes")
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_staff_on_the_list_may_vote(staff, make_topic, make_residents):
    topic = make_topic(Phase.DELIBERATING)
    vote = services.create_vote(staff, topic.pk, question="q", rule=VoteRule.BODY_RULES)
    services.add_electors(
        staff, vote.pk, [{"name": "社区干事", "user": staff}, *elector_rows(make_residents(1))]
    )
    services.advance_topic(staff, topic.pk, "open_voting")
    services.open_vote(staff, vote.pk)
    services.cast_ballot(staff, vote.pk, choice="yes")
    assert vote.ballots.get().voter_key.startswith("elector:")


def test_one_ballot_per_person_across_online_and_paper(residents_vote, staff):
    """赵国 voted online and again on paper, and the vote closed "实到 9/10 … 决定通过": now the paper ballot
    picks the person from the list, so online and paper share one key."""
    vote, residents = residents_vote(10)
    zhao, other = vote.electors.get(user=residents[0]), vote.electors.get(user=residents[1])
    services.cast_ballot(residents[0], vote.pk, choice="yes")
    refused(
        lambda: services.enter_paper_ballot(staff, vote.pk, choice="yes", elector_id=zhao.pk),
        code="already_voted",
    )
    services.enter_paper_ballot(staff, vote.pk, choice="no", elector_id=other.pk, paper_number="P-1")
    refused(lambda: services.cast_ballot(residents[1], vote.pk, choice="yes"), code="already_voted")
    refused(
        lambda: services.enter_paper_ballot(staff, vote.pk, choice="no", elector_id=other.pk),
        code="already_voted",
    )
    vote = services.close_vote(staff, vote.pk)
    assert vote.tally["present"] == 2 and vote.tally["base"] == 10


def test_paper_ballot_picks_a_person_of_this_list(residents_vote, staff):
    vote, _residents = residents_vote(2)
    other_vote, _ = residents_vote(2)
    stranger = other_vote.electors.first()
    refused(
        lambda: services.enter_paper_ballot(staff, vote.pk, choice="yes", elector_id=stranger.pk),
        code="invalid",
    )
    error = refused(lambda: services.enter_paper_ballot(staff, vote.pk, choice="yes"))
    assert error.field == "elector_id"


def test_an_elector_without_account_votes_on_paper_only(staff, make_topic, users):
    topic = make_topic(Phase.DELIBERATING)
    vote = services.create_vote(
        staff, topic.pk, question="q", rule=VoteRule.RESIDENTS_MEETING, basis="households"
    )
    services.add_electors(
        staff, vote.pk, [{"name": "张大爷", "household": "3栋101"}, {"name": "张大爷", "household": "5栋202"}]
    )  # two people, one name
    services.advance_topic(staff, topic.pk, "open_voting")
    services.open_vote(staff, vote.pk)
    first, second = vote.electors.order_by("household")
    services.enter_paper_ballot(staff, vote.pk, choice="yes", elector_id=first.pk)
    services.enter_paper_ballot(staff, vote.pk, choice="no", elector_id=second.pk)
    assert vote.ballots.count() == 2


def test_household_and_group_rules(staff, make_topic):
    topic = make_topic(Phase.DELIBERATING)
    by_household = services.create_vote(
        staff, topic.pk, question="q", rule=VoteRule.RESIDENTS_MEETING, basis="households"
    )
    refused(
        lambda: services.add_electors(
            staff,
            by_household.pk,
            [{"name": "甲", "household": "1栋101"}, {"name": "乙", "household": "1栋101"}],
        )
    )
    refused(lambda: services.add_electors(staff, by_household.pk, [{"name": "甲"}]))
    assert not by_household.electors.exists()  # a refused list adds nobody
    by_group = services.create_vote(
        staff, topic.pk, question="q", rule=VoteRule.RESIDENTS_MEETING, basis="groups"
    )
    services.add_electors(staff, by_group.pk, [{"name": n, "resident_group": "第一组"} for n in "甲乙丙"])
    error = refused(
        lambda: services.add_electors(staff, by_group.pk, [{"name": "丁", "resident_group": "第一组"}])
    )
    assert "2至3人" in error.message


def test_the_list_is_fixed_once_voting_opens(residents_vote, staff, make_topic):
    vote, _residents = residents_vote(2)
    refused(lambda: services.add_electors(staff, vote.pk, [{"name": "后来者"}]), IllegalTransition)
    refused(lambda: services.remove_elector(staff, vote.electors.first().pk), IllegalTransition)
    topic = make_topic(Phase.VOTING)
    empty = services.create_vote(staff, topic.pk, question="q", rule=VoteRule.BODY_RULES)
    refused(lambda: services.open_vote(staff, empty.pk), code="no_electors")


def test_only_the_topics_managers_list_electors(residents_vote, make_topic, staff, users, party_member):
    topic = make_topic(Phase.DELIBERATING)
    vote = services.create_vote(staff, topic.pk, question="q", rule=VoteRule.BODY_RULES)
    for actor in (users["resident"], users["handler"], party_member):
        refused(
            lambda a=actor: services.add_electors(a, vote.pk, [{"name": "甲", "user": a}]),
            PermissionDeniedError,
        )


def test_an_elector_listed_by_phone_is_linked_at_first_login(staff, make_topic):
    """The list is drawn up from the community's records; the person logs in later with the number on it."""
    from gongzhi.core import services as core_services
    from gongzhi.core.tests.test_otp import sent_code

    topic = make_topic(Phase.DELIBERATING)
    vote = services.create_vote(staff, topic.pk, question="q", rule=VoteRule.BODY_RULES)
    services.add_electors(staff, vote.pk, [{"name": "李阿姨", "phone": "139 0000 7777"}])
    services.advance_topic(staff, topic.pk, "open_voting")
    services.open_vote(staff, vote.pk)
    elector = vote.electors.get()
    assert elector.phone == "13900007777" and elector.user_id is None

    core_services.send_login_code("13900007777")
    user = core_services.verify_login_code("13900007777", sent_code("13900007777"), privacy_consent=True)
    elector.refresh_from_db()
    assert elector.user_id == user.pk
    services.cast_ballot(user, vote.pk, choice="yes")
    assert DeliberationEvent.objects.filter(topic=topic, action="link_elector").exists()


def test_a_bad_phone_on_the_list_is_refused_in_chinese(staff, make_topic):
    topic = make_topic(Phase.DELIBERATING)
    vote = services.create_vote(staff, topic.pk, question="q", rule=VoteRule.BODY_RULES)
    error = refused(lambda: services.add_electors(staff, vote.pk, [{"name": "甲", "phone": "12345"}]))
    assert "第1行" in error.message


def test_body_rules_simple_majority_labelled(residents_vote, staff):
    vote, residents = residents_vote(3, rule=VoteRule.BODY_RULES)
    services.cast_ballot(residents[0], vote.pk, choice="yes")
    services.cast_ballot(residents[1], vote.pk, choice="no")
    vote = services.close_vote(staff, vote.pk)
    assert not vote.passed  # 1 of 2 is not a majority
    assert "议事规则" in vote.reasons[0]


def test_owners_vote_requires_register(staff, make_topic):
    topic = make_topic(Phase.DELIBERATING)
    refused(lambda: services.create_vote(staff, topic.pk, question="x", rule=VoteRule.OWNERS_JOINT))


# ---------------------------------------------------------------- owners counted right (issue K item 4)


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("委托书.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")


def test_two_owners_who_share_a_name_are_two_heads(staff, make_topic, make_register, make_residents):
    """Two 张伟 without a phone were one head, and their units counted as voting when either voted."""
    first, other = make_residents(2)
    register = make_register(
        [
            {"owner": "张伟", "unit": "1-101", "area": 100, "user": first},
            {"owner": "张伟", "unit": "1-102", "area": 100},
            {"owner": "李娜", "unit": "1-103", "area": 100, "user": other},
            {"owner": "王芳", "unit": "1-104", "area": 100},
        ]
    )
    assert register.owners.count() == 4
    topic = make_topic(Phase.DELIBERATING)
    vote = services.create_vote(
        staff, topic.pk, question="续聘物业", rule=VoteRule.OWNERS_JOINT, register_id=register.pk
    )
    services.advance_topic(staff, topic.pk, "open_voting")
    services.open_vote(staff, vote.pk)
    services.cast_ballot(first, vote.pk, choice="yes")
    services.cast_ballot(other, vote.pk, choice="yes")
    vote = services.close_vote(staff, vote.pk)
    # 2 of 4 heads and 200 of 400 ㎡ took part: below 2/3 (merged by name it read 2/3 heads and 300 ㎡)
    assert vote.tally["participating_owners"] == 2 and vote.tally["total_owners"] == 4
    assert Decimal(vote.tally["participating_area"]) == 200 and not vote.quorum_met


def test_one_id_number_is_one_owner_of_several_units(make_register):
    register = make_register(
        [
            {"owner": "张伟", "unit": "1-101", "area": 100, "id_number": "430102199001011238"},
            {"owner": "张伟", "unit": "2-201", "area": 60, "id_number": "430102199001011238 "},
            {"owner": "张伟", "unit": "3-301", "area": 80},
        ]
    )
    assert register.owners.count() == 2
    assert register.owners.get(id_number="430102199001011238").units.count() == 2


def test_register_refuses_a_bad_or_contradictory_id_number(make_register):
    error = refused(
        lambda: make_register(
            [{"owner": "张伟", "unit": "1-101", "area": 100, "id_number": "430102199001011234"}]
        )
    )
    assert "身份证号" in error.message
    error = refused(
        lambda: make_register(
            [
                {"owner": "张伟", "unit": "1-101", "area": 100, "id_number": "430102199001011238"},
                {"owner": "李娜", "unit": "1-102", "area": 100, "id_number": "430102199001011238"},
            ]
        )
    )
    assert "姓名不同" in error.message


def test_a_proxy_votes_once_for_the_owner_with_a_written_authorisation(owners_vote, staff):
    vote, residents, register = owners_vote(3)
    owner = register.owners.get(user=residents[0])
    error = refused(
        lambda: services.enter_paper_ballot(
            staff, vote.pk, choice="yes", owner_id=owner.pk, proxy={"name": "赵强", "scope": "全部事项"}
        )
    )
    assert error.field == "proxy_document"
    ballot = services.enter_paper_ballot(
        staff,
        vote.pk,
        choice="yes",
        owner_id=owner.pk,
        paper_number="W-1",
        proxy={"name": "赵强", "scope": "代为表决续聘物业", "document": _png()},
    )
    assert ballot.proxy_name == "赵强" and ballot.proxy_document.name.startswith("proxies/")
    refused(lambda: services.cast_ballot(residents[0], vote.pk, choice="no"), code="already_voted")
    refused(
        lambda: services.enter_paper_ballot(
            staff,
            vote.pk,
            choice="no",
            owner_id=owner.pk,
            proxy={"name": "钱多", "scope": "全部", "document": _png()},
        ),
        code="already_voted",
    )
    services.cast_ballot(residents[1], vote.pk, choice="yes")
    vote = services.close_vote(staff, vote.pk)
    assert vote.tally["participating_owners"] == 2 and vote.tally["yes_owners"] == 2
    event = DeliberationEvent.objects.filter(topic=vote.topic, action="cast_ballot", after__proxy="赵强")
    assert event.exists()


def test_a_proxy_is_for_owners_votes(residents_vote, staff):
    vote, _residents = residents_vote(2)
    elector = vote.electors.first()
    refused(
        lambda: services.enter_paper_ballot(
            staff,
            vote.pk,
            choice="yes",
            elector_id=elector.pk,
            proxy={"name": "赵强", "scope": "全部", "document": _png()},
        )
    )


def test_the_assembly_notice_reaches_every_owner_and_names_who_it_could_not(
    staff, make_topic, make_register, make_residents
):
    from datetime import timedelta

    from django.utils import timezone

    from gongzhi.core.models import Notification
    from gongzhi.deliberation.choices import MeetingKind
    from gongzhi.deliberation.models import OwnerNotice

    (with_account,) = make_residents(1)
    register = make_register(
        [
            {"owner": "张伟", "unit": "1-101", "area": 100, "user": with_account},
            {"owner": "李娜", "unit": "1-102", "area": 90, "phone": "13912345678"},
            {"owner": "王芳", "unit": "1-103", "area": 80},
            {"owner": "建设单位", "unit": "9-101", "area": 60, "developer": True},
        ]
    )
    topic = make_topic(Phase.DELIBERATING)
    refused(
        lambda: services.schedule_meeting(
            staff,
            kind=MeetingKind.OWNERS_ASSEMBLY,
            title="业主大会",
            topic_ids=[topic.pk],
            agenda="续聘物业",
            location="小区广场",
            starts_at=timezone.now() + timedelta(days=20),
        )
    )
    meeting = services.schedule_meeting(
        staff,
        kind=MeetingKind.OWNERS_ASSEMBLY,
        title="业主大会",
        topic_ids=[topic.pk],
        agenda="续聘物业",
        location="小区广场",
        starts_at=timezone.now() + timedelta(days=20),
        register_id=register.pk,
    )
    services.send_meeting_notice(staff, meeting.pk, committee_informed=True)
    channels = dict(OwnerNotice.objects.filter(meeting=meeting).values_list("owner__name", "channel"))
    assert channels == {"张伟": "site", "李娜": "sms", "王芳": "none", "建设单位": "none"}
    assert Notification.objects.filter(recipient=with_account, subject__contains="业主大会").exists()
    assert Notification.objects.filter(phone="13912345678", channel="sms").exists()
    from gongzhi.deliberation import selectors

    summary = selectors.owner_notices(meeting)
    assert summary["total"] == 4 and [o.name for o in summary["unreachable"]] == ["建设单位", "王芳"]
