"""Each role can do exactly its part: every row of access_table.GET and access_table.POST, as every role."""

import re

import pytest
from django.test import Client

from gongzhi.core.models import AuditEvent

from .access_table import GET, POST, ROLES


def concrete(url: str, world) -> str:
    def pk(match):
        name = match.group(1)
        if name == "street":
            return str(world["appeal"].region.parent.parent.pk)
        return str(world[name].pk)

    return re.sub(r"\{(\w+)\}", pk, url)


def client_for(role: str, world) -> Client:
    client = Client()
    if role != "anon":
        client.force_login(world["users"][role])
    return client


def verdict(response) -> str:
    if response.status_code in (401, 403, 404):
        return "refused"
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return "refused"
    assert response.status_code < 500, response.content[:500]
    return "allowed"


def test_the_table_covers_every_role():
    for roles in [*GET.values(), *POST.values()]:
        assert set(roles) <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_get(role, world):
    client = client_for(role, world)
    wrong = []
    for url, allowed in GET.items():
        response = client.get(concrete(url, world))
        expected = "allowed" if role in allowed else "refused"
        if verdict(response) != expected:
            wrong.append(f"{url}: expected {expected}, got {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("url", "data"), list(POST), ids=[url for url, _ in POST])
def test_post(role, url, data, world):
    client = client_for(role, world)
    target = concrete(url, world)
    if url.startswith("/api/"):
        response = client.post(target, data, content_type="application/json")
    else:
        response = client.post(target, data, content_type="application/x-www-form-urlencoded")
    expected = "allowed" if role in POST[(url, data)] else "refused"
    got = verdict(response)
    if (
        url.endswith("/reveal/") and got == "allowed"
    ):  # the page answers a refusal by a message on the detail page
        got = "allowed" if AuditEvent.objects.filter(action="unmask_contact").exists() else "refused"
    assert got == expected, (response.status_code, response.content[:300])
