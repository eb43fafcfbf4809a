"""Every event written on an appeal's trail has a label people read (core.event_labels): appeals' own and those
other apps write there (insight's 附议, deliberation's topic steps, a linked call). Found by reading the code: every
call of appeals' `record_event` with a literal action, and deliberation's topic steps."""

import ast
from pathlib import Path

import gongzhi
from gongzhi.appeals.workflow import event_label
from gongzhi.deliberation.services import TOPIC_STEPS

ROOT = Path(gongzhi.__file__).parent
# the modules that write on an appeal's trail with appeals.services.record_event (credit has a record_event of its own)
WRITERS = ["appeals", "insight", "calls", "wechat", "deliberation", "community", "core/sms"]
CALLEES = {"record_event", "record_appeal_event"}


def _literal_actions() -> dict[str, str]:
    found = {}
    for folder in WRITERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if (
                    name in CALLEES
                    and len(node.args) >= 3
                    and isinstance(node.args[2], ast.Constant)
                    and isinstance(node.args[2].value, str)
                ):
                    found[node.args[2].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_event_on_an_appeals_trail_has_a_label():
    actions = _literal_actions()
    assert "cosign" in actions and len(actions) >= 20  # the scan finds the calls it is meant to
    missing = {a: where for a, where in actions.items() if event_label(a) == a}
    missing |= {a: "deliberation.services.TOPIC_STEPS" for a in TOPIC_STEPS if event_label(a) == a}
    assert not missing, f"events without a label (register one with core.event_labels): {missing}"


def test_insights_cosign_reads_in_words():
    assert event_label("cosign") == "居民附议"
    assert event_label("link_call") == "关联来电录音"
