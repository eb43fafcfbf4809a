"""A resident's own data on a phone (issue K item 6): the page lists what the platform holds, downloads it, and
closes the account after a typed confirmation; the rules are one tap away. Screenshots illustrate
docs/guide/resident.md."""

import pytest

from gongzhi.core.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_resident_downloads_their_data_and_closes_the_account(new_context, shot, users, make_appeal, login):
    resident = users["resident"]
    make_appeal(resident)
    page = login(new_context("mobile"), resident.username)
    page.goto("/accounts/me/")
    page.click("text=我的数据：下载或注销账号")
    page.wait_for_url("**/accounts/me/data/")
    assert "我的诉求：1 条" in page.inner_text("#download")
    with page.expect_download() as download:
        page.click("text=下载（Excel）")
    assert download.value.suggested_filename == "my-data.xlsx"
    shot(page, "resident-my-data")
    page.fill("[name=confirm]", "注销")
    page.click("button:has-text('确认注销')")
    page.wait_for_url("**/")
    assert "您的账号已注销" in page.inner_text(".messages")
    assert not User.objects.get(pk=resident.pk).is_active
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto("/privacy/")
    assert "您的权利" in page.inner_text("#privacy")
    shot(page, "privacy-rules")
