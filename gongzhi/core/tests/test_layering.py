"""core is the bottom layer: no module of gongzhi/core (its tests aside) imports a domain app (issue 20).

The apps reach core through its registries instead (core.dashboard, core.personal_data, core.notifications'
channels, core.webhooks, core.refcache); the demo lives in its own app, gongzhi.demo."""

import ast
from pathlib import Path

import pytest

import gongzhi.core

DOMAIN_APPS = ("appeals", "insight", "community", "deliberation", "credit", "demo", "wechat", "calls")
CORE = Path(gongzhi.core.__file__).resolve().parent


def core_modules() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "tests" not in p.relative_to(CORE).parts)


def domain_imports(source: str, package: str) -> list[str]:
    """Every import in `source` (top level or inside a function) that reaches a domain app, as written; `package`
    is the dotted package the module is in (relative imports resolve against it)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [(alias.name, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            written = "." * node.level + (node.module or "")
            # `from gongzhi import appeals` names the app in the alias
            targets = [
                (f"{base}.{alias.name}", f"from {written} import {alias.name}") for alias in node.names
            ]
            targets.append((base, f"from {written} import …"))
        else:
            continue
        for name, written in targets:
            parts = name.split(".")
            if len(parts) >= 2 and parts[0] == "gongzhi" and parts[1] in DOMAIN_APPS:
                found.append(f"line {node.lineno}: {written}")
                break
    return found


def test_the_walker_sees_every_form_of_import():
    module = "gongzhi.core"
    assert domain_imports("import gongzhi.appeals.views", module)
    assert domain_imports("from gongzhi.credit.documents import FONT", module)
    assert domain_imports("from gongzhi import appeals", module)
    assert domain_imports("from gongzhi import core, insight", module)
    assert domain_imports("def f():\n    from gongzhi.community import demo\n", module)
    assert domain_imports("from ..deliberation import services", module)
    assert domain_imports("from .. import credit", module)
    assert not domain_imports(
        "from gongzhi.core import refcache\nfrom . import dashboard\nimport django", module
    )
    assert not domain_imports("from gongzhi import core", module)


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(CORE)))
def test_core_imports_no_domain_app(path):
    package = ".".join(["gongzhi", "core", *path.parent.relative_to(CORE).parts])
    module = ".".join([package, path.stem])
    found = domain_imports(path.read_text(encoding="utf-8"), package)
    assert not found, (
        f"{module} imports a domain app (core must not; register from the app instead): " + "; ".join(found)
    )
