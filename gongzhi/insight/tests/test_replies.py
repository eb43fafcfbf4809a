import csv
import math

from django.core.management import call_command

from gongzhi.insight import replies

from .conftest import write_csv

DETAIL = "A3区幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，请尽快修复。"
GOOD = (
    "网友“UU001”您好！您的留言已收悉，现将有关情况回复如下：经现场核查，幸福小区3栋门口路灯因电缆老化损坏。"
    "根据《A市城市照明管理办法》第十二条规定，小区内路灯由物业负责维护。我局已督促物业公司于3月5日更换电缆，"
    "路灯已恢复照明。如仍有问题，请联系电话0731-0000-0000。感谢您对我们工作的支持！2019年3月6日"
)
TEMPLATE = "网友“UU001”您好！您的留言已收悉。感谢您对我们工作的关心和支持！2019年3月6日"


def test_substance_drops_the_template():
    assert replies.substance(TEMPLATE) == ""
    body = replies.substance(GOOD)
    assert body.startswith("经现场核查") and "您好" not in body and "2019年" not in body


def test_scores_favour_substance_over_greeting():
    good = replies.score(DETAIL, GOOD, "2019-03-01 10:00:00", "2019-03-06 10:00:00")
    empty = replies.score(DETAIL, TEMPLATE, "2019-03-01 10:00:00", "2019-03-06 10:00:00")
    for key in ("relevance", "completeness", "explainability", "overall"):
        assert 0 <= empty[key] < good[key] <= 1, key
    assert empty["relevance"] == empty["completeness"] == empty["explainability"] == 0
    assert good["timeliness"] == empty["timeliness"] == 1.0


def test_timeliness_falls_with_delay():
    assert replies.timeliness("2019-01-01", "2019-01-03") == 1.0
    assert 0 < replies.timeliness("2019-01-01", "2019-02-01") < 1
    assert replies.timeliness("2019-01-01", "2019-06-01") == 0.0
    assert replies.timeliness("", "2019-06-01") == 0.5


def test_auc():
    assert replies.auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert replies.auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert math.isnan(replies.auc([1, 1], [0.1, 0.2]))


def test_command_writes_the_contract_columns(tmp_path):
    path = write_csv(
        tmp_path / "in.csv",
        [
            {
                "id": "7",
                "detail": DETAIL,
                "reply": GOOD,
                "time": "2019-03-01 10:00:00",
                "reply_time": "2019-03-06 10:00:00",
            },
            {
                "id": "8",
                "detail": DETAIL,
                "reply": TEMPLATE,
                "time": "2019-03-01",
                "reply_time": "2019-05-06",
            },
        ],
        ["id", "detail", "reply", "time", "reply_time"],
    )
    out = tmp_path / "out.csv"
    call_command("score_replies", input=str(path), out=str(out))
    with open(out, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "relevance", "completeness", "explainability", "timeliness", "overall"]
    assert [r["id"] for r in rows] == ["7", "8"]
    assert float(rows[0]["overall"]) > float(rows[1]["overall"])
