"""Print every app's error codes as Markdown, or write them into docs/api.md between its markers."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import DOC_END, DOC_START, catalogue_markdown


class Command(BaseCommand):
    help = "各模块的错误代码（Markdown）；--write docs/api.md 写入文档中标记之间的部分"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", metavar="FILE", help="replace the block between the markers in FILE")

    def handle(self, *args: Any, write: str | None = None, **options: Any) -> None:
        block = catalogue_markdown()
        if not write:
            self.stdout.write(block)
            return
        path = Path(write)
        text = path.read_text(encoding="utf-8")
        if DOC_START not in text or DOC_END not in text:
            raise CommandError(f"{path} has no {DOC_START!r} … {DOC_END!r} block to replace")
        before, rest = text.split(DOC_START, 1)
        after = rest.split(DOC_END, 1)[1]
        path.write_text(before + block + after, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
