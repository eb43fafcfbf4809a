"""Fixtures of deliberation: a party organisation's staff, more residents, topics, owners' registers."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from gongzhi.core.choices import Role, UnitKind
from gongzhi.core.models import Unit, User
from gongzhi.deliberation import services
from gongzhi.deliberation.choices import Phase, TopicSource, VoteRule


def make_user(username, role, **fields):
    """Like the project conftest's make_user; imported by name there, which breaks beside tests/e2e/conftest.py."""
    user = User.objects.create_user(username=username, password="x-pass-123", **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def party_unit(county):
    return Unit.objects.create(
        code="U-DZB", name="幸福社区党委", kind=UnitKind.PARTY_ORG, region=county["community"]
    )


@pytest.fixture
def party_staff(party_unit):
    """A party organisation's staff: a manager by their explicit role (issue N item 3), not by the unit's kind."""
    return make_user("party1", Role.COMMUNITY_STAFF, unit=party_unit)


@pytest.fixture
def party_member(party_unit, county):
    """An ordinary party member of the same party organisation: no manager powers."""
    return make_user("partymember9", Role.PARTY_MEMBER, region=county["community"], unit=party_unit)


@pytest.fixture
def staff(users):
    return users["community_staff"]


@pytest.fixture
def make_residents(db):
    counter = {"n": 0}

    def make(n: int):
        made = []
        for _ in range(n):
            counter["n"] += 1
            i = counter["n"]
            made.append(make_user(f"r{i:03d}", Role.RESIDENT, phone=f"136{i:08d}", display_name=f"居民{i}"))
        return made

    return make


@pytest.fixture
def make_topic(staff, county):
    def make(phase: str = Phase.COLLECTING, **overrides):
        fields = {
            "title": "小区停车收费协商",
            "description": "物业拟上调停车费，居民意见较大。",
            "region": county["community"],
            "source": TopicSource.COMMUNITY_STAFF,
        }
        fields.update(overrides)
        topic = services.create_topic(staff, **fields)
        topic.phase = phase  # jump straight to the phase a test needs
        topic.save(update_fields=["phase"])
        return topic

    return make


@pytest.fixture
def make_register(staff, county):
    def make(rows):
        return services.create_owner_register(
            staff, name="幸福小区业主名册", region=county["community"], rows=rows
        )

    return make


@pytest.fixture
def small_register(make_register):
    """A register of three owners: one with an account, one with only a phone, one with neither."""
    return make_register(
        [
            {"owner": "张伟", "unit": "1-101", "area": 100, "phone": "13800138000"},
            {"owner": "李娜", "unit": "1-102", "area": 90, "phone": "13912345678"},
            {"owner": "王芳", "unit": "1-103", "area": 80},
        ]
    )


@pytest.fixture
def owners_vote(staff, make_topic, make_register, make_residents):
    """`owners_vote(n_owners, area_each=100, major=False)`: n owners with one unit each and an account each,
    an open owners' vote on a topic in the voting phase. Returns (vote, residents, register)."""

    def make(n: int, *, areas=None, major: bool = False, secret: bool = False):
        residents = make_residents(n)
        areas = areas or [100] * n
        register = make_register(
            [
                {"owner": r.display_name, "unit": f"1-{i + 1:03d}", "area": areas[i], "user": r}
                for i, r in enumerate(residents)
            ]
        )
        topic = make_topic(Phase.DELIBERATING)
        vote = services.create_vote(
            staff,
            topic.pk,
            question="是否续聘安居物业",
            rule=VoteRule.OWNERS_JOINT,
            major=major,
            secret=secret,
            register_id=register.pk,
        )
        services.advance_topic(staff, topic.pk, "open_voting")
        services.open_vote(staff, vote.pk)
        return vote, residents, register

    return make


def later(days: int, hours: int = 0):
    return timezone.now() + timedelta(days=days, hours=hours)
