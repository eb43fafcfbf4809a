"""core.dashboard: the home page asks the registry, and each app registers its tiles (core imports no app)."""

import pytest
from django.conf import settings

from gongzhi.core import dashboard
from gongzhi.core.choices import Role
from gongzhi.core.testing import make_user


@pytest.fixture
def providers(monkeypatch):
    monkeypatch.setattr(dashboard, "PROVIDERS", [])
    return dashboard.PROVIDERS


@pytest.mark.django_db
def test_tiles_merge_by_order_and_links_once_per_url(providers):
    user = make_user("leader9", Role.LEADER)

    def later(user):
        return {
            "cards": [{"label": "B", "count": 2, "url": "/b/"}],
            "links": [{"label": "B", "url": "/b/"}],
            "extra": 1,
        }

    def first(user):
        return {
            "cards": [{"label": "A", "count": 1, "url": "/a/"}],
            "links": [{"label": "A", "url": "/a/"}, {"label": "B again", "url": "/b/"}],
        }

    dashboard.register(later)
    dashboard.register(first, order=-1)
    dashboard.register(later)  # a second ready() adds nothing
    context = dashboard.for_user(user)
    assert [c["label"] for c in context["cards"]] == ["A", "B"]
    assert [link["label"] for link in context["links"]] == ["A", "B again"]
    assert context["extra"] == 1
    assert context["role_labels"] == [
        str(settings.ROLE_LABELS[Role.LEADER])
    ]  # the role's label, not its code


@pytest.mark.django_db
def test_the_installed_apps_register_their_tiles(client, users):
    """appeals' dashboard_for reaches the home page through the registry."""
    assert any(getattr(fn, "__module__", "") == "gongzhi.appeals.apps" for _order, fn in dashboard.PROVIDERS)
    client.force_login(users["dispatcher"])
    page = client.get("/").content.decode()
    assert "待派单" in page and "退单待审核" in page
