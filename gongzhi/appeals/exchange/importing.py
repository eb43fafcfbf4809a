"""Importing other hotline systems' appeals from .xlsx and .csv exports (issue 8, part 2).

`import_appeals(file, …)` reads the file through a column mapping (an `ImportProfile`, or the column titles
gongzhi's own export writes), checks every row and reports each problem as (row, column, Chinese message).
Valid rows are written in batches by `bulk.BulkInserter` (binary COPY on PostgreSQL, one executemany
elsewhere): the appeals, their (source system, source id) links and one sealed "import" event per appeal,
each the first link of that appeal's hash chain, hashed from a template of its canonical JSON (`EventSeal`,
checked against `compute_hash` once per batch) — so `gongzhi verify_audit` passes and a second import of the same file finds every source id (one query per
batch) and writes nothing. On PostgreSQL outside a transaction a writer thread commits each batch while the
next is checked (see bench/README.md for the rates measured).
A dry run does every check, including those against the database, and writes nothing.

Historical appeals keep their times, state (mapped, see fields.STATE_ALIASES) and numbers; one without
a number gets one in gongzhi's format (受理日期 + id). Merged appeals are written last, so that their
master can be anywhere in the file.
"""

import hashlib
import hmac
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from gongzhi.core.audit import audit_key, canonical_json
from gongzhi.core.calendar import add_working_days
from gongzhi.core.fieldcrypt import blind_index
from gongzhi.core.idcards import valid_id_number
from gongzhi.core.models import AuditHead, Region, Unit
from gongzhi.core.spreadsheets import MAX_FILE_BYTES, SpreadsheetError, read_table  # noqa: F401

from .. import deadlines
from ..choices import AppealKind, AppealState, Channel, CloseReason, LimitUnit, Step, Urgency
from ..models import Appeal, AppealEvent, Category, TimeLimit
from .bulk import BulkInserter, EncodedJson
from .fields import DATETIME_FIELDS, FIELDS, STATE_ALIASES, guess_mapping, normalize_header
from .models import ImportedAppeal, ImportProfile

