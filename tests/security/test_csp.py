"""Content-Security-Policy and the other security headers; a real browser loads every main page (dashboards with
ECharts included) as the roles that use them and sees zero CSP violations."""

import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.test import Client

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API beside the ORM in the test thread
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Collected in the page before any of its scripts run (init scripts are not subject to the page's CSP).
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def test_headers_on_a_page():
    response = Client().get("/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"  # no inline script on this page: not even a nonce
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["img-src"] == "'self' data:"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'self'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_every_inline_script_carries_the_nonce(users):
    client = Client()
    client.force_login(users["leader"])
    response = client.get("/insight/")
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    inline = [
        chunk
        for chunk in html.split("<script")[1:]
        if "src=" not in chunk.split(">")[0] and 'type="application/json"' not in chunk.split(">")[0]
    ]
    assert inline and all(f'nonce="{nonce}"' in chunk.split(">")[0] for chunk in inline)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert nonce not in client.get("/insight/").content.decode()  # a fresh nonce per response


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


def page_as(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.add_init_script(WATCH)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )
    page = context.new_page()
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return page, messages


PAGES = {
    None: [
        "/",
        "/appeals/new/",
        "/appeals/track/",
        "/deliberation/",
        "/community/",
        "/community/red-resources/",
        "/credit/query/",
        "/accounts/login/",
        "/api/docs/",
    ],
    "leader": [
        "/insight/",
        "/insight/street/{street}/",
        "/insight/hotspots/",
        "/insight/alerts/",
        "/appeals/rates/",
        "/appeals/overdue/",
        "/appeals/",
        "/appeals/{appeal}/",
        "/community/households/",
    ],
    "resident": [
        "/appeals/mine/",
        "/appeals/{appeal}/",
        "/community/my-hours/",
        "/accounts/me/",
        "/notifications/",
    ],
    "community_staff": [
        "/deliberation/manage/",
        "/deliberation/topics/{topic}/",
        "/community/activities/{activity}/",
        "/community/organizations/{org}/",
    ],
    "credit_officer": [
        "/credit/",
        "/credit/enterprises/{enterprise}/",
        "/credit/cases/{case}/",
        "/credit/penalties/",
    ],
    "admin": ["/admin/", "/admin/appeals/appeal/"],
}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_csp_violation_on_any_main_page(browser, live_server, world):
    from .test_access_table import concrete

    violations = []
    for role, paths in PAGES.items():
        page, messages = page_as(browser, live_server, world["users"][role] if role else None)
        for path in paths:
            response = page.goto(concrete(path, world))
            assert response.status == 200, (role, path, response.status)
            page.wait_for_load_state("networkidle")
            found = page.evaluate("window.__csp") + messages
            violations += [f"{role} {path}: {v}" for v in found]
            messages.clear()
        page.context.close()
    assert not violations, "\n".join(violations)
    # the dashboards did draw (ECharts ran under the policy)
    page, _ = page_as(browser, live_server, world["users"]["leader"])
    page.goto("/insight/")
    page.wait_for_selector("[data-chart][data-rendered='1']")
    page.context.close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_script_without_the_nonce_is_blocked_and_seen(browser, live_server):
    page, _messages = page_as(browser, live_server, None)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    page.context.close()
