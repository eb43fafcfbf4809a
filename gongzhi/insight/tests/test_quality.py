"""Reply quality in the loop (issue L part 3): scored when written, the nudge, the staff's view, the rates page,
the monthly report and the API."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from gongzhi.appeals import services
from gongzhi.appeals.tests.test_workflow import at
from gongzhi.insight import quality, replies
from gongzhi.insight.models import ReplyScore

TZ = ZoneInfo("Asia/Shanghai")
TEMPLATE_ONLY = "您好！您的留言已收悉。感谢您对我们工作的关心和支持！"
GOOD = (
    "经现场核查，幸福小区3栋门口路灯因电缆老化损坏。根据《城市照明管理办法》第十二条规定，小区内路灯由物业负责维护。"
    "我局已督促物业公司于3月5日更换电缆，路灯已恢复照明，晚上出行不再受影响。如仍有问题，请联系电话0731-84000000。"
)
DETAIL = "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。"


def test_reasons_in_words_follow_the_rules():
    template = replies.assess(DETAIL, TEMPLATE_ONLY, "2026-03-01 09:00", "2026-03-02 09:00", "小区路灯坏了")
    assert template["level"] == "较差"
    assert template["reasons"][:2] == ["只有模板语", "未说明依据"]
    assert any(r.startswith("未回应诉求中的「") and "路灯" in r for r in template["reasons"])
    good = replies.assess(DETAIL, GOOD, "2026-03-01 09:00", "2026-03-03 09:00", "小区路灯坏了")
    assert good["level"] == "好" and good["reasons"] == []
    late = replies.assess(DETAIL, GOOD, "2026-03-01 09:00", "2026-03-21 10:00", "小区路灯坏了")
    assert late["reasons"] == ["答复超过 20 天"] and late["timeliness"] < 1
    vague = replies.assess(
        DETAIL,
        "我们已经安排人员处理了这个问题，请耐心等待后续结果。",
        "2026-03-01",
        "2026-03-02",
        "小区路灯坏了",
    )
    assert "未说明依据" in vague["reasons"] and "未告知咨询或联系方式" in vague["reasons"]
    assert "只有模板语" not in vague["reasons"] and "未说明办理结果或措施" not in vague["reasons"]
    assert replies.assess(DETAIL, "", None, None)["reasons"][0] == "答复内容为空"
    # The score itself (the score_replies contract) is unchanged by the reasons.
    assert {k: good[k] for k in quality.PARTS} == replies.score(
        DETAIL, GOOD, "2026-03-01 09:00", "2026-03-03 09:00", "小区路灯坏了"
    )


def _replied(users, units, make_appeal, text, when=datetime(2026, 3, 3, 9, tzinfo=TZ)):
    with at(datetime(2026, 3, 2, 9, tzinfo=TZ)):
        appeal = make_appeal(content=DETAIL)
    with at(datetime(2026, 3, 2, 10, tzinfo=TZ)):
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
        services.sign(users["handler"], appeal.pk)
        services.record_contact(users["handler"], appeal.pk)
    with at(when):
        services.reply(users["handler"], appeal.pk, text=text)
    return appeal


def test_every_reply_is_scored_when_written(users, units, make_appeal):
    appeal = _replied(users, units, make_appeal, TEMPLATE_ONLY + "已处理。")
    row = ReplyScore.objects.get(appeal=appeal)
    assert row.event.action == "reply" and row.unit == units["housing"]
    assert row.level == "较差" and row.template_only and "未说明依据" in row.reasons
    assert row.replied_at == datetime(2026, 3, 3, 9, tzinfo=TZ)
    # answer_directly (the hotline's own answer) too.
    direct = make_appeal(kind="consultation", content=DETAIL)
    services.answer_directly(users["operator"], direct.pk, text=GOOD)
    assert ReplyScore.objects.get(appeal=direct).event.action == "answer_directly"
    assert ReplyScore.objects.count() == 2


def test_staff_read_the_score_with_the_reply_the_appellant_does_not(users, units, make_appeal):
    appeal = _replied(users, units, make_appeal, TEMPLATE_ONLY + "已处理。")
    for who in ("supervisor", "operator"):
        client = Client()
        client.force_login(users[who])
        page = client.get(f"/appeals/{appeal.pk}/").content.decode()
        assert 'id="reply-score"' in page and "答复质量：较差" in page and "只有模板语" in page, who
        data = client.get(f"/api/v1/appeals/{appeal.pk}/").json()
        assert data["reply_quality"]["level"] == "较差" and "未说明依据" in data["reply_quality"]["reasons"]
    resident = Client()
    resident.force_login(users["resident"])
    page = resident.get(f"/appeals/{appeal.pk}/").content.decode()
    assert "答复质量" not in page and "已处理" in page
    assert resident.get(f"/api/v1/appeals/{appeal.pk}/").json()["reply_quality"] is None


def test_the_nudge_previews_without_blocking(users, units, make_appeal):
    appeal = make_appeal(content=DETAIL)
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    client = Client()
    client.force_login(users["handler"])
    page = client.get(f"/appeals/{appeal.pk}/").content.decode()
    assert 'id="quality-reply"' in page and f"/appeals/{appeal.pk}/reply-quality/" in page
    nudge = client.post(
        f"/appeals/{appeal.pk}/reply-quality/",
        {"action": "reply", "reply-text": TEMPLATE_ONLY},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "答复质量：较差" in nudge and "只有模板语" in nudge and "可以照常提交" in nudge
    assert (
        "答复质量：好"
        in client.post(
            f"/appeals/{appeal.pk}/reply-quality/", {"action": "reply", "reply-text": GOOD}
        ).content.decode()
    )
    # The API preview says the same; a resident may not preview, nor another unit's handler.
    api = client.post(
        f"/api/v1/appeals/{appeal.pk}/reply-quality/",
        {"text": TEMPLATE_ONLY},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["level"] == "较差"
    resident = Client()
    resident.force_login(users["resident"])
    assert (
        resident.post(
            f"/appeals/{appeal.pk}/reply-quality/", {"action": "reply", "reply-text": GOOD}
        ).status_code
        == 404
    )
    assert (
        resident.post(
            f"/api/v1/appeals/{appeal.pk}/reply-quality/", {"text": GOOD}, content_type="application/json"
        ).status_code
        == 403
    )
    other = Client()
    other.force_login(users["handler_other"])
    assert (
        other.post(
            f"/appeals/{appeal.pk}/reply-quality/", {"action": "reply", "reply-text": GOOD}
        ).status_code
        == 404
    )
    # Sending the poor reply anyway works: a nudge, never a block.
    response = client.post(
        f"/appeals/{appeal.pk}/act/reply/", {"reply-text": TEMPLATE_ONLY + "已处理。"}, follow=True
    )
    assert response.redirect_chain[0][1] == 302
    page = response.content.decode()
    assert "已完成「办结答复」" in page and "答复质量：较差 — 只有模板语" in page  # said after sending too
    assert ReplyScore.objects.get(appeal=appeal).level == "较差"


def test_per_unit_per_month_on_the_rates_page_and_in_the_monthly_report(users, units, make_appeal):
    from openpyxl import load_workbook

    _replied(users, units, make_appeal, TEMPLATE_ONLY + "已处理。")
    _replied(users, units, make_appeal, GOOD)
    _replied(users, units, make_appeal, GOOD, when=datetime(2026, 4, 2, 9, tzinfo=TZ))
    rows = quality.by_unit_month()
    assert [(r["month"], r["unit"], r["replies"], r["poor"], r["template_only"]) for r in rows] == [
        ("2026-03", "县住建局", 2, 1, 1),
        ("2026-04", "县住建局", 1, 0, 0),
    ]
    march = rows[0]
    scores = list(ReplyScore.objects.filter(replied_at__month=3).values_list("overall", flat=True))
    assert march["overall"] == pytest.approx(sum(scores) / 2, abs=1e-3)
    client = Client()
    client.force_login(users["supervisor"])
    page = client.get("/appeals/rates/?period=2026-03").content.decode()
    assert 'id="reply-quality-table"' in page and "县住建局" in page.split('id="reply-quality"')[1]
    data = client.get("/appeals/rates/export.xlsx?period=2026-03").content
    sheet = load_workbook(io.BytesIO(data))["答复质量"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("月份", "答复单位", "答复件数", "平均总分") and values[1][:3] == (
        "2026-03",
        "县住建局",
        2,
    )
    pdf = client.get("/appeals/rates/export.pdf?period=2026-03")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # A handler of another unit reads only their own unit's row (none this month).
    assert quality.month_rows(users["handler_other"], "2026-03") == []
    assert len(quality.month_rows(users["handler"], "2026-03")) == 1


def test_backfill_scores_the_replies_written_before(users, units, make_appeal):
    from django.core.management import call_command

    appeal = _replied(users, units, make_appeal, GOOD)
    ReplyScore.objects.all().delete()
    out = io.StringIO()
    call_command("backfill_reply_scores", stdout=out)
    assert "1" in out.getvalue()
    row = ReplyScore.objects.get(appeal=appeal)
    assert row.level == "好" and row.replied_at == row.event.created_at
    assert quality.backfill() == 0  # idempotent


def test_reasons_never_name_the_appellant(users, units, make_appeal):
    appeal = make_appeal(
        title="张建国反映路灯坏了", content="我叫张建国，电话13812345678，幸福小区3栋门口的路灯坏了两周了。"
    )
    result = quality.assess_reply(appeal, TEMPLATE_ONLY)
    text = "".join(result["reasons"])
    assert "未回应诉求中的" in text and "张建国" not in text and "13812345678" not in text
