"""No page scrolls sideways on a 390 px phone, whatever the data (issue H, item 2).

A long unbroken title or a pasted URL made 我的诉求 1,676 px and an appeal's page 2,750 px wide. One browser signs in
as every role that has pages (the access table's roles, an enterprise's contact included), loads every page that role
may open (the access table's GET pages, the forms reachable from the menus), with the objects the pages show (an
appeal, a topic, a meeting, an activity, an organisation, a red resource, an enterprise, a case, a penalty, a task)
holding a 200-character word and a long URL, and checks `scrollWidth <= innerWidth` on each; the failure names every
offending page and the elements that stick out. Residents' and visitors' pages are checked again in 大字模式.
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from gongzhi.appeals.models import Appeal

sys.path.insert(0, str(Path(__file__).parents[1] / "security"))
from access_table import GET, ROLES

sys.path.pop(0)

_spec = importlib.util.spec_from_file_location(
    "security_world", Path(__file__).parents[1] / "security" / "conftest.py"
)
_world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_world)
world = _world.world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE_WIDTH = 390
WORD = "W" * 200
URL = "https://example.org/" + "very-long-path/" * 12 + "?q=" + "x" * 60
LONG = f"{WORD} {URL} 路灯坏了{WORD}"
# Pages a role reaches from its menus that the access table does not list (forms to create things); a role that
# may not open one gets a refusal, which is skipped.
EXTRA = [
    "/accounts/login/",
    "/accounts/phone/",
    "/accounts/register-resident/",
    "/deliberation/registers/new/",
    "/community/organizations/new/",
    "/community/activities/new/",
    "/community/red-resources/new/",
]
SKIP = re.compile(r"^/api/|\.(csv|xlsx|svg|pdf)$")
# The elements whose right edge passes the viewport, deepest first, for the report.
OFFENDERS = """() => {
  const w = Math.min(window.innerWidth, 390), out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && r.width > 0 && ![...el.children].some(c => c.getBoundingClientRect().right > w + 1)) {
      let sel = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      for (let p = el.parentElement; p && p !== document.body && sel.length < 120; p = p.parentElement) {
        sel = p.tagName.toLowerCase() + (p.className && typeof p.className === 'string' && p.className.trim()
          ? '.' + p.className.trim().split(/\\s+/)[0] : '') + ' > ' + sel;
      }
      out.push(sel + ' (' + Math.round(r.right) + 'px)');
      if (out.length >= 3) break;
    }
  }
  return out;
}"""


def stretch(obj, *fields):
    """Fill text fields of one object with a long unbroken word and a URL, as long as each column allows."""
    if obj is None:
        return
    values = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = LONG[: field.max_length] if field.max_length else LONG
    type(obj).objects.filter(pk=obj.pk).update(**values)


def long_world(w):
    stretch(w["appeal"], "title", "content", "address", "reply_text", "keywords")
    Appeal.objects.filter(pk=w["appeal"].pk).update(close_note=LONG)
    stretch(w["topic"], "title", "description")
    stretch(w["opinion"], "body")
    stretch(w["meeting"], "title", "agenda", "location")
    stretch(w["activity"], "title", "description", "location")
    stretch(w["org"], "name", "description")
    stretch(w["red"], "name", "address", "description")
    stretch(w["enterprise"], "name", "address")
    stretch(w["case"], "obligation", "creditor", "basis_document")
    stretch(w["penalty"], "facts", "authority")
    stretch(w["task"], "title")
    stretch(w["dtask"], "title")
    stretch(w["hotspot"], "label", "place")


def concrete(path, w):
    def pk(match):
        name = match.group(1)
        return str(w["appeal"].region.parent.parent.pk if name == "street" else w[name].pk)

    return re.sub(r"\{(\w+)\}", pk, path)


def pages_of(role):
    listed = [path for path, allowed in GET.items() if role in allowed and not SKIP.search(path)]
    return [(path, True) for path in listed] + [(path, False) for path in EXTRA if path not in listed]


def context_as(new_context, live_server, user, elder=False):
    context = new_context("mobile")  # 390 × 844, a phone's user agent and touch (conftest.MOBILE)
    cookies = [{"name": "gz_elder", "value": "1" if elder else "0", "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url})
    context.add_cookies(cookies)
    if elder:
        context.add_init_script("try { localStorage.setItem('gz_elder', '1'); } catch (e) {}")
    return context


def test_no_page_scrolls_sideways_at_390_px(new_context, live_server, world):
    long_world(world)
    users = {**world["users"], "anon": None}
    wide, seen = [], 0
    runs = [(role, False) for role in ROLES] + [("resident", True), ("anon", True)]
    for role, elder in runs:
        page = context_as(new_context, live_server, users[role], elder).new_page()
        for path, listed in pages_of(role):
            url = concrete(path, world)
            try:
                response = page.goto(url)
            except PlaywrightError:  # an error status without a body (a form that only takes POST)
                assert not listed, (role, url)
                continue
            if response.status != 200:
                assert not listed, (role, url, response.status)  # the access table says this role may open it
                continue
            page.wait_for_load_state("load")
            seen += 1
            width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            # A phone's browser zooms out to fit a page that is too wide (innerWidth then grows with it): the page
            # must fit the 390 px it was given, too.
            if width > min(inner, PHONE_WIDTH):
                mode = " 大字模式" if elder else ""
                wide.append(
                    f"{role}{mode} {url}: {width}px > {PHONE_WIDTH}px; {'; '.join(page.evaluate(OFFENDERS))}"
                )
        page.close()
    assert seen > 100, seen
    assert not wide, "pages wider than a 390 px phone:\n" + "\n".join(wide)
