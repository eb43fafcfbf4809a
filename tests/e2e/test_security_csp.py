"""A real browser loads every main page (ECharts dashboards included) as the roles that use them and sees zero
Content-Security-Policy violations; a control shows an injected script without the nonce is blocked and seen."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

# The world of the access tests (tests/security/conftest.py): real objects of every kind, loaded by path because
# the test folders are not packages.
_spec = importlib.util.spec_from_file_location(
    "security_world", Path(__file__).parents[1] / "security" / "conftest.py"
)
_world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_world)
world = _world.world

# Collected in the page before any of its scripts run (init scripts are not subject to the page's CSP).
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def concrete(url, world):
    def pk(match):
        name = match.group(1)
        return str(world["appeal"].region.parent.parent.pk if name == "street" else world[name].pk)

    return re.sub(r"\{(\w+)\}", pk, url)


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
