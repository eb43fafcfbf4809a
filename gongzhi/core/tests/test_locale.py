"""The project's zh_Hans catalogue covers the strings Chinese users would otherwise read in English."""

import pytest
from django.utils import translation

from gongzhi.core.choices import RegionLevel
from gongzhi.core.models import Region


@pytest.mark.django_db
def test_a_choice_field_reads_please_choose_in_chinese():
    # Django 6.1's blank choice "- Select an option -" is newer than Django's own zh_Hans catalogue.
    from gongzhi.deliberation.forms import TopicForm

    Region.objects.create(name="幸福社区", level=RegionLevel.COMMUNITY, code="C1")
    with translation.override("zh-hans"):
        html = str(TopicForm()["region"])
    assert "- 请选择 -" in html and "Select an option" not in html


def test_the_task_admin_reads_in_chinese():
    from django_tasks_db.models import DBTaskResult

    with translation.override("zh-hans"):
        assert str(DBTaskResult._meta.verbose_name_plural) == "任务结果"


@pytest.mark.django_db
def test_the_admin_header_names_the_platform(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "共治 管理后台" in page and "Django 管理" not in page


@pytest.mark.django_db
def test_the_admin_names_third_party_sections_in_chinese(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "后台任务" in page and "登录失败与锁定" in page
    assert "Tasks Database Backend" not in page and ">Axes<" not in page
