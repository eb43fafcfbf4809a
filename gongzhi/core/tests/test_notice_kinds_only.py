"""Every message to a person or a unit is a notice kind (core.notices): admins edit its text, residents' channel
choices are honoured, and an SMS provider that sends filed templates gets the kind's variables. Only core's
notice machinery writes Notification rows itself; everything else calls `send_notice(kind, …)`."""

import ast
from pathlib import Path

import gongzhi

ROOT = Path(gongzhi.__file__).parent
# notifications.py is the delivery layer; notices/ renders kinds; services.py sends the login code (its own kind,
# kind="login_code", with its own limits).
ALLOWED = {"core/notifications.py", "core/notices/__init__.py", "core/services.py"}


def direct_sends() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in f"/{rel}" or "/migrations/" in rel or rel in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in {"notify", "notify_many"}:
                    found.append(
                        f"gongzhi/{rel}:{node.lineno} calls {name}() — declare a NoticeKind in the app's "
                        "notices.py and call core.notices.send_notice"
                    )
    return found


def test_only_notice_kinds_reach_people():
    assert direct_sends() == []


def test_the_login_code_is_a_kind_too():
    source = (ROOT / "core/services.py").read_text(encoding="utf-8")
    calls = [
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "notify"
    ]
    assert calls and all(any(k.arg == "kind" for k in call.keywords) for call in calls)