BATCH_SIZE = 2000
OWN_SYSTEM = "gongzhi"
# A reply can come without dispatch (直接答复), so a replied appeal may have no lead unit.
NEEDS_LEAD_UNIT = {
    AppealState.DISPATCHED,
    AppealState.RETURN_REQUESTED,
    AppealState.ACCEPTED,
    AppealState.IN_PROGRESS,
}
OPEN_STATES = NEEDS_LEAD_UNIT | {AppealState.RECEIVED, AppealState.REPLIED}
# (due time, its step, the time it runs from), as deadlines.compute_dues reads them for an appeal never reopened
DUE_STARTS = (
    ("sign_due", Step.SIGN, "dispatched_at"),
    ("contact_due", Step.CONTACT, "signed_at"),
    ("reply_due", Step.REPLY, "received_at"),
    ("callback_due", Step.CALLBACK, "replied_at"),
)
TEXT_LIMITS = {
    "number": 20,
    "source_id": 64,
    "title": 200,
    "address": 200,
    "appellant_name": 50,
    "keywords": 200,
}
PHONE_RE = re.compile(r"^[0-9*+\- ]{1,20}$")
ID_RE = re.compile(r"^[0-9X*]{1,18}$")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
TRUE_WORDS = {"是", "y", "yes", "true", "1", "匿名", "保密", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0", ""}
FORMULA_STARTS = ("=", "+", "-", "@")
EARLIEST = datetime(1949, 10, 1, tzinfo=timezone.get_fixed_timezone(480))


APPEALS, EVENTS, LINKS = BulkInserter(Appeal), BulkInserter(AppealEvent), BulkInserter(ImportedAppeal)
HEADS = BulkInserter(AuditHead)  # each imported appeal's chain: its one event (core.audit)


# The file as a whole cannot be imported (unreadable, no header, a required column missing): core.spreadsheets'.
ImportFileError = SpreadsheetError


@dataclass
class Problem:
    row: int  # the row as a spreadsheet shows it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return _("第%(row)s行「%(column)s」：%(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportReport:
    source_system: str
    dry_run: bool
    rows: int = 0
    created: int = 0  # written, or in a dry run: would be written
    skipped: int = 0  # already imported from this source system
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({p.row for p in self.problems})

    def summary(self) -> str:
        verb = _("可导入") if self.dry_run else _("已导入")
        return _("共%(rows)s行：%(verb)s%(created)s行，已导入过而跳过%(skipped)s行，有问题%(bad)s行。") % {
            "rows": self.rows,
            "verb": verb,
            "created": self.created,
            "skipped": self.skipped,
            "bad": self.rejected_rows,
        }


# ---------------------------------------------------------------- reading the file


# ---------------------------------------------------------------- the mapping


def builtin_profile() -> ImportProfile:
    """gongzhi's own export: the column titles are the fields' titles, the source system is gongzhi."""
    return ImportProfile(name=OWN_SYSTEM, source_system=OWN_SYSTEM, mapping={}, state_map={}, defaults={})


def resolve_mapping(headers: list[str], profile: ImportProfile) -> dict[int, str]:
    """Column index → field key. The profile's mapping first; headers it does not name go by their titles."""
    # A header the profile maps to "" is ignored on purpose, even when its title names a field.
    by_header = {
        normalize_header(h): key for h, key in (profile.mapping or {}).items() if key in FIELDS or key == ""
    }
    guessed = guess_mapping([h for h in headers if normalize_header(h) not in by_header])
    columns, taken = {}, set()
    for index, header in enumerate(headers):
        key = by_header.get(normalize_header(header), guessed.get(header))
        if key and key not in taken:
            columns[index] = key
            taken.add(key)
    defaults = profile.defaults or {}
    missing = []
    for keys, label in (
        (("title",), FIELDS["title"][0]),
        (("content",), FIELDS["content"][0]),
        (("received_at",), FIELDS["received_at"][0]),
        (("kind",), FIELDS["kind"][0]),
        (("state",), FIELDS["state"][0]),
        (("region", "region_code"), FIELDS["region"][0]),
        (("source_id", "number"), FIELDS["source_id"][0]),
    ):
        if not any(k in taken or k in defaults for k in keys):
            missing.append(str(label))
    if missing:
        raise ImportFileError(
            _("缺少必需的列：%(columns)s。请在导入方案中映射这些列或设置默认值。")
            % {"columns": "、".join(missing)}
        )
    return columns


# ---------------------------------------------------------------- lookups and value parsing


class Lookups:
    """Everything a row refers to, loaded once: categories, regions, units, choices by value or label."""

    def __init__(self, profile: ImportProfile):
        categories = list(Category.objects.all())
        by_id = {c.pk: c for c in categories}
        for c in categories:  # fill the parent caches, so lineage() and full_name() need no query
            c.parent = by_id.get(c.parent_id)
        self.category_by_code = {c.code: c for c in categories}
        self.category_by_name = _unique_names(
            [(c.full_name(), c) for c in categories] + [(c.name, c) for c in categories]
        )
        regions = list(Region.objects.all())
        region_by_id = {r.pk: r for r in regions}
        for r in regions:
            r.parent = region_by_id.get(r.parent_id)
        self.region_by_code = {r.code: r.pk for r in regions}
        self.region_by_name = _unique_names(
            [(r.full_name(), r.pk) for r in regions] + [(r.name, r.pk) for r in regions]
        )
        units = list(Unit.objects.values_list("pk", "code", "name"))
        self.unit_by_code = {code: pk for pk, code, _name in units}
        self.unit_by_name = _unique_names([(name, pk) for pk, _code, name in units])
        self.kind = _choice_index(AppealKind)
        self.channel = _choice_index(Channel)
        self.urgency = _choice_index(Urgency)
        self.close_reason = _choice_index(CloseReason)
        self.state = {
            **{k.casefold(): v for k, v in STATE_ALIASES.items()},
            **_choice_index(AppealState),
            **{
                str(k).strip().casefold(): v
                for k, v in (profile.state_map or {}).items()
                if v in AppealState.values
            },
        }
        self.time_limits = {
            (t.profile, t.step, t.category_id): deadlines.Limit(t.amount, t.unit)
            for t in TimeLimit.objects.all()
        }
        self.limits: dict = {}
        self.overrides = deadlines.load_overrides()
        self.tz = timezone.get_current_timezone()
        self.working_days: dict = {}

    def limits_for(self, kind: str, urgency: str, category) -> dict:
        """deadlines.limits_for from the time limits loaded once (it reads them per call)."""
        key = (kind, urgency, category.pk if category else None)
        if key not in self.limits:
            profile = deadlines.limit_profile(kind, urgency)
            lineage = [c.pk for c in category.lineage()] if category is not None else []
            limits = {}
            for step in Step.values:
                found = (self.time_limits.get((profile, step, pk)) for pk in [*lineage, None])
                limits[step] = next(
                    (c for c in found if c is not None), deadlines.DEFAULT_LIMITS[step][profile]
                )
            self.limits[key] = limits
        return self.limits[key]

    def dues(self, o: dict) -> dict:
        """deadlines.compute_dues of an appeal just imported (never reopened, never extended)."""
        limits = self.limits_for(o["kind"], o["urgency"], o["category"])
        dues = {due: self.add_limit(o[start], limits[step]) for due, step, start in DUE_STARTS}
        # Waiting for dispatch (spec §4): only a received appeal has a dispatch due, from its receipt.
        dues["dispatch_due"] = (
            self.add_limit(o["received_at"], limits[Step.DISPATCH])
            if o["state"] == AppealState.RECEIVED
            else None
        )
        return dues

    def add_limit(self, start: datetime | None, limit) -> datetime | None:
        """deadlines.add_limit, with the working-day arithmetic done once per (day, n) of the whole file."""
        if start is None or not limit:
            return None
        if limit.unit != LimitUnit.WORKING_DAYS:
            return deadlines.add_limit(start, limit, overrides=self.overrides)
        local = start if start.tzinfo is self.tz else timezone.localtime(start, self.tz)
        key = (local.date(), limit.amount)
        day = self.working_days.get(key)
        if day is None:
            day = self.working_days[key] = add_working_days(key[0], limit.amount, overrides=self.overrides)
        return local.replace(year=day.year, month=day.month, day=day.day)


def _unique_names(pairs) -> dict:
    """name → value, leaving out a name that two different things share (it must be given by code)."""
    index, ambiguous = {}, set()
    for name, value in pairs:
        key = normalize_header(name)
        if key in index and index[key] is not value and index[key] != value:
            ambiguous.add(key)
        index.setdefault(key, value)
    for key in ambiguous:
        index[key] = None
    return index


def _choice_index(choices) -> dict[str, str]:
    index = {}
    for value, label in choices.choices:
        index[value.casefold()] = value
        with translation.override("zh-hans"):
            index[str(label).casefold()] = value
        index[str(label).casefold()] = value
    return index


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    elif isinstance(raw, datetime):
        raw = raw.isoformat(sep=" ")
    text = str(raw).replace("\x00", "").strip()
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
        text = text[1:]  # the export's guard against spreadsheet formulas (exporting.safe_text)
    return text


def _datetime(raw, tz) -> datetime | None:
    if raw.__class__ is str:  # the common case first: ISO 8601 text (as RowChecker.check leaves it, stripped)
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            value = None
        if value is not None:
            return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if raw is None:
        return None
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        value = datetime(raw.year, raw.month, raw.day)
    else:
        text = _text(raw)
        if not text:
            return None
        text = text.replace("/", "-").replace(".", "-") if len(text) <= 19 else text.replace("/", "-")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
            for fmt in DATETIME_FORMATS:
                try:
                    value = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if value is None:
                raise ValueError(
                    _("无法识别的时间「%(value)s」，应为 2024-01-31 09:30:00 格式。") % {"value": text[:40]}
                ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def _decimal(raw) -> Decimal | None:
    text = _text(raw)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("不是数字。")) from None
    if not value.is_finite():
        raise ValueError(_("不是数字。"))
    if abs(value) > 1000:  # before quantize, which fails on numbers beyond its precision
        raise ValueError(_("经纬度超出范围。"))
    return value.quantize(Decimal("0.000001"))


def _bool(raw) -> bool:
    text = _text(raw).casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("应填「是」或「否」。"))


