"""Which modules of pyproject.toml's two type-check debt lists pass now and may leave them.

    .venv/bin/python scripts/type_debt.py           # prints them
    .venv/bin/python scripts/type_debt.py --write   # and takes them off the lists

It runs mypy once with both lists emptied (the debt lists are the overrides marked "Debt 1" and "Debt 2") and
keeps on each list only the modules that still have errors at that list's level.
"""

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def debt_lists(text: str) -> dict[str, list[str]]:
    lists = {}
    for label in ("Debt 1", "Debt 2"):
        block = text[text.index(f"# {label}:") :]
        # The list ends at the first "]" after "module = [", not at the "[[tool.mypy.overrides]]" header's.
        start = block.index("module = [")
        body = block[start : block.index("]", start)]
        lists[label] = re.findall(r'"([\w.]+)"', body)
    return lists


def failing_modules(config_text: str) -> set[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".toml", dir=ROOT, delete=False) as f:
        f.write(config_text)
    try:
        out = subprocess.run(
            [str(ROOT / ".venv/bin/mypy"), "--config-file", f.name, "--no-incremental"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "GONGZHI_DEBUG": "1"},
        ).stdout
    finally:
        os.unlink(f.name)
    failing = set()
    for line in out.splitlines():
        match = re.match(r"^(gongzhi/[\w/]+)\.py:\d+: error", line)
        if match:
            module = match.group(1).replace("/", ".")
            failing.add(module.removesuffix(".__init__"))
    return failing


def main() -> None:
    text = PYPROJECT.read_text(encoding="utf-8")
    lists = debt_lists(text)
    # Debt 1 modules are checked strictly once they leave it; Debt 2 modules at the default level.
    emptied = text
    for modules in lists.values():
        for module in modules:
            emptied = emptied.replace(f' "{module}",', "", 1)
    failing = failing_modules(emptied)
    free = [m for modules in lists.values() for m in modules if m not in failing]
    print("\n".join(free) or "no module may leave the debt lists yet")
    if "--write" in sys.argv and free:
        for module in free:
            text = text.replace(f' "{module}",', "", 1)
        text = re.sub(r"\n {3}\n", "\n", text)
        PYPROJECT.write_text(text, encoding="utf-8")
        tomllib.loads(text)
        print(f"{len(free)} modules taken off the debt lists")


if __name__ == "__main__":
    main()
