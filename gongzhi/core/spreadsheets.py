"""Spreadsheets the platform writes (exports of appeals, rates, hot spots, a resident's own data): one writer, so
that no cell is ever a formula (CSV/Excel injection, issue N item 6), Chinese opens right in Excel, and times
read as times."""

import csv
import io
from collections.abc import Iterable
from datetime import datetime

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@")


def safe_text(value):
    """A cell a spreadsheet would run as a formula (CSV injection) gets a leading quote; the importer drops it."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def to_csv(header: list[str], rows: Iterable[list]) -> bytes:
    """UTF-8 with a BOM, which Excel needs to open Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime)
                         else safe_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: list[tuple[str, list[str], Iterable[list]]], widths: dict[int, int] | None = None) -> bytes:
    """Write-only openpyxl workbook; text is stored as text (never a formula), times with a date format."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        for index, width in (widths or {}).items():
            ws.column_dimensions[_column_letter(index)].width = width
        head = []
        for text in header:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for row in rows:
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # a text starting with "=" stays text
                elif isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                cells.append(cell)
            ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