# ---------------------------------------------------------------- one row


class RowChecker:
    def __init__(self, lookups: Lookups, profile: ImportProfile, columns: dict[int, str], headers: list[str]):
        self.lk = lookups
        self.columns = columns
        self.titles = {key: headers[i] for i, key in columns.items()}
        self.defaults = {k: _text(v) for k, v in (profile.defaults or {}).items() if k in FIELDS and _text(v)}
        self.items = sorted(columns.items())
        self.tz = timezone.get_current_timezone()
        self.latest = timezone.now() + timedelta(minutes=10)

    def title(self, key: str) -> str:
        return self.titles.get(key) or str(FIELDS[key][0])

    @staticmethod
    def resolve(
        raw: dict,
        fail,
        key: str,
        by_code: dict,
        by_name: dict,
        unknown_code: str,
        unknown_name: str,
        *,
        name_may_be_code: bool = False,
    ):
        """The thing a row names in the columns `<key>_code` (first) or `<key>` (a unique name; for units also
        a code): its value in `by_code` / `by_name`, or None with the row's problem reported in the message
        given (a msgid, translated only when needed)."""
        code = raw.get(key + "_code")
        if code:
            found = by_code.get(code)
            if found is None:
                fail(key + "_code", _(unknown_code) % {"value": code[:40]})
            return found
        name = raw.get(key)
        if not name:
            return None
        found = (by_code.get(name) if name_may_be_code else None) or by_name.get(normalize_header(name))
        if found is None:
            fail(key, _(unknown_name) % {"value": name[:40]})
        return found

    def check(self, values: list) -> tuple[dict | None, list[tuple[str, str]]]:
        """(fields for Appeal plus source_id / master_number, [(column, problem)])."""
        # Every value becomes clean text here, once (a spreadsheet's typed dates stay dates for date columns).
        raw = dict(self.defaults)
        count = len(values)
        for index, key in self.items:
            if index >= count:
                continue
            value = values[index]
            if value.__class__ is str:
                value = value.strip()
                if "\x00" in value:
                    value = value.replace("\x00", "").strip()
                if not value:
                    continue
                if value[0] == "'" and value[1:2] in FORMULA_STARTS:
                    value = value[1:]  # the export's guard against spreadsheet formulas (exporting.safe_text)
            elif value is None:
                continue
            elif not (key in DATETIME_FIELDS and isinstance(value, date)):
                value = _text(value)
                if not value:
                    continue
            raw[key] = value
        problems: list[tuple[str, str]] = []

        def fail(key, message):
            problems.append((self.title(key), message))

        out: dict = {}
        for key, limit in TEXT_LIMITS.items():
            text = raw.get(key, "")
            if len(text) > limit:
                fail(key, _("超过%(n)s个字。") % {"n": limit})
            out[key] = text
        for key in ("content", "reply_text"):
            out[key] = raw.get(key, "")
        out["master_number"] = raw.get("master_number", "")
        if not out["title"]:
            fail("title", _("标题不能为空。"))
        if not out["content"]:
            fail("content", _("诉求内容不能为空。"))
        out["source_id"] = out["source_id"] or out["number"]
        if not out["source_id"]:
            fail("source_id", _("源编号和编号不能都为空。"))

        for key, index, default in (
            ("kind", self.lk.kind, None),
            ("channel", self.lk.channel, Channel.HOTLINE),
            ("urgency", self.lk.urgency, Urgency.NORMAL),
            ("state", self.lk.state, None),
            ("close_reason", self.lk.close_reason, ""),
        ):
            text = raw.get(key, "")
            if not text:
                if default is None:
                    fail(key, _("不能为空。"))
                out[key] = default or ""
                continue
            value = index.get(text.casefold())
            if value is None:
                fail(key, _("无法识别的值「%(value)s」。") % {"value": text[:40]})
            out[key] = value or ""

        lk = self.lk
        out["category"] = self.resolve(
            raw,
            fail,
            "category",
            lk.category_by_code,
            lk.category_by_name,
            gettext_noop("分类编码「%(value)s」不存在。"),
            gettext_noop("分类「%(value)s」不存在或不唯一，请用分类编码。"),
        )
        out["region_id"] = self.resolve(
            raw,
            fail,
            "region",
            lk.region_by_code,
            lk.region_by_name,
            gettext_noop("区域编码「%(value)s」不存在。"),
            gettext_noop("区域「%(value)s」不存在或不唯一，请用区域编码。"),
        )
        if not raw.get("region_code") and not raw.get("region"):
            fail("region", _("区域不能为空。"))
        out["lead_unit_id"] = self.resolve(
            raw,
            fail,
            "lead_unit",
            lk.unit_by_code,
            lk.unit_by_name,
            gettext_noop("单位编码「%(value)s」不存在。"),
            gettext_noop("单位「%(value)s」不存在或不唯一。"),
            name_may_be_code=True,
        )

        unreadable = False
        for key in ("longitude", "latitude"):
            try:
                out[key] = _decimal(raw.get(key))
            except ValueError as exc:
                fail(key, str(exc))
                out[key], unreadable = None, True
        lon, lat = out["longitude"], out["latitude"]
        if unreadable:
            pass
        elif (lon is None) != (lat is None):
            fail("longitude", _("经纬度须同时填写。"))
        elif lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
            fail("longitude", _("经纬度超出范围。"))

        phone = raw.get("appellant_phone", "")
        if phone and not PHONE_RE.match(phone):
            fail("appellant_phone", _("联系电话只能含数字（脱敏的可含 *）。"))
        out["appellant_phone"] = phone[:20]
        id_number = raw.get("appellant_id_number", "").upper()
        if id_number and not ID_RE.match(id_number):
            fail("appellant_id_number", _("身份证号只能含数字和X（脱敏的可含 *）。"))
        elif len(id_number) == 18 and "*" not in id_number and not valid_id_number(id_number):
            fail("appellant_id_number", _("身份证号校验位不正确。"))
        out["appellant_id_number"] = id_number[:18]
        for key in ("anonymous", "confidential"):
            try:
                out[key] = _bool(raw.get(key))
            except ValueError as exc:
                fail(key, str(exc))
                out[key] = False

        for key in DATETIME_FIELDS:
            try:
                value = _datetime(raw.get(key), self.tz)
            except (ValueError, OverflowError) as exc:
                fail(key, str(exc) if str(exc).startswith("无法") else _("无法识别的时间。"))
                value = None
            if value is not None and not (EARLIEST <= value <= self.latest):
                fail(key, _("时间不在合理范围内（不能早于1949年，也不能晚于现在）。"))
                value = None
            out[key] = value
        received = out["received_at"]
        if received is None and not any(c == self.title("received_at") for c, _m in problems):
            fail("received_at", _("受理时间不能为空。"))
        if received is not None:
            for key in DATETIME_FIELDS[1:]:
                if out[key] is not None and out[key] < received:
                    fail(key, _("早于受理时间。"))

        state = out["state"]
        if state == AppealState.CLOSED and out["closed_at"] is None:
            fail("closed_at", _("状态为已办结，须有办结时间。"))
        if state == AppealState.REPLIED and out["replied_at"] is None:
            fail("replied_at", _("状态为已答复，须有答复时间。"))
        if state in NEEDS_LEAD_UNIT and out["lead_unit_id"] is None:
            fail("lead_unit", _("状态为「%(state)s」，须有主办单位。") % {"state": AppealState(state).label})
        if state == AppealState.MERGED and not out["master_number"]:
            fail("master_number", _("状态为已并单，须有主诉求编号。"))
        if state != AppealState.MERGED:
            out["master_number"] = ""
        return (None if problems else out), problems


