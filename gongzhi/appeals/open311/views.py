"""Open311 GeoReport v2 (contract: docs/api.md § Open311). Plain Django views: the wire format is the
spec's, not DRF's, and every failure answers in the spec's `errors` shape, never as a 500."""

import hashlib
import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealKind, AppealState, CloseReason, Urgency
from gongzhi.appeals.models import Appeal, Category
from gongzhi.core import geodesy
from gongzhi.core.choices import RegionLevel
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import Region, append_audit_event
from gongzhi.core.redaction import redact_appeal

from .models import Open311Key
from .render import errors, respond

FORMATS = ("xml", "json")
MAX_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00+08:00"

# Internal state → FixMyStreet's extended status vocabulary (shown with extensions=true).
EXTENDED_STATUS: dict[str, str] = {
    AppealState.RECEIVED: "FOR_TRIAGE",
    AppealState.DISPATCHED: "ACTION_SCHEDULED",
    AppealState.RETURN_REQUESTED: "INTERNAL_REFERRAL",
    AppealState.ACCEPTED: "INVESTIGATING",
    AppealState.IN_PROGRESS: "IN_PROGRESS",
    AppealState.REPLIED: "IN_PROGRESS",
    AppealState.MERGED: "DUPLICATE",
}
CLOSED_STATUS: dict[str, str] = {
    CloseReason.RESOLVED: "FIXED",
    CloseReason.REFERRED_OUT: "NOT_COUNCILS_RESPONSIBILITY",
    CloseReason.WITHDRAWN: "CANCELLED",
    CloseReason.UNRESOLVABLE: "NO_FURTHER_ACTION",
}


def community_name(region: Region) -> str:
    """The place the public reads instead of the address: the community (a grid's parent), else the region."""
    if region.level == RegionLevel.GRID and region.parent is not None:
        return region.parent.name
    return region.name


class Open311Error(Exception):
    def __init__(self, status: int, *messages: str):
        super().__init__(messages)
        self.status, self.messages = status, messages


def endpoint(methods=("GET",)):
    """Checks the format and method and turns every refusal into the spec's error body."""

    def wrap(view):
        @csrf_exempt
        @wraps(view)
        def inner(request, *args, fmt="xml", **kwargs):
            if fmt not in FORMATS:
                return errors(
                    "xml", 400, _("不支持的格式「%(fmt)s」，请用 .xml 或 .json。") % {"fmt": fmt[:20]}
                )
            if request.method not in methods:
                return errors(fmt, 405, _("不支持 %(method)s 方法。") % {"method": request.method})
            if _has_nul(kwargs.values(), request.GET, request.POST):
                # PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database driver.
                return errors(fmt, 400, _("参数中不能含有空字符（NUL）。"))
            try:
                return view(request, fmt, *args, **kwargs)
            except Open311Error as exc:
                return errors(fmt, exc.status, *exc.messages)
            except ServiceError as exc:
                return errors(fmt, 403 if exc.status == 403 else 400, exc.message)

        return inner

    return wrap


def _has_nul(path_values, *queries) -> bool:
    values = [*path_values, *(v for q in queries for key, items in q.lists() for v in (key, *items))]
    return any("\x00" in str(v) for v in values)


def _param(data, name: str) -> str:
    # An empty optional argument is the same as an absent one (spec, general rules).
    return (data.get(name) or "").strip()


def _categories():
    return Category.objects.filter(is_active=True, children__isnull=True).select_related("parent__parent")


# ---------------------------------------------------------------- discovery and services


@endpoint()
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:root"))
    return respond(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("请联系平台管理员。"),
            "key_service": _("接口密钥由平台管理员用 `gongzhi create_open311_key 名称` 签发。"),
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": base,
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


def _service(category: Category) -> dict:
    lineage = category.lineage()
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.full_name(),
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(c.name for c in lineage),
        "group": lineage[-1].name,
    }


@endpoint()
def service_list(request, fmt):
    return respond(fmt, "services", [_service(c) for c in _categories()])


def _choice_attribute(code: str, description: str, choices, order: int, default: str) -> dict:
    return {
        "variable": True,
        "code": code,
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": _("缺省为「%(label)s」") % {"label": dict(choices)[default]},
        "order": order,
        "description": description,
        "values": [{"key": key, "name": str(label)} for key, label in choices],
    }


