"""One trusted-proxy-aware client address for every per-address limit (issue N items 7 and 8): behind the proxy of
docs/deploy.md every client shared the proxy's address (one login-code cap for the whole site, anyone could lock
any staff account), while the API's anonymous throttle believed any X-Forwarded-For and the appeal form had no
limit at all."""

import pytest
from django.test import Client, RequestFactory

from gongzhi.core.clientaddr import client_ip
from gongzhi.core.testing import PASSWORD

PROXY = "10.9.0.2"


@pytest.fixture
def behind_proxy(settings):
    settings.GONGZHI = {**settings.GONGZHI, "TRUSTED_PROXIES": ["10.9.0.0/29"]}


def request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.GONGZHI = {**settings.GONGZHI, "TRUSTED_PROXIES": []}
    assert client_ip(request("203.0.113.7", "1.2.3.4")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_client_is_the_first_hop_it_vouches_for(behind_proxy):
    assert client_ip(request(PROXY, "198.51.100.5")) == "198.51.100.5"
    # a client that sends its own header: the proxy appends the real peer, which is what counts
    assert client_ip(request(PROXY, "1.2.3.4, 198.51.100.5")) == "198.51.100.5"
    assert client_ip(request(PROXY, "198.51.100.5, 10.9.0.3")) == "198.51.100.5"  # two trusted hops
    assert client_ip(request(PROXY, "not-an-address")) == PROXY
    assert client_ip(request("203.0.113.7", "1.2.3.4")) == "203.0.113.7"  # not from the proxy: not believed


def _post_api(client, n, **meta):
    return client.post(
        "/api/v1/appeals/",
        {
            "title": "路灯不亮",
            "content": "幸福路的路灯坏了三天了，晚上很黑。",
            "appellant_phone": "13800138000",
            "client_key": f"k{n}",
        },
        content_type="application/json",
        **meta,
    )


@pytest.mark.django_db
def test_a_spoofed_header_does_not_escape_the_api_limit(settings, county):
    settings.GONGZHI = {**settings.GONGZHI, "TRUSTED_PROXIES": [], "ANONYMOUS_SUBMIT_RATE": "3/hour"}
    client = Client()
    statuses = [
        _post_api(client, n, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}").status_code
        for n in range(4)
    ]
    assert statuses[3] == 429, statuses


@pytest.mark.django_db
def test_the_form_and_the_api_share_one_limit_per_client(settings, county, behind_proxy):
    settings.GONGZHI = {**settings.GONGZHI, "ANONYMOUS_SUBMIT_RATE": "2/hour"}
    client = Client()
    first = _post_api(client, 0, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.5")
    assert first.status_code != 429
    form = {
        "title": "路灯不亮",
        "content": "幸福路的路灯坏了三天了，晚上很黑。",
        "appellant_phone": "13800138000",
    }
    assert (
        client.post("/appeals/new/", form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.5").status_code
        != 429
    )
    page = client.post("/appeals/new/", form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.5")
    assert page.status_code == 429
    text = page.content.decode()
    assert "提交过于频繁" in text and "幸福路的路灯坏了三天了" in text  # the message, and what was typed
    # another client behind the same proxy has its own count
    other = client.post("/appeals/new/", form, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.6")
    assert other.status_code != 429


@pytest.mark.django_db
def test_login_codes_are_capped_per_client_behind_the_proxy(behind_proxy):
    for i in range(20):
        response = Client().post(
            "/api/v1/auth/phone/code/",
            {"phone": f"1350000{i:04d}"},
            content_type="application/json",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.5",
        )
        assert response.status_code == 200, response.content
    capped = Client().post(
        "/api/v1/auth/phone/code/",
        {"phone": "13511110000"},
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.5",
    )
    assert capped.status_code == 429
    other = Client().post(
        "/api/v1/auth/phone/code/",
        {"phone": "13511110000"},
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.6",
    )
    assert other.status_code == 200


def test_a_lockout_behind_the_proxy_locks_only_that_client(users, behind_proxy):
    attacker = Client()
    for _ in range(5):
        attacker.post(
            "/accounts/login/",
            {"username": "handler1", "password": "wrong-pass"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        )
    locked = attacker.post(
        "/accounts/login/",
        {"username": "handler1", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    assert locked.status_code == 429
    own = Client().post(
        "/accounts/login/",
        {"username": "handler1", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.5",
    )
    assert own.status_code == 302  # the handler, behind the same proxy, still logs in
