"""Outbound addresses cannot reach inside (issue N item 5): webhook subscriptions and credit platforms take public
http(s) addresses only, file drops stay in their root, deliveries follow no redirect and say nothing of sockets."""

import pytest
from rest_framework.test import APIClient

from gongzhi.core import netguard, outbox
from gongzhi.core.errors import ServiceError

INSIDE = [
    "http://127.0.0.1:9/hook",
    "http://169.254.169.254/latest",
    "http://[::1]:8000/",
    "http://0.0.0.0/",
    "http://10.1.2.3/hook",
    "http://192.168.1.1/",
    "http://localhost:8000/",
    "http://[::ffff:127.0.0.1]/",
    "http://user:pw@example.com/",
    "file:///etc/passwd",
    "gopher://example.com/",
    "ftp://example.com/",
]


@pytest.fixture
def no_allowance(settings):
    settings.GONGZHI = {**settings.GONGZHI, "OUTBOUND_ALLOWED_HOSTS": []}


@pytest.mark.parametrize("url", INSIDE)
def test_an_admin_cannot_subscribe_an_inside_address(users, no_allowance, url):
    client = APIClient()
    client.force_authenticate(users["admin"])
    response = client.post(
        "/api/v1/webhooks/subscriptions/",
        {"name": "探测", "url": url, "event_types": ["appeals.dispatch"]},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "url" in response.json()["fields"]


def test_a_public_address_passes_and_an_allowed_host_may_be_inside(settings, no_allowance):
    assert netguard._public("8.8.8.8") and not netguard._public("169.254.169.254")
    with pytest.raises(ServiceError):
        netguard.check_url("http://127.0.0.1:8443/hook")
    settings.GONGZHI = {**settings.GONGZHI, "OUTBOUND_ALLOWED_HOSTS": ["127.0.0.1:8443"]}
    assert netguard.check_url("http://127.0.0.1:8443/hook") == "http://127.0.0.1:8443/hook"
    with pytest.raises(ServiceError):  # the allowance names a port
        netguard.check_url("http://127.0.0.1:22/")


@pytest.mark.django_db
def test_credit_platforms_are_checked_by_the_service_and_the_admin(settings, tmp_path, no_allowance):
    from gongzhi.core.choices import Role
    from gongzhi.core.testing import make_user
    from gongzhi.credit import services
    from gongzhi.credit.admin import CreditPlatformForm

    settings.GONGZHI = {**settings.GONGZHI, "FILE_DROP_ROOT": str(tmp_path / "drops")}
    officer = make_user("officer9", Role.CREDIT_OFFICER, is_staff=True)
    for backend, address, secret in [
        ("webhook", "http://169.254.169.254/x", "s" * 32),
        ("webhook", "file:///tmp/x", "s" * 32),
        ("webhook", "https://example.com/hook", ""),
        ("file", "../../etc", ""),
        ("file", "/tmp/elsewhere", ""),
    ]:
        with pytest.raises(ServiceError):
            services.create_platform(
                officer, name=f"平台{backend}{address}", backend=backend, address=address, secret=secret
            )
        form = CreditPlatformForm(
            data={
                "name": "后台平台",
                "backend": backend,
                "address": address,
                "secret": secret,
                "confirm_window_hours": 72,
                "is_active": True,
            }
        )
        assert not form.is_valid(), (backend, address)
    platform = services.create_platform(officer, name="第三方", backend="file", address="third-party")
    assert platform.address == str((tmp_path / "drops" / "third-party").resolve())


def test_a_delivery_error_says_nothing_of_the_socket(settings, db):
    settings.GONGZHI = {**settings.GONGZHI, "OUTBOUND_ALLOWED_HOSTS": ["127.0.0.1:9"]}
    message = outbox.enqueue(
        event_id="e:1",
        event_type="x",
        target="t",
        backend="webhook",
        address="http://127.0.0.1:9/hook",
        secret="k" * 32,
        payload={},
    )
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.delivered_at is None and message.last_error
    assert "refused" not in message.last_error.lower() and "errno" not in message.last_error.lower()


def test_a_delivery_follows_no_redirect(settings, db):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits = []

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            hits.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(307)
            self.send_header("Location", "http://169.254.169.254/latest")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        settings.GONGZHI = {**settings.GONGZHI, "OUTBOUND_ALLOWED_HOSTS": [f"127.0.0.1:{port}"]}
        message = outbox.enqueue(
            event_id="e:2",
            event_type="x",
            target="t",
            backend="webhook",
            address=f"http://127.0.0.1:{port}/hook",
            secret="k" * 32,
            payload={},
        )
        outbox.deliver_due()
        message.refresh_from_db()
    finally:
        server.shutdown()
    assert hits == ["/hook"] and message.delivered_at is None and "重定向" in message.last_error


def test_a_name_that_does_not_resolve_yet_is_saved_and_refused_at_send(db, no_allowance):
    url = "https://credit-platform.invalid/hook"
    assert netguard.check_url(url) == url
    message = outbox.enqueue(
        event_id="e:3",
        event_type="x",
        target="t",
        backend="webhook",
        address=url,
        secret="k" * 32,
        payload={},
    )
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.delivered_at is None and "无法解析" in message.last_error
