"""Every form is CSRF-protected: walk all URL patterns of the site and POST to each without a token.

The API under /api/v1/ authenticates by token, and by session only through DRF's SessionAuthentication, which
enforces CSRF itself; it is checked here too for a session-authenticated user.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.core.testing import make_user

# Placeholder values for path converters, so that every pattern can be turned into a concrete URL.
SAMPLE = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}
# Deliberately without CSRF: the API's credential exchanges use no session (authentication_classes = []), take the
# credentials in the body and return a token in the body, so a forged cross-site POST gains nothing.
EXEMPT = {
    "/api/v1/auth/token/",
    "/api/v1/auth/phone/code/",
    "/api/v1/auth/phone/token/",
    # WeChat's server URL checks WeChat's signature on every request, the call centre's API its key; neither
    # reads the session.
    "/wechat/",
    "/api/v1/cti/calls/",
}
# Open311 authenticates every POST with its api_key and ignores the session, so a forged cross-site POST has no
# authority to borrow.
# The SMS providers push receipts and inbound messages with no session and no cookie: the secret token in the URL
# (GONGZHI_SMS_CALLBACK_TOKEN) is the authority, which a forged cross-site POST does not have.
EXEMPT_PREFIXES = ("/open311/", "/sms/")


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def concrete(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route or route.startswith("static") or route.startswith("media"):
        route = route.lstrip("^").rstrip("$")
        if "(" in route or "\\" in route or "*" in route:
            return None  # regular-expression routes (the admin's catch-alls, the API's 404)
    url = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), route)
    return "/" + url


ROUTES = sorted(
    {(url, callback) for route, callback in walk(get_resolver().url_patterns) if (url := concrete(route))},
    key=lambda pair: pair[0],
)


def test_every_route_is_enumerated():
    assert len(ROUTES) > 80, len(ROUTES)
    assert any(url.startswith("/appeals/") for url, _ in ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "callback"), ROUTES, ids=[url for url, _ in ROUTES])
def test_post_without_token_is_refused(url, callback):
    assert (
        not getattr(callback, "csrf_exempt", False)
        or url in EXEMPT
        or url.startswith(("/api/", *EXEMPT_PREFIXES))
    ), f"{url} is csrf_exempt"
    if url in EXEMPT or url.startswith(EXEMPT_PREFIXES):
        pytest.skip("no session authority: see EXEMPT")
    admin = make_user("csrf-admin", "admin", is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(url, {"title": "x", "content": "x"})
    assert response.status_code == 403, (url, response.status_code)
