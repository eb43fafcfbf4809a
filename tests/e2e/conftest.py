"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the tests' ORM calls beside it are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
GUIDE_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "guide" / "img"
MOBILE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        # CI must run the browser tests; elsewhere a missing browser is a skip with the way to fix it.
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium fonts-wqy-microhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, live_server):
    contexts = []

    def make(kind: str = "desktop"):
        options = MOBILE if kind == "mobile" else DESKTOP
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(tmp_path):
    """Screenshot a page. With GONGZHI_GUIDE_SCREENSHOTS=1 they refresh the user guides' docs/guide/img/<name>.png;
    otherwise they go to the test's temporary folder, so a test run leaves the tree clean."""
    folder = GUIDE_IMAGES if os.environ.get("GONGZHI_GUIDE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, full_page: bool = True):
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)

    return save


@pytest.fixture(autouse=True)
def e2e_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def login():
    """Sign in through the login page (password of gongzhi.core.testing.make_user) and return the page."""
    from gongzhi.core.testing import PASSWORD

    def sign_in(context, username: str, password: str = PASSWORD):
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/")
        return page

    return sign_in


@pytest.fixture
def latest_code():
    """The one-time login code last sent to a phone (the development SMS backend stores it as a Notification)."""
    import re

    from gongzhi.core.models import Notification

    def read(phone: str) -> str:
        body = Notification.objects.filter(phone=phone, subject="登录验证码").order_by("-id").first().body
        return re.search(r"\d{6}", body).group(0)

    return read


@pytest.fixture
def tap_map():
    """tap_map(page, "#place-map", lon, lat): tap a Leaflet map (gongzhi's map.js) where a WGS-84 point is."""

    def tap(page, map_selector: str, lon: float, lat: float):
        """Tap the map where the WGS-84 point is (Leaflet's own projection finds the pixel)."""
        page.wait_for_function(f"() => document.querySelector('{map_selector}').dataset.boundaries > 0")
        page.locator(map_selector).scroll_into_view_if_needed()
        x, y = page.evaluate(
            """([sel, lon, lat]) => { const map = document.querySelector(sel).gongzhiMap;
                 const p = map.latLngToContainerPoint([lat, lon]); const r = map.getContainer().getBoundingClientRect();
                 return [r.left + p.x, r.top + p.y]; }""",
            [map_selector, lon, lat],
        )
        page.mouse.click(x, y)

    return tap
