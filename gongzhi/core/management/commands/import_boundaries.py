"""gongzhi import_boundaries FILE [--dry-run]: regions' boundaries from a GeoJSON file (core.geo.import_boundaries).

The file is a FeatureCollection of polygons in WGS-84 whose features carry the region's code in `properties`
(`code`, `adcode`, `gb`, … as the civil-affairs administrative-division data has them). Prints what matched, the
codes no region has and every refused geometry; exits non-zero (and saves nothing) when any geometry is invalid.
The last line is one JSON object {"matched", "changed", "unknown", "invalid"}.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core import geo


class Command(BaseCommand):
    help = "从 GeoJSON 文件（民政区划数据格式，按 properties 中的区划代码匹配）导入区域边界"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="GeoJSON 文件（FeatureCollection，WGS-84）")
        parser.add_argument("--dry-run", action="store_true", help="只检查和报告，不写入")

    def handle(self, *args: Any, file: str, dry_run: bool, **options: Any) -> None:
        try:
            raw = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {file}：{exc.strerror}") from None
        try:
            report = geo.import_boundaries(None, raw, dry_run=dry_run)
        except geo.BoundaryError as exc:
            raise CommandError(exc.message) from None
        for line in report.lines():
            self.stdout.write(line)
        summary = json.dumps(
            {
                "matched": len(report.matched),
                "changed": report.changed,
                "unknown": len(report.unknown),
                "invalid": len(report.invalid),
            },
            ensure_ascii=False,
        )
        if not report.ok:
            self.stdout.write(summary)
            raise CommandError("有无效的边界，未导入任何边界。")
        if dry_run:
            self.stdout.write("（试运行，未写入）")
        self.stdout.write(summary)
