"""Fuzzing the importer (hypothesis): whatever the file holds, `import_appeals` either imports, or reports
Chinese row problems, or raises its own ImportFileError with a Chinese message — never anything else."""

import csv
import io
import re
from datetime import datetime

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from gongzhi.appeals.exchange import exporting
from gongzhi.appeals.exchange.importing import ImportFileError, import_appeals

CJK = re.compile(r"[\u4e00-\u9fff]")
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HEADER = exporting.headers()
# One valid row in the export's column order (the conftest county and units), which the fuzzer then mutates.
VALID = {
    "编号": "202403050000001",
    "标题": "路灯不亮",
    "诉求内容": "东风路路灯坏了一周",
    "诉求类型": "投诉",
    "渠道": "热线电话",
    "紧急程度": "一般",
    "状态": "已派单",
    "区域编码": "430101",
    "受理时间": "2024-03-05 09:30:00",
    "派单时间": "2024-03-05 10:00:00",
    "主办单位编码": "U-ZJ",
    "联系电话": "138****8000",
    "匿名": "否",
}
ODD = [
    "",
    " ",
    "已办结",
    "已并单",
    "处理中",
    "2024-02-30 10:00",
    "9999-12-31 23:59:59",
    "0001-01-01",
    "1900-01-01",
    "2024/3/5",
    "昨天",
    "NaN",
    "Infinity",
    "-1e999",
    "1e400",
    "181",
    "-91.5",
    "'=1+1",
    '=HYPERLINK("x")',
    "是",
    "否",
    "maybe",
    "U-ZJ",
    "县住建局",
    "东风街道",
    "火星",
    "430101",
    "X" * 300,
    "1" * 25,
    "\x00",
    "\t\n",
    "12345678901234567X",
    "110101199003077777",
    "110101********1234",
    "+86 138 0013 8000",
    "已回访",
    "1.5",
    "合并",
]
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
CELL = st.one_of(
    st.sampled_from(ODD),
    TEXT,
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.booleans(),
)


@st.composite
def tables(draw):
    """A header (the export's, shuffled, cut, or with unknown columns) and rows mutated from a valid one."""
    header = list(HEADER)
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.booleans()):
        header = header[: draw(st.integers(min_value=0, max_value=len(header)))]
    header += draw(st.lists(TEXT, max_size=3))
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        row = [VALID.get(h, "") for h in header]
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            if row:
                row[draw(st.integers(min_value=0, max_value=len(row) - 1))] = draw(CELL)
        row += draw(st.lists(CELL, max_size=2))
        rows.append(row)
    return header, rows


def as_csv(header, rows, encoding) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


def as_xlsx(header, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in [header, *rows]:
        clean = []
        for value in row:
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if value.startswith("="):
                    value = "'" + value  # openpyxl would store it as a formula with no cached value
            elif isinstance(value, int) and abs(value) > 10**15:
                value = str(value)
            clean.append(value)
        ws.append(clean)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(data: bytes, name: str, dry_run: bool) -> None:
    try:
        report = import_appeals(data, name, dry_run=dry_run)
    except ImportFileError as exc:
        assert CJK.search(str(exc.message)), exc.message
        return
    for problem in report.problems:
        assert CJK.search(problem.message), problem
        assert problem.row >= 2 and problem.column is not None
    assert report.created + report.skipped + report.rejected_rows <= report.rows


@pytest.fixture
def reference(county, units):
    return county, units


def test_the_fuzzers_base_row_imports(reference):
    """The rows the fuzzer mutates start valid, so the writing path is fuzzed too, not only the checks."""
    report = import_appeals(as_csv(HEADER, [[VALID.get(h, "") for h in HEADER]], "utf-8"), "x.csv")
    assert (report.created, report.problems) == (1, [])


@pytest.mark.parametrize("value", ["1e400", "-1e999", "NaN", "Infinity", "181", "abc", "1" * 40])
def test_odd_coordinates_are_row_problems(reference, value):
    row = {**VALID, "经度": value, "纬度": "28.2"}
    report = import_appeals(
        as_csv(HEADER, [[row.get(h, "") for h in HEADER]], "utf-8"), "x.csv", dry_run=True
    )
    assert [p.column for p in report.problems] == ["经度"] and CJK.search(report.problems[0].message)


@FUZZ
@given(table=tables(), fmt=st.sampled_from(["csv-utf8", "csv-gb18030", "xlsx"]), dry_run=st.booleans())
def test_importer_only_raises_its_own_chinese_errors(reference, table, fmt, dry_run):
    header, rows = table
    if fmt == "xlsx":
        run(as_xlsx(header, rows), "fuzz.xlsx", dry_run)
    else:
        run(as_csv(header, rows, "utf-8" if fmt == "csv-utf8" else "gb18030"), "fuzz.csv", dry_run)


@FUZZ
@given(data=st.binary(max_size=400), name=st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x.xls"]))
def test_importer_survives_arbitrary_bytes(reference, data, name):
    run(data, name, dry_run=False)


@FUZZ
@given(data=st.binary(min_size=1, max_size=200), cut=st.integers(min_value=0, max_value=2000))
def test_importer_survives_damaged_workbooks(reference, data, cut):
    good = as_xlsx(HEADER, [[VALID.get(h, "") for h in HEADER]])
    run(good[:cut] + data + good[cut + len(data) :], "x.xlsx", dry_run=True)


# ---------------------------------------------------------------- hostile files: encodings, BOMs, headers, cells

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "big5", "utf-16", "utf-16-le", "latin-1", "shift_jis"]
FORMULAS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "'=1+1",
    "=1/0",
    "\t=cmd",
    "=" + "A" * 300,
]
DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
    "%d/%m/%Y",
    "%m-%d-%Y %I:%M %p",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%H:%M",
    "%Y.%m.%d",
]
DATE_TEXT = st.one_of(
    st.builds(
        lambda d, fmt: d.strftime(fmt),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        st.sampled_from(DATE_FORMATS),
    ),
    st.text(alphabet="0123456789-/:. 年月日T+Z", max_size=25),
)
HUGE = st.sampled_from(
    ["长" * 201, "x" * 5_000, "诉" * 40_000, "y" * 140_000]
)  # the last beyond csv's field limit
HOSTILE = st.one_of(st.sampled_from(FORMULAS), DATE_TEXT, HUGE, TEXT, st.sampled_from(ODD))
DATE_COLUMNS = ["受理时间", "派单时间", "签收时间", "首次联系时间", "答复时间", "办结时间"]


