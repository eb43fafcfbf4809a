"""Spreadsheets the platform writes (exports of appeals, rates, hot spots, a resident's own data): one writer, so
that no cell is ever a formula (CSV/Excel injection, issue N item 6), Chinese opens right in Excel, and times
read as times; and the one reader of the .csv/.xlsx files it imports (appeals, discretion benchmarks)."""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.utils.translation import gettext as _

from .errors import ServiceError

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@")
MAX_FILE_BYTES = 512 * 1024 * 1024


class SpreadsheetError(ServiceError):
    """A file that cannot be read as a table at all (unreadable, no header, wrong type)."""

    default_code = "import_file"


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
        writer.writerow(
            [
                ""
                if v is None
                else v.strftime("%Y-%m-%d %H:%M:%S")
                if isinstance(v, datetime)
                else safe_text(v)
                for v in row
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(
    sheets: list[tuple[str, list[str], Iterable[list]]], widths: dict[int, int] | None = None
) -> bytes:
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


def read_table(data: bytes, filename: str) -> tuple[list[str], Iterator[tuple[int, list]], int | None]:
    """(headers, rows as (spreadsheet row number, cell values), estimated row count) of a .csv or .xlsx."""
    if len(data) > MAX_FILE_BYTES:
        raise SpreadsheetError(_("文件超过512MB，请分批导入。"))
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(data)
    raise SpreadsheetError(_("只能导入 .xlsx 或 .csv 文件。"))


def _read_csv(data: bytes):
    # Chinese hotline systems export UTF-8 (often with a BOM) or GB18030/GBK, which Excel writes by default.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte sequence but a few; kept for clarity
        raise SpreadsheetError(_("无法识别文件编码，请另存为 UTF-8 编码的 CSV。"))
    text = text.replace("\x00", "")
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader, None)
    except csv.Error as exc:
        raise SpreadsheetError(_("CSV 文件格式错误：%(error)s") % {"error": exc}) from None
    if not headers or not any(h.strip() for h in headers):
        raise SpreadsheetError(_("文件没有表头（第一行应为列名）。"))

    def rows():
        row_number = 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise SpreadsheetError(
                    _("CSV 文件第%(row)s行格式错误：%(error)s") % {"row": row_number + 1, "error": exc}
                ) from None
            row_number += 1
            yield row_number, values

    return [h.strip() for h in headers], rows(), text.count("\n")


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        iterator = ws.iter_rows(values_only=True)
        headers = next(iterator, None)
        total = ws.max_row
    except Exception:  # openpyxl raises many kinds (zip, XML, KeyError) on a damaged file
        raise SpreadsheetError(_("无法读取 Excel 文件，请确认是 .xlsx 格式且未损坏。")) from None
    if not headers or not any(h not in (None, "") for h in headers):
        raise SpreadsheetError(_("文件没有表头（第一行应为列名）。"))

    def rows():
        row_number = 1
        try:
            for values in iterator:
                row_number += 1
                yield row_number, list(values)
        except SpreadsheetError:
            raise
        except Exception:
            raise SpreadsheetError(
                _("Excel 文件第%(row)s行之后无法读取，文件可能已损坏。") % {"row": row_number}
            ) from None

    return [("" if h is None else str(h)).strip() for h in headers], rows(), (total - 1 if total else None)
