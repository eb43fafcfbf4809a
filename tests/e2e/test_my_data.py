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


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_resident_unbinds_wechat_from_my_data(new_context, shot, users, login, elder):
    from gongzhi.wechat.models import Binding

    resident = users["resident"]
    Binding.objects.create(openid="oOPENID-e2e", user=resident, nickname="老李")
    page = login(new_context("mobile"), resident.username)
    if elder:
        page.click("#elder-toggle")
    page.goto("/accounts/me/data/")
    page.locator("#download li", has_text="微信绑定").get_by_role("link", name="管理").click()
    page.wait_for_url("**/wechat/binding/")
    assert "老李" in page.inner_text("#wechat-binding")
    confirm = page.get_by_role("button", name="确认解除绑定")
    assert not confirm.is_visible()  # one tap does not unbind: the summary opens the consequences first
    page.click("#unbind summary")
    assert "办理进展改用短信通知" in page.inner_text("#unbind")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"resident-wechat-unbind-{'elder' if elder else 'normal'}")
    confirm.click()
    assert "已解除微信绑定" in page.inner_text(".messages")
    assert "您的账号没有绑定微信" in page.inner_text("#wechat-binding")
    assert not Binding.objects.filter(user=resident).exists()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
