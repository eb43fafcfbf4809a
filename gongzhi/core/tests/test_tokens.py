"""API tokens end (issue N item 9): they expire, a password change or a deactivation revokes them, and the caller
can revoke their own with DELETE /api/v1/auth/token/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongzhi.core.models import User
from gongzhi.core.testing import PASSWORD

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"


def obtain(username="handler1") -> tuple[APIClient, str]:
    client = APIClient()
    response = client.post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    key = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


def test_delete_revokes_the_callers_token(users):
    client, key = obtain()
    assert client.get(ME).status_code == 200
    assert client.delete(TOKEN).status_code == 204
    response = client.get(ME)
    assert response.status_code == 401
    assert not Token.objects.filter(key=key).exists()
    assert APIClient().delete(TOKEN).status_code == 401  # nobody to revoke
    # a stale token in the header does not stop obtaining a new one
    again = client.post(TOKEN, {"username": "handler1", "password": PASSWORD}, format="json")
    assert again.status_code == 200 and again.json()["token"] != key


def test_a_token_expires_and_the_next_login_issues_a_new_one(users, settings):
    client, key = obtain()
    Token.objects.filter(key=key).update(
        created=timezone.now() - timedelta(hours=settings.GONGZHI["API_TOKEN_TTL_HOURS"])
    )
    response = client.get(ME)
    assert response.status_code == 401 and "已过期" in response.json()["detail"]
    _client, fresh = obtain()
    assert fresh != key and not Token.objects.filter(key=key).exists()


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_a_password_change_or_deactivation_revokes_the_token(users, change):
    client, key = obtain()
    user = User.objects.get(username="handler1")
    if change == "password":
        user.set_password("a-new-Passw0rd!")
        user.save()
    else:
        user.is_active = False
        user.save(update_fields=["is_active"])
    assert not Token.objects.filter(key=key).exists()
    assert client.get(ME).status_code == 401


def test_saving_the_last_login_keeps_the_token(users):
    _client, key = obtain()
    user = User.objects.get(username="handler1")
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    user.display_name = "改名"
    user.save()
    assert Token.objects.filter(key=key).exists()
