import pytest
from django.utils import timezone

from gongzhi.core.services import ensure_role_groups
from gongzhi.core.testing import PASSWORD
from gongzhi.deliberation.demo import COMMUNITY_TOPIC, DONE_TOPIC, PROPOSAL, load_deliberation_demo
from gongzhi.deliberation.models import Meeting, Topic

pytestmark = pytest.mark.django_db


def test_the_demo_fills_deliberation_and_is_idempotent(settings, client):
    settings.GONGZHI = {**settings.GONGZHI, "DEMO_PASSWORD": PASSWORD}
    ensure_role_groups()
    assert load_deliberation_demo() == {"topics": 3, "opinions": 7, "meetings": 1, "votes": 1}
    assert load_deliberation_demo() == {"skipped": True}
    proposal = Topic.objects.get(title=PROPOSAL[0])
    assert proposal.cosigners.count() == 9 and proposal.opinions.count() == 3
    assert (
        Topic.objects.get(title=COMMUNITY_TOPIC[0]).phase == "deliberating" and Meeting.objects.count() == 1
    )
    assert client.login(username="resident1", password=PASSWORD)
    page = client.get("/deliberation/").content.decode()
    assert PROPOSAL[0] in page and COMMUNITY_TOPIC[0] in page
    for topic in Topic.objects.all():
        assert client.get(f"/deliberation/topics/{topic.pk}/").status_code == 200
    # a topic went the whole way: its vote is on the public results page, and nothing is dated the load's moment
    done = Topic.objects.get(title=DONE_TOPIC[0])
    assert done.phase == "published" and done.resolution.completed_at is not None
    client.logout()
    assert "开展楼道堆物集中清理" in client.get("/deliberation/results/").content.decode()
    assert Topic.objects.filter(created_at__date=timezone.localdate()).count() == 0
    assert client.login(username="staff1", password=PASSWORD)
    assert COMMUNITY_TOPIC[0] in client.get("/deliberation/manage/").content.decode()
