"""What a newcomer meets on `make run`: one list of demo accounts everywhere, the banner while the demo loads in the
background, a favicon, the login codes on the console (masked), diagnostics in the log file and not on the console."""

import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from gongzhi.core import demo_state
from gongzhi.core.notifications import ConsoleSmsGateway
from gongzhi.demo.loader import DEMO_ACCOUNTS

README = Path(settings.PROJECT_DIR) / "README.md"


def test_readme_lists_exactly_the_demo_accounts():
    text = README.read_text(encoding="utf-8")
    table = text[text.index("| log in as | role |") :].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \|", table, re.M)
    assert [(login, role.strip()) for login, role in rows] == [
        (login, role) for login, role, _ in DEMO_ACCOUNTS
    ]


def test_demo_accounts_command_prints_the_list(capsys):
    call_command("demo_accounts")
    out = capsys.readouterr().out
    assert settings.GONGZHI["DEMO_PASSWORD"] in out
    for login, role, what in DEMO_ACCOUNTS:
        assert re.search(rf"{re.escape(login)}\s+{role}：{re.escape(what)}", out), login
    # every role that has pages is among them (the enterprise contact logs in by phone: no role of its own)
    assert {"credit1", "staff1", "partymember1", "leader1"} <= {login for login, _r, _w in DEMO_ACCOUNTS}


@pytest.fixture
def state_file(tmp_path, settings):
    settings.GONGZHI = {**settings.GONGZHI, "DEMO_STATE_FILE": str(tmp_path / "demo.json")}
    yield tmp_path / "demo.json"


@pytest.mark.django_db
def test_every_page_says_how_far_the_demo_has_loaded(client, state_file):
    assert "演示数据正在后台加载" not in client.get("/").content.decode()
    demo_state.report(phase="诉求办理过程", percent=42, detail="，已回放到 10月14日")
    page = client.get("/appeals/track/").content.decode()
    assert "演示数据正在后台加载（已完成 42%，已回放到 10月14日），可以先登录看看" in page
    demo_state.finished()
    assert not state_file.exists()
    assert "演示数据正在后台加载" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_stale_state_left_by_a_dead_loader_shows_no_banner(client, state_file):
    import os
    import time

    demo_state.report(phase="诉求办理过程", percent=10)
    old = time.time() - demo_state.STALE_SECONDS - 5
    os.utime(state_file, (old, old))
    assert demo_state.current() is None
    assert "演示数据正在后台加载" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_favicon(client):
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert (Path(settings.BASE_DIR) / "static" / "favicon.svg").read_text().startswith("<svg")


def test_console_sms_shows_the_code_with_the_number_masked(caplog):
    with caplog.at_level(logging.INFO, logger="gongzhi.sms"):
        ConsoleSmsGateway().send_sms("13800000001", "【共治】登录验证码：您的验证码是 123456，5分钟内有效。")
        ConsoleSmsGateway().send_sms("13800000002", "【共治】请评价办理结果：您的诉求已答复。")
    code = next(r for r in caplog.records if r.name == "gongzhi.sms.codes")
    assert code.getMessage() == "【短信 → 138****0001】【共治】登录验证码：您的验证码是 123456，5分钟内有效。"
    other = next(r for r in caplog.records if r.name == "gongzhi.sms")  # to the log, not the console
    assert other.getMessage().startswith("【短信 → 138****0002】")


def test_development_logging_keeps_diagnostics_off_the_console():
    """In development (the settings' default) the console handler lets only errors through; the diagnostics go to
    the log file, and the SMS gateway's console always shows (there is no phone)."""
    config = settings.LOGGING
    if "file" not in config["handlers"]:
        pytest.skip("GONGZHI_LOG_FILE is off in this environment")
    assert config["handlers"]["console"]["level"] == "ERROR"
    assert config["loggers"]["gongzhi"]["handlers"] == ["console", "file"]
    assert config["loggers"]["gongzhi.sms.codes"]["handlers"] == ["sms_console"]
    assert "gongzhi.sms" not in config["loggers"]  # the other messages: the "gongzhi" handlers (the file)


@pytest.mark.django_db
def test_the_replay_marks_only_its_own_history_delivered(settings):
    """make run serves while the replay runs: a login code the web server wrote meanwhile must stay pending for
    the worker, while the replay's past notices are recorded as delivered."""
    from datetime import timedelta

    from django.utils import timezone

    from gongzhi.core.choices import NotificationChannel, NotificationStatus
    from gongzhi.core.models import Notification
    from gongzhi.demo.loader import Replay, load_structure

    regions, units, people = load_structure()
    end = timezone.now()
    earlier = Notification.objects.create(
        subject="旧", body="b", phone="13800000001", channel=NotificationChannel.SMS
    )
    replay = Replay([], people, units, regions, end=end, days=30)
    past = Notification.objects.create(
        subject="过去",
        body="b",
        phone="13800000001",
        channel=NotificationChannel.SMS,
        created_at=end - timedelta(days=3),
    )
    code = Notification.objects.create(
        subject="登录验证码",
        body="123456",
        phone="13800000002",
        channel=NotificationChannel.SMS,
        created_at=end + timedelta(seconds=5),
    )
    replay.mark_history_delivered()
    status = dict(Notification.objects.values_list("pk", "status"))
    assert status[past.pk] == NotificationStatus.SENT
    assert status[code.pk] == NotificationStatus.PENDING
    assert status[earlier.pk] == NotificationStatus.PENDING  # not the replay's
