"""core.workflow: the kit every lifecycle is written in, and core.workflow_testing's checks."""

import pytest
from django.utils.translation import gettext_lazy as _

from gongzhi.core.errors import IllegalTransition, PermissionDeniedError
from gongzhi.core.workflow import ActionSpec, Workflow, by_name, offered, t
from gongzhi.core.workflow_testing import missing_specs, state_role_pairs

TABLE = {
    ("open", "close"): t("closed", "clerk"),
    ("open", "note"): t("open", "clerk", "resident"),
    ("closed", "reopen"): t(("open", "closed"), "boss"),
}
LABELS = {"close": _("关闭"), "note": _("备注"), "reopen": _("重开")}
FLOW = Workflow("toy", TABLE, LABELS, illegal=_("当前「%(stage)s」，不能「%(action)s」。"), state_key="stage")


def test_get_and_targets():
    assert FLOW.get("open", "close").target == "closed"
    assert FLOW.get("closed", "reopen").targets == ("open", "closed")
    assert FLOW.get("closed", "close") is None


def test_require_refuses_with_the_apps_words():
    assert FLOW.require("open", "close", {"clerk"}, state_label="办理中").target == "closed"
    with pytest.raises(IllegalTransition) as exc:
        FLOW.require("closed", "close", {"clerk"}, state_label="已关闭")
    assert exc.value.message == "当前「已关闭」，不能「关闭」。" and exc.value.code == "illegal_transition"
    with pytest.raises(PermissionDeniedError) as exc:
        FLOW.require("open", "close", {"resident"}, state_label="办理中")
    assert exc.value.message == "您的角色不能执行「关闭」。"
    with pytest.raises(PermissionDeniedError) as exc:
        FLOW.require("open", "close", frozenset(), state_label="办理中", denied=_("只有%(action)s的人可以。"))
    assert exc.value.message == "只有关闭的人可以。"
    # roles=None checks the table only
    assert FLOW.require("open", "close", None, state_label="办理中").roles == {"clerk"}
    with pytest.raises(IllegalTransition) as exc:
        FLOW.require("open", "reopen", None, state_label="办理中", illegal=_("「%(stage)s」不能重开。"))
    assert exc.value.message == "「办理中」不能重开。"


def test_available_actions_and_states():
    assert FLOW.available("open", {"resident"}) == ["note"]
    assert FLOW.available("open", {"clerk"}) == ["close", "note"]
    assert FLOW.available("open") == ["close", "note"]
    assert FLOW.available("closed", {"clerk"}) == []
    assert FLOW.actions == ("close", "note", "reopen")
    assert FLOW.states == ("open", "closed")
    assert FLOW.roles == {"clerk", "resident", "boss"}


class ToyAction(ActionSpec):
    labels = LABELS


SPECS = (
    ToyAction("note", None, None),
    ToyAction("close", None, None, can=lambda user, obj: obj == "mine"),
    ToyAction("press", None, None, title=_("催办"), in_table=False),
    ToyAction("reopen", None, None),
)


def test_specs_are_offered_in_their_order():
    assert [s.name for s in offered(FLOW, SPECS, None, "mine", "open", {"clerk"})] == [
        "note",
        "close",
        "press",
    ]
    assert [s.name for s in offered(FLOW, SPECS, None, "theirs", "open", {"clerk"})] == ["note", "press"]
    assert by_name(SPECS)["press"].label == "催办" and by_name(SPECS)["close"].label == "关闭"


def test_missing_specs_names_the_missing_piece(monkeypatch):
    assert missing_specs(FLOW, SPECS) == []
    monkeypatch.setitem(TABLE, ("open", "escalate"), t("open", "boss"))
    assert missing_specs(FLOW, SPECS) == [
        "toy: transition (open, escalate) has no action spec in gongzhi/toy/actions.py"
    ]
    problems = missing_specs(
        FLOW, (*SPECS, ToyAction("escalate", None, None), ToyAction("sweep", None, None))
    )
    assert problems == [
        "toy: action 'escalate' has no label in the workflow's labels",
        "toy: action spec 'sweep' in gongzhi/toy/actions.py has no transition in the workflow's table "
        "(or set in_table=False for a right outside the table)",
        "toy: action 'sweep' has no label in the workflow's labels",
    ]


def test_state_role_pairs():
    assert state_role_pairs(FLOW.states, {"a": 1, "b": 2}) == [
        ("open", "a"),
        ("open", "b"),
        ("closed", "a"),
        ("closed", "b"),
    ]
