"""A refused opinion comes back with what was typed (issue H): the topic page answered every form by redirecting
to itself, and the text was lost with the refusal."""

from django.test import Client
from django.urls import reverse

from gongzhi.deliberation.choices import Phase

BODY = "建议先公开停车成本，再按成本协商收费标准，不同意一次上调百分之五十。"


def test_a_refused_opinion_keeps_its_text_and_lists_the_error_at_the_top(users, make_topic):
    topic = make_topic(Phase.COLLECTING)
    client = Client()
    client.force_login(users["resident"])
    url = reverse("deliberation:topic", args=[topic.pk])
    response = client.post(
        reverse("deliberation:opinion", args=[topic.pk]), {"stance": "nonsense", "body": BODY}
    )
    assert response.status_code == 302 and response.url.split("#")[0] == url
    page = client.get(url).content.decode()
    assert f"{BODY}</textarea>" in page and "data-error-summary" in page
    # once shown, the page is clean again
    page = client.get(url).content.decode()
    assert BODY not in page and "data-error-summary" not in page


def test_the_kept_text_shows_only_on_its_own_page(users, make_topic):
    topic, other = make_topic(Phase.COLLECTING), make_topic(Phase.COLLECTING, title="加装电梯协商")
    client = Client()
    client.force_login(users["resident"])
    client.post(reverse("deliberation:opinion", args=[topic.pk]), {"stance": "nonsense", "body": BODY})
    assert BODY not in client.get(reverse("deliberation:topic", args=[other.pk])).content.decode()
