"""XSS payloads in every text a user can write render as text (issue 7 §5).

A visitor submits an appeal through the real form with a payload in every text field; then every free-text field
of every object of the access tests' world (appeals, topics, opinions, organisations, activities, enterprises,
cases, hot spots, tasks…) is overwritten with payloads, and a real browser opens every main page as the roles that
use them. No payload may run: no dialog opens, no marker is set by an event handler, no element the payloads
would create exists, and the pages that show an object show the payload's literal text.

The pages are those of the CSP test; the Content-Security-Policy is switched off here, so that it is the
templates' escaping, not the policy, that is proven.
"""

import importlib.util
from pathlib import Path

import pytest
from django.db import models

from gongzhi.appeals.models import Appeal

_here = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("csp_pages", _here / "test_security_csp.py")
_csp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_csp)
world = _csp.world  # the access tests' world, as a fixture of this module
PAGES, concrete, page_as = _csp.PAGES, _csp.concrete, _csp.page_as

PAYLOADS = [
    '<img src=x data-xss onerror="window.__xss=1">',
    '"><script data-xss>window.__xss=1</script>',
    "<a data-xss href=\"javascript:window.__xss=1\">点我</a>{{ 7|add:1 }}{% now 'Y' %}",
]
# Fields that are identifiers, codes or formats a page needs intact (they have their own validation).
NOT_FREE_TEXT = (
    "number",
    "code",
    "uscc",
    "username",
    "password",
    "phone",
    "id_number",
    "hash",
    "email",
    "url",
    "path",
    "key",
    "token",
    "slug",
    "secret",
    "file",
    "signed_by",
    "case_number",
)
CREATED = "document.querySelectorAll('[data-xss]').length"


def free_text_fields(model):
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.choices or field.unique:
            continue
        if any(part in field.name for part in NOT_FREE_TEXT):
            continue
        if isinstance(field, models.CharField) and (field.max_length or 0) < 60:
            continue
        yield field


def inject(world) -> list[str]:
    """Writes a payload into every free-text field of the world's objects; returns what was written."""
    written = []
    for obj in world.values():
        if not isinstance(obj, models.Model):
            continue
        values = {}
        for i, field in enumerate(free_text_fields(type(obj))):
            value = PAYLOADS[i % len(PAYLOADS)] + f"#{field.name}"
            values[field.name] = value[: field.max_length] if field.max_length else value
        if values:
            # update(), not save(): the stored text is what a form would have stored, without re-running services
            type(obj)._default_manager.filter(pk=obj.pk).update(**values)
            written += values.values()
    return written


@pytest.fixture
def no_csp(settings):
    settings.SECURE_CSP = {}


def watch(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return dialogs


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_visitor_s_payloads_render_as_text(browser, live_server, county, users, no_csp):
    page, _ = page_as(browser, live_server, None)
    dialogs = watch(page)
    page.goto("/appeals/new/")
    page.fill("#id_title", PAYLOADS[0][:60])
    page.fill("#id_content", " ".join(PAYLOADS))
    page.select_option("#id_region", str(county["community"].pk))
    page.fill("#id_address", PAYLOADS[1][:100])
    page.fill("#id_appellant_name", PAYLOADS[2][:30])
    page.fill("#id_appellant_phone", "13655556666")
    page.click("button:has-text('提交诉求')")
    page.wait_for_selector("#appeal-number")
    appeal = Appeal.objects.get(number=page.inner_text("#appeal-number").strip())
    assert appeal.content == " ".join(PAYLOADS)  # stored as typed, escaped only when shown
    page.context.close()

    staff, _ = page_as(browser, live_server, users["leader"])
    dialogs += watch(staff)
    for path in ("/appeals/", f"/appeals/{appeal.pk}/"):
        staff.goto(path)
        staff.wait_for_load_state("networkidle")
        assert staff.evaluate(CREATED) == 0, path
        assert staff.evaluate("window.__xss") is None, path
    assert PAYLOADS[1] in staff.inner_text("main")  # the content, shown as its literal text
    staff.context.close()
    assert not dialogs


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stored_payloads_in_every_text_field_render_as_text(browser, live_server, world, no_csp):
    written = inject(world)
    assert len(written) >= 20, written  # the world's objects do carry free text
    problems, shown = [], 0
    for role, paths in PAGES.items():
        if role is None:
            continue
        page, _ = page_as(browser, live_server, world["users"][role])
        dialogs = watch(page)
        for path in paths:
            response = page.goto(concrete(path, world))
            assert response.status == 200, (role, path, response.status)
            page.wait_for_load_state("networkidle")
            if page.evaluate(CREATED) or page.evaluate("window.__xss") is not None:
                problems.append(f"{role} {path}: a payload became markup")
            text = page.inner_text("body")
            shown += sum(1 for payload in PAYLOADS if payload in text)
        problems += [f"{role}: dialog {m}" for m in dialogs]
        page.context.close()
    assert not problems, "\n".join(problems)
    assert shown >= 10  # the payloads were on the pages, as text


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chart_tooltip_shows_a_name_as_text(browser, live_server, county, no_csp):
    """The red-resource map's tooltip formatter returned the name as HTML; only the CSP stopped <img onerror>. The map
    is Leaflet's now (issue J): its popup must show the name as text too."""
    from gongzhi.community.models import RedResource

    RedResource.objects.create(
        name=PAYLOADS[0][:100],
        kind="memorial",
        region=county["community"],
        address="烈士路1号",
        description="纪念",
        longitude="112.9",
        latitude="28.2",
    )
    page, _ = page_as(browser, live_server, None)
    dialogs = watch(page)
    page.goto("/community/red-resources/")
    page.wait_for_function("() => document.querySelector('#red-map').dataset.pins > 0")
    page.click("#red-map .gz-pin")  # the Leaflet map's popup (it was an ECharts tooltip)
    tooltip = page.inner_text("#red-map .leaflet-popup-content")
    assert "<img" in tooltip  # the name, as its literal text
    assert page.evaluate(CREATED) == 0 and page.evaluate("window.__xss") is None and not dialogs
    page.context.close()
