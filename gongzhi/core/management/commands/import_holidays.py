"""gongzhi import_holidays FILE [--year YYYY] [--dry-run]: next year's calendar from the State Council's notice.

Reads the notice's plain text (core.holidays.parse_notice), writes the calendar's override table (import_notice) and
prints one line per festival, then, as its last line, one JSON object {"year", "holidays", "workdays"}.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core import holidays


class Command(BaseCommand):
    help = "从国务院办公厅节假日安排通知的全文导入工作日历（放假日与调休上班日）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="通知全文的文本文件（UTF-8 或 GB18030）")
        parser.add_argument("--year", type=int, help="年份（通知文本没有标题时必填）")
        parser.add_argument("--dry-run", action="store_true", help="只解析和显示，不写入")

    def handle(self, *args: Any, file: str, year: int | None, dry_run: bool, **options: Any) -> None:
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError:
                raise CommandError("文件不是文本（UTF-8 或 GB18030）。") from None
        try:
            notice = holidays.parse_notice(text, year)
        except holidays.NoticeError as exc:
            raise CommandError(str(exc.message)) from None
        for festival in notice.festivals:
            off = "、".join(f"{d.month}月{d.day}日" for d in festival.holidays)
            worked = "、".join(f"{d.month}月{d.day}日" for d in festival.workdays) or "无"
            self.stdout.write(f"{festival.name}：放假 {off}（{len(festival.holidays)}天）；调休上班 {worked}")
        counts = holidays.import_notice(None, notice, dry_run=dry_run)
        verb = "将新增" if dry_run else "新增"
        self.stdout.write(
            f"{'（试运行，未写入）' if dry_run else ''}{verb} {counts['created']} 天，"
            f"更新 {counts['updated']} 天，未变 {counts['unchanged']} 天"
        )
        self.stdout.write(json.dumps(notice.as_json(), ensure_ascii=False))
