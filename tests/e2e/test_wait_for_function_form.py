"""Every `wait_for_function` in the browser tests passes a function, never a bare expression.

Playwright compiles a function once, in the evaluation the DevTools protocol lets past the page's
Content-Security-Policy. A bare expression is run with `eval()` on every later poll, inside the page,
where our `script-src` without 'unsafe-eval' refuses it: the wait then fails only when the page is
slower than the first check, as it did on a loaded CI machine (test_dashboards, stop 26).
"""

import ast
import re
from pathlib import Path

BROWSER_TESTS = Path(__file__).resolve().parent
FUNCTION = re.compile(r"\s*(async\s+)?(function\b|\([^)]*\)\s*=>|\w+\s*=>)")


def _leading_text(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return None


def bare_expressions(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "wait_for_function" or not node.args:
                continue
            text = _leading_text(node.args[0])
            if text is not None and not FUNCTION.match(text):
                found.append(f"{path.relative_to(root)}:{node.lineno}: {text.strip()[:60]}")
    return found


def test_browser_waits_pass_functions_not_expressions():
    assert bare_expressions(BROWSER_TESTS) == [], "write wait_for_function('() => …'), not a bare expression"


def test_the_check_sees_a_bare_expression(tmp_path):
    (tmp_path / "test_x.py").write_text(
        'page.wait_for_function(f"document.title === {x}")\n', encoding="utf-8"
    )
    (tmp_path / "test_y.py").write_text(
        "page.wait_for_function(\"() => document.title === 'a'\")\n", encoding="utf-8"
    )
    (tmp_path / "test_z.py").write_text(
        "page.wait_for_function('(s) => document.querySelector(s)', arg='#a')\n", encoding="utf-8"
    )
    assert bare_expressions(tmp_path) == ["test_x.py:1: document.title ==="]
