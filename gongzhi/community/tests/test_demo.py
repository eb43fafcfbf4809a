import pytest

from gongzhi.appeals.models import Appeal
from gongzhi.core.services import ensure_role_groups

from ..demo import load_community_demo
from ..models import (
    Activity,
    HelpRequest,
    LedgerAccount,
    LedgerEntry,
    PartyBuildingProject,
    Redemption,
    SelfOrganization,
    Visit,
    VolunteerProfile,
)

pytestmark = pytest.mark.django_db


def test_demo_fills_each_part_and_is_idempotent(settings):
    settings.GONGZHI = {**settings.GONGZHI, "DEMO_PASSWORD": "demo-pass"}
    ensure_role_groups()
    counts = load_community_demo()
    assert counts["organizations"] == 6 and counts["activities"] == 7
    assert SelfOrganization.objects.filter(stage="mature").count() == 2
    assert LedgerEntry.objects.filter(kind="credit").exists()
    assert not LedgerAccount.objects.filter(kind="volunteer", balance_hours__lt=0).exists()
    assert Activity.objects.filter(state="published").count() == 4
    assert Appeal.objects.filter(channel="household_visit").count() == 1
    # issue O: every page has data — a completed project with its published result, one running, a catalogue,
    # a confirmed and a waiting redemption, volunteers with their times
    assert counts["projects"] == 2 and counts["rewards"] == 3
    assert PartyBuildingProject.objects.filter(state="done").exclude(result="").count() == 1
    assert PartyBuildingProject.objects.filter(state="running").count() == 1
    assert sorted(Redemption.objects.values_list("state", flat=True)) == ["confirmed", "requested"]
    assert VolunteerProfile.objects.exclude(availability="").count() == 24
    # issue O item 2: needs heard on visits were asked of volunteers; most were done and their hours confirmed
    states = list(HelpRequest.objects.values_list("state", flat=True))
    assert counts["help_requests"] == len(states) >= 6 and states.count("done") >= 4 and "declined" in states
    assert LedgerEntry.objects.filter(kind="credit", help_request__isnull=False).count() == states.count(
        "done"
    )
    visits = Visit.objects.count()
    assert load_community_demo() == {"skipped": True}
    assert Visit.objects.count() == visits


def test_demo_pages_render(settings, client):
    from gongzhi.core.models import User
    from gongzhi.core.testing import PASSWORD

    settings.GONGZHI = {**settings.GONGZHI, "DEMO_PASSWORD": PASSWORD}
    ensure_role_groups()
    load_community_demo()
    for username in ("staff1", "partymember1", "resident1"):
        assert client.login(username=username, password=PASSWORD), username
        for url in (
            "/community/",
            "/community/organizations/",
            "/community/activities/",
            "/community/my-hours/",
            "/community/red-resources/",
            "/community/projects/",
            "/community/volunteer/",
            "/community/requests/",
        ):
            assert client.get(url).status_code == 200, (username, url)
        if username != "resident1":
            assert client.get("/community/households/").status_code == 200
            assert client.get("/community/matches/").status_code == 200
        if username == "staff1":
            assert client.get("/community/time-bank/").status_code == 200
            assert client.get("/community/matches/").status_code == 200
    center = User.objects.get(username="partymember1").central_household
    assert client.get(f"/community/households/{center.pk}/").status_code == 403  # resident1
    org = SelfOrganization.objects.first()
    assert client.get(f"/community/organizations/{org.pk}/").status_code == 200
    for activity in Activity.objects.all():
        assert client.get(f"/community/activities/{activity.pk}/").status_code == 200


def test_demo_activities_start_in_the_daytime_local_time(settings):
    # They were set at 09:00 and 15:00 UTC: 17:00 and 23:00 on the residents' clock (a 四点半课堂 at 23:00).
    from django.utils import timezone

    settings.GONGZHI = {**settings.GONGZHI, "DEMO_PASSWORD": "demo-pass"}
    ensure_role_groups()
    load_community_demo()
    hours = sorted({timezone.localtime(a.starts_at).hour for a in Activity.objects.all()})
    assert hours == [9, 15]