@st.composite
def hostile_tables(draw):
    """The export's header with columns blanked, duplicated or dropped; rows from the valid one with dates
    replaced by random date texts and other cells by formulas, huge texts and odd values."""
    header = list(HEADER)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):  # half the files keep every column
        action = draw(st.sampled_from(["blank", "duplicate", "drop"]))
        if not header:
            break
        i = draw(st.integers(min_value=0, max_value=len(header) - 1))
        if action == "blank":
            header[i] = draw(st.sampled_from(["", " ", "\ufeff"]))
        elif action == "duplicate":
            header.insert(draw(st.integers(min_value=0, max_value=len(header))), header[i])
        else:
            del header[i]
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        row = [VALID.get(h, "") for h in header]
        for i, h in enumerate(header):
            if h in DATE_COLUMNS and draw(st.integers(min_value=0, max_value=3)) == 0:
                row[i] = draw(DATE_TEXT)
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            if row:
                row[draw(st.integers(min_value=0, max_value=len(row) - 1))] = draw(HOSTILE)
        rows.append(row)
    return header, rows


def run_twice(data: bytes, name: str) -> None:
    """Import, and when that worked, import again: the second import changes nothing."""
    try:
        first = import_appeals(data, name)
    except ImportFileError as exc:
        assert CJK.search(str(exc.message)), exc.message
        event("file refused")
        return
    event("rows imported" if first.created else "rows rejected" if first.problems else "nothing to import")
    assert all(CJK.search(p.message) for p in first.problems), first.problems
    again = import_appeals(data, name)
    assert again.created == 0 and again.skipped == first.created + first.skipped


@FUZZ
@given(
    table=hostile_tables(),
    encoding=st.one_of(st.sampled_from(["utf-8", "gb18030"]), st.sampled_from(ENCODINGS)),
    bom=st.sampled_from([b"", b"\xef\xbb\xbf"]),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    delimiter=st.sampled_from([",", "\t", ";"]),
)
def test_hostile_csv_files_import_or_fail_in_chinese(reference, table, encoding, bom, newline, delimiter):
    header, rows = table
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows([header, *rows])
    run_twice(bom + buffer.getvalue().encode(encoding, errors="replace"), "hostile.csv")


@settings(FUZZ, max_examples=15)
@given(
    table=hostile_tables(), typed_dates=st.booleans(), formulas=st.booleans(), empty_first_sheet=st.booleans()
)
def test_generated_workbooks_import_or_fail_in_chinese(
    reference, table, typed_dates, formulas, empty_first_sheet
):
    """Workbooks as other systems write them: typed dates, real formulas (no cached value), a blank sheet first."""
    header, rows = table
    wb = Workbook()
    ws = wb.active
    if empty_first_sheet:
        ws = wb.create_sheet("工单")
    for row in [header, *rows]:
        cells = []
        for h, value in zip(header + [""] * len(row), row, strict=False):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32_767]  # Excel's cell limit
                if value.startswith("=") and not formulas:
                    value = "'" + value
            if typed_dates and h in DATE_COLUMNS and isinstance(value, str):
                try:
                    value = datetime.fromisoformat(value)
                except ValueError:
                    pass
            cells.append(value)
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    run_twice(buffer.getvalue(), "hostile.xlsx")
