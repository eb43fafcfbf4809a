"""Where the demo load stands, for the banner every page shows while `make run` loads it in the background.

The loader (`gongzhi load_demo`) writes its phase and how far it has come into a small JSON file
(`GONGZHI["DEMO_STATE_FILE"]`), and removes it when it is done; the context processor
`core.context_processors.demo_loading` reads it. A file, not the database or the cache: every page asks, and a page
must not pay a query for a banner that production never shows. Only a hint for people: a loader that died leaves a
stale file, which is ignored once it is older than STALE_SECONDS.
"""

import json
import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings

STALE_SECONDS = 600


def _path() -> Path:
    return Path(settings.GONGZHI["DEMO_STATE_FILE"])


def report(*, phase: str, percent: int | None = None, detail: str = "") -> None:
    path = _path()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps({"phase": phase, "percent": percent, "detail": detail}, ensure_ascii=False),
        encoding="utf-8",
    )
    os.replace(tmp, path)  # readers see the old state or the new one, never half a file


def current() -> dict[str, Any] | None:
    path = _path()
    try:
        if time.time() - path.stat().st_mtime > STALE_SECONDS:
            return None
        state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return state
    except (OSError, ValueError):
        return None


def finished() -> None:
    _path().unlink(missing_ok=True)
