"""Security and privacy review (2026-11): leaks and cross-scope writes found by reading every endpoint.

Each test names the promise it holds: roles see only what is theirs; residents' phone numbers are masked outside
the people who need them.
"""


import pytest
from django.test import Client

from gongzhi.community import services as community
from gongzhi.core.services import register_resident_at_counter
from gongzhi.deliberation import services as deliberation
from gongzhi.deliberation.choices import Phase
from gongzhi.deliberation.models import Topic

PHONE = "13712345678"


@pytest.fixture
def phone_resident(users):
    """A resident as the phone-code login (or a counter registration without a name) creates them: no name, and
    the account name is "m" + their phone number."""
    resident = register_resident_at_counter(users["operator"], phone=PHONE, display_name="")
    assert resident.username == f"m{PHONE}" and resident.display_name == ""
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