# ---------------------------------------------------------------- writing


class Writer:
    def __init__(
        self,
        report: ImportReport,
        profile: ImportProfile,
        lookups: Lookups,
        checker: RowChecker,
        actor,
        dry_run: bool,
    ):
        self.report, self.profile, self.lk, self.checker = report, profile, lookups, checker
        self.actor, self.dry_run = actor, dry_run
        self.seen_sources: dict[str, int] = {}
        self.seen_numbers: dict[str, int] = {}
        self.file_numbers: set[str] = (
            set()
        )  # numbers a dry run would have written (masters may be among them)
        self.now = timezone.now()
        self.label = _("数据导入（%(profile)s）") % {"profile": profile.name}
        self.note_prefix = _("从「%(system)s」导入，源编号 ") % {"system": profile.source_system}
        # On PostgreSQL, outside a transaction, a batch is written (COPY and commit, on the thread's own
        # connection) while the next one is read and checked: the database works while Python does. Each
        # batch is its own transaction either way, so what is written is the same. One batch in flight at most.
        self.pool = None
        self.pending: Future | None = None
        if not dry_run and connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")

    def problem(self, row: int, key: str, message: str) -> None:
        self.report.problems.append(Problem(row, self.checker.title(key), message))

    def accept(self, row: int, out: dict) -> bool:
        """In-file duplicates: a source id or a number given twice."""
        first = self.seen_sources.setdefault(out["source_id"], row)
        if first != row:
            self.problem(row, "source_id", _("源编号与第%(row)s行重复。") % {"row": first})
            return False
        if out["number"]:
            first = self.seen_numbers.setdefault(out["number"], row)
            if first != row:
                self.problem(row, "number", _("编号与第%(row)s行重复。") % {"row": first})
                return False
        return True

    def flush(self, batch: list[tuple[int, dict]]) -> None:
        if not batch:
            return
        system = self.profile.source_system
        # One query per batch and question: which source ids are imported already, which numbers are taken.
        done = {
            source_id
            for (source_id,) in LINKS.select_in(
                ["source_id"], "source_id", [o["source_id"] for _r, o in batch], source_system=system
            )
        }
        fresh = [(r, o) for r, o in batch if o["source_id"] not in done]
        self.report.skipped += len(batch) - len(fresh)
        numbers = [o["number"] for _r, o in fresh if o["number"]]
        taken = {number for (number,) in APPEALS.select_in(["number"], "number", numbers)}
        masters = list({o["master_number"] for _r, o in fresh if o["master_number"]})
        master_ids = dict(APPEALS.select_in(["number", "id"], "number", masters))
        rows = []
        for r, o in fresh:
            if o["number"] in taken:
                self.problem(
                    r, "number", _("编号「%(number)s」已被系统中其他诉求使用。") % {"number": o["number"]}
                )
            elif (
                o["master_number"]
                and o["master_number"] not in master_ids
                and not (self.dry_run and o["master_number"] in self.file_numbers)
            ):
                self.problem(
                    r,
                    "master_number",
                    _("主诉求编号「%(number)s」在系统和文件中都找不到。")
                    % {"number": o["master_number"][:40]},
                )
            else:
                o["master_id"] = master_ids.get(o["master_number"])
                rows.append((r, o))
        self.report.created += len(rows)
        if self.dry_run:
            self.file_numbers.update(o["number"] for _r, o in rows if o["number"])
            return
        if not rows:
            return
        # The rows are built here, in the caller's thread, while the writer thread still sends the batch before:
        # that thread then only streams the COPY and commits, and the database is busy while Python checks.
        tables = self._tables(rows)
        if self.pool is None:
            self._commit(tables)
        else:
            self.wait()
            self.pending = self.pool.submit(self._commit, tables)

    def _commit(self, tables: list[tuple]) -> None:
        try:
            with transaction.atomic():
                for inserter, ids, names, rows, defaults in tables:
                    inserter.insert_rows(ids, names, rows, defaults=defaults)
        except IntegrityError:
            raise ImportFileError(
                _("写入时与另一次导入冲突（源编号或编号重复），请稍后重新导入；已导入的行不会重复。")
            ) from None

    def wait(self) -> None:
        """Until the batch in flight is committed (its error, if any, raised here)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def close(self, *, failed: bool = False) -> None:
        """Wait for the last batch and end the writer thread, closing its connection. After an error of the
        caller's own (`failed`), the writer's error is not raised over it."""
        if self.pool is None:
            return
        try:
            self.wait()
        except Exception:
            if not failed:
                raise
        finally:
            self.pool.submit(
                lambda: connection.close()
            ).result()  # in the writer thread: closes its own connection
            self.pool.shutdown()
            self.pool = None

    def _tables(self, rows: list[tuple[int, dict]]) -> list[tuple]:
        """(inserter, ids, attnames, rows, defaults) of the appeals, their links and their events."""
        appeal_ids = APPEALS.allocate_ids(len(rows))
        event_ids = EVENTS.allocate_ids(len(rows))
        link_ids = LINKS.allocate_ids(len(rows))
        head_ids = HEADS.allocate_ids(len(rows))
        system = self.profile.source_system
        tz, now, lk = self.lk.tz, self.now, self.lk
        seal = EventSeal(self.event_template(appeal_ids[0], rows[0][1]))
        appeals, links, events, heads = [], [], [], []
        chain = AppealEvent._meta.label
        # COPY bypasses the ORM: phone and ID numbers are sealed here as the fields would (core.fieldcrypt).
        seal_phone = Appeal._meta.get_field("appellant_phone").seal
        seal_id = Appeal._meta.get_field("appellant_id_number").seal
        for pk, (_r, o) in zip(appeal_ids, rows, strict=True):
            state, received, source_id = o["state"], o["received_at"], o["source_id"]
            category = o["category"]
            values = [
                o["number"] or f"{timezone.localtime(received, tz):%Y%m%d}{pk:07d}",
                o["kind"],
                o["channel"],
                o["urgency"],
                state,
                o["title"],
                o["content"],
                category.pk if category else None,
                o["keywords"],
                o["region_id"],
                o["address"],
                o["longitude"],
                o["latitude"],
                o["appellant_name"],
                seal_phone(o["appellant_phone"]),
                blind_index(o["appellant_phone"]),
                seal_id(o["appellant_id_number"]),
                o["anonymous"],
                o["confidential"],
                received,
                o["dispatched_at"],
                o["signed_at"],
                o["contacted_at"],
                o["replied_at"],
                o["closed_at"],
                o["lead_unit_id"],
                o["reply_text"],
                o["close_reason"],
                o.get("master_id"),
            ]
            if state in OPEN_STATES:
                dues = lk.dues(o)
                board = deadlines.board_fields(
                    SimpleNamespace(
                        state=state,
                        reopened_at=None,
                        redispatch_from=None,
                        received_at=received,
                        dispatched_at=o["dispatched_at"],
                        signed_at=o["signed_at"],
                        replied_at=o["replied_at"],
                        anonymous=o["anonymous"],
                        **dues,
                    )
                )
                values += [
                    dues["dispatch_due"],
                    dues["sign_due"],
                    dues["contact_due"],
                    dues["reply_due"],
                    dues["callback_due"],
                    board["next_due"],
                    board["warn_at"],
                ]
            else:
                values += _NO_DUES
            appeals.append(values)
            links.append((pk, system, source_id, now))
            # The appeal's first event, sealed as the first link of its chain (no previous hash). `after` is
            # encoded once, for the hash and for its column.
            after = EncodedJson(
                canonical_json(
                    {"source_system": system, "source_id": source_id, "state": state, "received_at": received}
                )
            )
            note = self.note_prefix + source_id
            sealed = seal.hash(pk, note, state, after)
            events.append((pk, note, state, after, sealed))
            heads.append((chain, str(pk), sealed, 1))
        event_defaults = {
            **EVENTS.defaults(),
            "actor_id": getattr(self.actor, "pk", None),
            "actor_label": self.label,
            "action": "import",
            "created_at": now,
            "state_before": "",
            "unit_id": None,
            "before": {},
            "prev_hash": "",
        }
        return [
            (APPEALS, appeal_ids, APPEAL_COLUMNS, appeals, None),
            (LINKS, link_ids, LINK_COLUMNS, links, None),
            (EVENTS, event_ids, EVENT_COLUMNS, events, event_defaults),
            (HEADS, head_ids, HEAD_COLUMNS, heads, None),
        ]

    def event_template(self, appeal_id: int, o: dict) -> AppealEvent:
        """An import event of this batch as the model holds it (only the hash needs the instance, so it is made
        without Model.__init__): `EventSeal` takes its constant parts from it and checks its hash."""
        event = AppealEvent.__new__(AppealEvent)
        event.__dict__.update(
            appeal_id=appeal_id,
            actor_id=getattr(self.actor, "pk", None),
            actor_label=self.label,
            action="import",
            created_at=self.now,
            note=self.note_prefix + o["source_id"],
            state_before="",
            state_after=o["state"],
            unit_id=None,
            before={},
            prev_hash="",
            after={
                "source_system": self.profile.source_system,
                "source_id": o["source_id"],
                "state": o["state"],
                "received_at": o["received_at"],
            },
        )
        return event


# Attnames in the order _tables gives them; every other field of the model takes its default.
APPEAL_COLUMNS = [
    "number",
    "kind",
    "channel",
    "urgency",
    "state",
    "title",
    "content",
    "category_id",
    "keywords",
    "region_id",
    "address",
    "longitude",
    "latitude",
    "appellant_name",
    "appellant_phone",
    "appellant_phone_bidx",
    "appellant_id_number",
    "anonymous",
    "confidential",
    "received_at",
    "dispatched_at",
    "signed_at",
    "contacted_at",
    "replied_at",
    "closed_at",
    "lead_unit_id",
    "reply_text",
    "close_reason",
    "master_id",
    "dispatch_due",
    "sign_due",
    "contact_due",
    "reply_due",
    "callback_due",
    "next_due",
    "warn_at",
]
_NO_DUES = [None] * 7
LINK_COLUMNS = ["appeal_id", "source_system", "source_id", "imported_at"]
EVENT_COLUMNS = ["appeal_id", "note", "state_after", "after", "hash"]
HEAD_COLUMNS = ["chain", "subject", "last_hash", "length"]


class EventSeal:
    """The hash `ChainedEvent.seal("")` gives an import event, from a template of its canonical JSON.

    Within one batch the import events differ only in their appeal, note, state and `after`; the rest of the
    payload is the same. The template is the canonical JSON of one real event's payload with placeholders in
    those four places, so each hash costs the encoding of the four values, not of the whole payload. The first
    event's hash is also computed by `compute_hash` (the JSON round trip `verify_audit` uses) and must agree,
    so a change of `chain_payload` the template does not follow stops the import instead of writing bad hashes.
    """

    PLACES = {
        "subject": "\x01subject\x01",
        "note": "\x01note\x01",
        "state_after": "\x01state\x01",
        "after": "\x01after\x01",
    }

    def __init__(self, event: AppealEvent):
        payload = event.chain_payload()
        if set(self.PLACES) - set(payload):
            raise RuntimeError("AppealEvent.chain_payload no longer has the fields EventSeal fills in")
        text = canonical_json({**payload, **self.PLACES})
        marks = {canonical_json(mark): key for key, mark in self.PLACES.items()}
        pattern = re.compile("|".join(re.escape(m) for m in marks))
        self.parts = pattern.split(text)
        self.mac = hmac.new(audit_key(), digestmod=hashlib.sha256)  # copied per event: the key is set up once
        self.order = [marks[m] for m in pattern.findall(text)]
        if sorted(self.order) != sorted(self.PLACES):
            raise RuntimeError("EventSeal: a placeholder is missing from the template")
        event.seal("")
        after = EncodedJson(canonical_json(event.after))
        if self.hash(event.appeal_id, event.note, event.state_after, after) != event.hash:
            raise RuntimeError("EventSeal: the template's hash differs from compute_hash")

    def hash(self, subject: int, note: str, state: str, after: str) -> str:
        values = {
            "subject": str(subject),
            "note": canonical_json(note),
            "state_after": canonical_json(state),
            "after": after,
        }
        parts = self.parts
        pieces = [parts[0]]
        for i, key in enumerate(self.order, start=1):
            pieces.append(values[key])
            pieces.append(parts[i])
        mac = self.mac.copy()
        mac.update("".join(pieces).encode())
        return mac.hexdigest()


def import_appeals(
    data: bytes,
    filename: str,
    *,
    profile: ImportProfile | None = None,
    dry_run: bool = False,
    actor=None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int | None], None] | None = None,
) -> ImportReport:
    """Import a .csv or .xlsx export. Raises ImportFileError only for a file that cannot be read at all;
    every row's problem is in the report (those rows are left out, the others imported)."""
    profile = profile or builtin_profile()
    headers, rows, estimate = read_table(data, filename)
    columns = resolve_mapping(headers, profile)
    if total is not None:
        total(estimate)
    report = ImportReport(source_system=profile.source_system, dry_run=dry_run)
    lookups = Lookups(profile)
    checker = RowChecker(lookups, profile, columns, headers)
    writer = Writer(report, profile, lookups, checker, actor, dry_run)
    batch: list[tuple[int, dict]] = []
    merged: list[tuple[int, dict]] = []
    try:
        for row_number, values in rows:
            if progress is not None:
                progress(1)
            if not any(v not in (None, "") and not (isinstance(v, str) and not v.strip()) for v in values):
                continue  # blank line
            report.rows += 1
            out, problems = checker.check(values)
            for column, message in problems:
                report.problems.append(Problem(row_number, column, message))
            if out is None or not writer.accept(row_number, out):
                continue
            (merged if out["master_number"] else batch).append((row_number, out))
            if len(batch) >= batch_size:
                writer.flush(batch)
                batch = []
        writer.flush(batch)
        writer.wait()
        writer.flush(merged)  # last, once the others are committed: their masters may be anywhere in the file
    except BaseException:
        writer.close(failed=True)
        raise
    writer.close()
    report.problems.sort(key=lambda p: p.row)
    return report
