"""Helpers shared by the test suites of every app (imported by the root conftest.py and by tests)."""

from django.contrib.auth.models import Group

from .models import User

PASSWORD = "test-pass-123"


def make_user(username, role, *, unit=None, region=None, phone=None, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, unit=unit, region=region, phone=phone,
                                    display_name=extra.pop("display_name", username), **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user):
    """A test client logged in as `user` (no password round)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()