# Intake needs a kind (咨询/求助/投诉…) and takes an urgency; Open311 carries both as attributes.
URGENCY_CHOICES = [(k, v) for k, v in Urgency.choices if k != Urgency.COMPLEX]


def _definition_attributes() -> list[dict]:
    return [
        _choice_attribute("kind", _("诉求类型"), AppealKind.choices, 1, AppealKind.HELP),
        _choice_attribute("urgency", _("紧急程度"), URGENCY_CHOICES, 2, Urgency.NORMAL),
    ]


def _category_or_404(code: str) -> Category:
    category = _categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("没有编码为「%(code)s」的服务。") % {"code": code[:40]})
    return category


@endpoint()
def service_definition(request, fmt, service_code):
    category = _category_or_404(service_code)
    return respond(
        fmt, "service_definition", {"service_code": category.code, "attributes": _definition_attributes()}
    )


# ---------------------------------------------------------------- requests (read)


def _updated(appeal: Appeal):
    times = [
        t
        for t in (
            appeal.received_at,
            appeal.dispatched_at,
            appeal.signed_at,
            appeal.reopened_at,
            appeal.replied_at,
            appeal.closed_at,
        )
        if t
    ]
    return max(times)


def _iso(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _extended_status(appeal: Appeal) -> str:
    if appeal.state == AppealState.CLOSED:
        return CLOSED_STATUS.get(appeal.close_reason, "CLOSED")
    if appeal.reopen_count and appeal.state in (AppealState.DISPATCHED, AppealState.ACCEPTED):
        return "REOPEN"
    return EXTENDED_STATUS.get(appeal.state, "IN_PROGRESS")


def _request_row(appeal: Appeal, extensions: bool, private: bool = False) -> dict:
    """One request as the spec shapes it. Without a private-scope key (appeals spec §7): the title and description
    with personal data removed (core.redaction), the community instead of the address, and the coordinates snapped
    to the centre of their H3 resolution-9 cell (~150 m). With one: the full record."""
    category = appeal.category
    lat: Decimal | float | None
    lon: Decimal | float | None
    if private:
        description, title, address = appeal.content, appeal.title, appeal.address or None
        lat, lon = appeal.latitude, appeal.longitude
    else:
        title, description = redact_appeal(appeal)
        address = community_name(appeal.region)
        lat, lon = geodesy.snap(appeal.latitude, appeal.longitude)
    row = {
        "service_request_id": appeal.number,
        "status": "open" if appeal.is_open else "closed",
        "status_notes": appeal.status_label,
        "service_name": category.name if category else None,
        "service_code": category.code if category else "",
        "description": description[:4000],
        "agency_responsible": appeal.lead_unit.name if appeal.lead_unit is not None else None,
        "requested_datetime": _iso(appeal.received_at),
        "updated_datetime": _iso(_updated(appeal)),
        "expected_datetime": _iso(appeal.reply_due),
        "address": address,
        "lat": float(lat) if lat is not None else None,
        "long": float(lon) if lon is not None else None,
    }
    if extensions:
        row["extended_attributes"] = {
            "status": _extended_status(appeal),
            "title": title,
            "region": appeal.region.name,
            "closed_datetime": _iso(appeal.closed_at),
        }
    return row


def _reader(request) -> Open311Key | None:
    """The private-scope key a read comes with (api_key in the query), None for everyone else; a key given but
    unknown or without the scope is refused rather than silently served the public view."""
    raw = _param(request.GET, "api_key")
    if not raw:
        return None
    key = Open311Key.authenticate(raw)
    if key is None:
        raise Open311Error(403, _("api_key 无效。"))
    if not key.reads_private:
        raise Open311Error(
            403, _("该 api_key 没有读取完整记录（private）的权限；不带 api_key 可读取公开信息。")
        )
    return key


def _rows(request, appeals, extensions: bool) -> list[dict]:
    key = _reader(request)
    appeals = list(appeals)
    if key is not None and appeals:
        # One audit event per request, with the numbers it read (appeals spec §7: every private read is kept).
        append_audit_event(
            None,
            "open311_private_read",
            target=f"open311key:{key.pk}",
            note=key.name,
            after={"appeals": [a.number for a in appeals]},
        )
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return [_request_row(a, extensions, private=key is not None) for a in appeals]


def _public_appeals():
    # Confidential appeals are never shown to the public; the rest carry no personal data here.
    return Appeal.objects.filter(confidential=False, number__isnull=False).select_related(
        "category", "lead_unit", "region__parent", "appellant"
    )


def _when(value: str, name: str, end: bool = False):
    # An unencoded "+08:00" arrives as " 08:00" in a query string: read it as the client meant it.
    value = re.sub(r" (\d{2}:?\d{2})$", r"+\1", value)
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is not None:
                parsed = datetime.combine(day, datetime.max.time() if end else datetime.min.time())
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(
            400, _("%(name)s「%(value)s」不是有效的 ISO 8601 时间。") % {"name": name, "value": value[:40]}
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _positive_int(value: str, name: str, default: int, maximum: int) -> int:
    if not value:
        return default
    if not value.isdecimal() or not 1 <= int(value) <= maximum:
        raise Open311Error(400, _("%(name)s 须是 1 到 %(max)d 之间的整数。") % {"name": name, "max": maximum})
    return int(value)


def _flag(data, name: str) -> bool:
    return _param(data, name).lower() in ("true", "1", "yes")


def _list(request, fmt):
    data = request.GET
    extensions = _flag(data, "extensions")
    qs = _public_appeals()
    ids = [v.strip() for v in _param(data, "service_request_id").split(",") if v.strip()]
    if ids:  # overrides all other arguments
        rows = _rows(request, qs.filter(number__in=ids[:MAX_RESULTS]), extensions)
        return respond(fmt, "service_requests", rows)

    codes = [v.strip() for v in _param(data, "service_code").split(",") if v.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = {v.strip().lower() for v in _param(data, "status").split(",") if v.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed（可用逗号分隔）。"))
    if statuses == {"open"}:
        qs = qs.exclude(state__in=[AppealState.CLOSED, AppealState.MERGED])
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=[AppealState.CLOSED, AppealState.MERGED])

    start = _when(_param(data, "start_date"), "start_date") if _param(data, "start_date") else None
    end = _when(_param(data, "end_date"), "end_date", end=True) if _param(data, "end_date") else None
    if start and end and end < start:
        raise Open311Error(400, _("end_date 不能早于 start_date。"))
    if start and end and end - start > MAX_WINDOW:
        raise Open311Error(400, _("查询时间窗不能超过90天。"))
    if end is None:
        end = start + MAX_WINDOW if start else timezone.now()
    if start is None:
        start = end - MAX_WINDOW
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    agency = _param(data, "agency_responsible")
    if agency:
        qs = qs.filter(lead_unit__name=agency)

    # Paging extension: page (1-based) and page_size, within the spec's cap of 1000.
    page_size = _positive_int(_param(data, "page_size"), "page_size", MAX_RESULTS, MAX_RESULTS)
    page = _positive_int(_param(data, "page"), "page", 1, 10**6)
    offset = (page - 1) * page_size
    rows = _rows(request, qs.order_by("-received_at", "-id")[offset : offset + page_size], extensions)
    return respond(fmt, "service_requests", rows)


@endpoint()
def request_detail(request, fmt, service_request_id):
    appeal = _public_appeals().filter(number=service_request_id).first()
    if appeal is None:
        raise Open311Error(404, _("没有编号为「%(id)s」的公开诉求。") % {"id": service_request_id[:40]})
    return respond(fmt, "service_requests", _rows(request, [appeal], _flag(request.GET, "extensions")))


# ---------------------------------------------------------------- requests (create) and tokens

TOKEN_PREFIX = "o311:"


def _token_for(key: Open311Key, idempotency_key: str) -> str:
    # Scoped to the API key so two clients' idempotency keys never collide; unguessable for others.
    return hashlib.sha256(f"{key.pk}:{idempotency_key}".encode()).hexdigest()[:48]


def _decimal(value: str, name: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise Open311Error(400, _("%(name)s 须是数字。") % {"name": name})
    return number.quantize(Decimal("0.000001"))


def _attribute(data, code: str, choices, default: str) -> str:
    value = _param(data, f"attribute[{code}]") or default
    if value not in dict(choices):
        raise Open311Error(
            400, _("attribute[%(code)s] 的值「%(value)s」无效。") % {"code": code, "value": value[:20]}
        )
    return value


def _default_region() -> Region:
    # Open311 carries no region code: an appeal from it is filed under the county (the root region)
    # and the operator who dispatches it narrows it down, as for a hotline call with a vague address.
    region = Region.objects.filter(parent__isnull=True).order_by("path").first()
    if region is None:
        raise Open311Error(400, _("平台尚未配置区域，暂不能受理。"))
    return region


def _title(description: str) -> str:
    """The first 30 characters of the description, never cut inside a number: a phone number cut in two is no
    longer a number the masking of public reads recognises."""
    title = description[:30]
    if len(description) > 30 and re.match(r"[\d+\- ]", description[30]):
        title = re.sub(r"[\d+\- ]+$", "", title)
    return title.strip()


@endpoint(methods=("GET", "POST"))
def requests_collection(request, fmt):
    if request.method == "GET":
        return _list(request, fmt)
    return _create(request, fmt)


def _create(request, fmt):
    data = request.POST
    key = Open311Key.authenticate(_param(data, "api_key"))
    if key is None:
        raise Open311Error(403, _("api_key 缺失或无效，不能提交诉求。"))
    problems = []
    code = _param(data, "service_code")
    if not code:
        problems.append(_("缺少必填参数 service_code。"))
    lat, lon = _param(data, "lat"), _param(data, "long")
    address = _param(data, "address_string") or _param(data, "address_id")
    if not (lat and lon) and not address:
        problems.append(_("须提供位置：lat 与 long，或 address_string，或 address_id。"))
    description = _param(data, "description")
    if len(description) > 4000:
        problems.append(_("description 不能超过4000个字。"))
    if problems:
        raise Open311Error(400, *problems)
    category = _category_or_404(code)
    latitude = _decimal(lat, "lat") if lat and lon else None
    longitude = _decimal(lon, "long") if lat and lon else None
    kind = _attribute(data, "kind", AppealKind.choices, AppealKind.HELP)
    urgency = _attribute(data, "urgency", URGENCY_CHOICES, Urgency.NORMAL)
    phone = _param(data, "phone")
    name = " ".join(p for p in (_param(data, "last_name"), _param(data, "first_name")) if p)
    content = description or category.full_name()
    if len(content) < 10:
        content = (
            f"{category.full_name()}：{content}" if description else f"{category.full_name()}（Open311）"
        )
    idem = request.headers.get("Idempotency-Key", "").strip()[:200]
    token = _token_for(key, idem) if idem else ""
    with transaction.atomic():
        appeal, _code = services.submit_appeal(
            None,
            kind=kind,
            channel="api",
            title=_title(description) or category.name,
            content=content,
            region=_default_region(),
            category=category,
            urgency=urgency,
            address=address[:200],
            longitude=longitude,
            latitude=latitude,
            appellant_name=name[:50],
            appellant_phone=phone,
            anonymous=not phone,
            client_key=TOKEN_PREFIX + token if token else None,
        )
        created = appeal.events.filter(action="open311").count() == 0
        if created:
            appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
            services.record_event(
                appeal,
                None,
                "open311",
                note=_("经 Open311 接口密钥「%(name)s」提交") % {"name": key.name},
                after={"key": key.pk, "device_id": _param(data, "device_id")},
            )
            Open311Key.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    row = {
        "service_request_id": appeal.number,
        "service_notice": _("已受理，编号 %(n)s。") % {"n": appeal.number},
    }
    if _param(data, "account_id"):
        row["account_id"] = _param(data, "account_id")
    return respond(
        fmt,
        "service_requests",
        [row],
        status=201 if created else 200,
        headers={"X-Open311-Token": token} if token else None,
    )


@endpoint()
def token_detail(request, fmt, token):
    appeal = Appeal.objects.filter(client_key=TOKEN_PREFIX + token).only("number").first() if token else None
    if appeal is None:
        raise Open311Error(404, _("没有这个 token。"))
    return respond(fmt, "service_requests", [{"service_request_id": appeal.number, "token": token}])


@endpoint(methods=("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
def not_found(request, fmt, path=""):
    raise Open311Error(404, _("没有这个资源。"))
