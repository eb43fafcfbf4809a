"""Every action written on core's audit trail has a Chinese label the admin's 审计日志 shows (core.admin's
AUDIT_ACTION_LABELS, which each app extends with register_audit_labels in its ready()). Found by reading the code:
every call of `append_audit_event` with a literal action, in every app."""

import ast
from pathlib import Path

import gongzhi
from gongzhi.core.admin import AUDIT_ACTION_LABELS

ROOT = Path(gongzhi.__file__).parent


def literal_actions(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if (
                name == "append_audit_event"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                found.setdefault(node.args[1].value, f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_every_audited_action_has_a_label():
    actions = literal_actions(ROOT)
    assert {"close_account", "wechat_unbind", "create_enterprise"} <= set(
        actions
    )  # the scan finds what it should
    missing = {action: where for action, where in actions.items() if action not in AUDIT_ACTION_LABELS}
    assert not missing, (
        f"audit actions without a label (register_audit_labels in the app's ready()): {missing}"
    )


def test_the_scan_names_an_unlabelled_action(tmp_path):
    (tmp_path / "x.py").write_text(
        'append_audit_event(user, "brand_new_action", target="user:1")\n', encoding="utf-8"
    )
    assert literal_actions(tmp_path) == {"brand_new_action": "x.py:1"}
    assert "brand_new_action" not in AUDIT_ACTION_LABELS
