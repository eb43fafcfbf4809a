"""Shapes of the appeals API: what goes out (an appeal, its timeline, the rates) and what comes in
(a submission, one small serializer per workflow action, the query filters).

Input serializers only check types and look up references; the services decide what is allowed.
"""

import operator
import re
import threading
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from gongzhi.core.ids import parse_id
from gongzhi.core.masking import staff_label
from gongzhi.core.models import Region, Unit
from gongzhi.core.phones import clean_contact_phone
from gongzhi.core.selectors import region_by_code
from gongzhi.core.serializers import IdField

from . import deadlines, services
from .choices import AppealKind, AppealState, Channel, Light, ReferTarget, Satisfaction, Urgency
from .models import Appeal, Attachment, Category, KnowledgeArticle
from .selectors import active_category_by_code, appellant_for, timeline, visible_appeals
from .workflow import WORKFLOW, event_label

# ---------------------------------------------------------------- reference data


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "level", "parent"]


class CategoryFilterSerializer(serializers.Serializer):
    level = serializers.IntegerField(required=False, min_value=1, max_value=3, label=_("层级"))
    parent = IdField(required=False, label=_("上级分类 id"))


class KnowledgeArticleSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = KnowledgeArticle
        fields = ["id", "title", "body", "keywords", "category", "updated_at"]


class KnowledgeQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        label=_("检索词（以空格分隔，须全部出现在标题、正文或关键词中）"),
    )


# ---------------------------------------------------------------- an appeal, out


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class IdNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AppellantSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text=_("按权限打码，如 138****8000"))
    contact_phone = serializers.CharField(
        help_text=_("居民另留的联系电话（未核实，不用于发送通知），按权限打码")
    )
    id_number = serializers.CharField()
    hidden = serializers.BooleanField(help_text=_("匿名或保密：不显示身份"))
    can_reveal = serializers.BooleanField(help_text=_("可调用 reveal_contact 查看完整号码（留痕）"))


class EventSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    action = serializers.CharField()
    action_label = serializers.SerializerMethodField()
    actor_label = serializers.CharField()
    note = serializers.CharField()
    state_before = serializers.CharField()
    state_after = serializers.CharField()
    unit = serializers.CharField(source="unit.name", allow_null=True)

    def get_action_label(self, event) -> str:
        return event_label(event.action)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "uploaded_at"]


def _code_name(obj) -> dict | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _id_name(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


class AppealListSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(
        source="status_label", help_text=_("诉求人看到的状态：办结的诉求按办结原因写，如 已撤回、已转办")
    )
    kind_label = serializers.CharField(source="get_kind_display")
    channel_label = serializers.CharField(source="get_channel_display")
    urgency_label = serializers.CharField(source="get_urgency_display")
    region = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    lead_unit = serializers.SerializerMethodField()
    light = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
            "channel",
            "channel_label",
            "urgency",
            "urgency_label",
            "state",
            "state_label",
            "title",
            "region",
            "category",
            "lead_unit",
            "received_at",
            "dispatch_due",
            "sign_due",
            "contact_due",
            "reply_due",
            "callback_due",
            "light",
            "reopen_count",
            "extension_count",
            "supervision_level",
        ]

    @extend_schema_field(CodeNameSerializer)
    def get_region(self, appeal):
        return _code_name(appeal.region)

    @extend_schema_field(CodeNameSerializer(allow_null=True))
    def get_category(self, appeal):
        return _code_name(appeal.category)

    @extend_schema_field(IdNameSerializer(allow_null=True))
    def get_lead_unit(self, appeal):
        return _id_name(appeal.lead_unit)

    @extend_schema_field(serializers.ChoiceField(choices=Light.choices))
    def get_light(self, appeal):
        return deadlines.light(appeal)


class AppealReplyQualitySerializer(serializers.Serializer):
    """答复质量 (insight.replies): each part and the overall score in [0, 1], the level and the reasons in words."""

    relevance = serializers.FloatField(help_text=_("相关性"))
    completeness = serializers.FloatField(help_text=_("完整性"))
    explainability = serializers.FloatField(help_text=_("解释性"))
    timeliness = serializers.FloatField(help_text=_("及时性"))
    overall = serializers.FloatField(help_text=_("总分"))
    level = serializers.CharField(help_text=_("评价：好 / 一般 / 较差"))
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text=_("扣分原因，如“未说明依据”“只有模板语”")
    )


class AppealDetailSerializer(AppealListSerializer):
    co_units = serializers.SerializerMethodField()
    master = serializers.SerializerMethodField()
    close_reason_label = serializers.CharField(source="get_close_reason_display")
    appellant = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    suggested_dispatch = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    refer_target = serializers.CharField(help_text=_("转办去向（110/119/120/122/litigation/…），未转办为空"))
    first_receiver = serializers.SerializerMethodField()
    reply_quality = serializers.SerializerMethodField()

    class Meta(AppealListSerializer.Meta):
        fields = [
            *AppealListSerializer.Meta.fields,
            "content",
            "address",
            "longitude",
            "latitude",
            "co_units",
            "dispatched_at",
            "signed_at",
            "contacted_at",
            "replied_at",
            "closed_at",
            "reply_text",
            "close_reason",
            "close_reason_label",
            "close_note",
            "refer_target",
            "master",
            "appellant",
            "first_receiver",
            "available_actions",
            "suggested_dispatch",
            "attachments",
            "events",
            "reply_quality",
        ]

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(IdNameSerializer(many=True))
    def get_co_units(self, appeal):
        return [_id_name(unit) for unit in appeal.co_units.order_by("code")]

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=_("主诉求编号")))
    def get_master(self, appeal):
        return appeal.master.number if appeal.master_id else None

    @extend_schema_field(AppellantSerializer)
    def get_appellant(self, appeal):
        return appellant_for(self._user(), appeal)

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text=_("首接负责人（姓名与单位），尚无人首接为 null"))
    )
    def get_first_receiver(self, appeal):
        return staff_label(appeal.first_receiver) if appeal.first_receiver_id else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_actions(self, appeal):
        user = self._user()
        roles = user.roles if user.is_authenticated else set()
        actions = WORKFLOW.available(appeal.state, roles)
        if "answer" in actions and services.pending_question(appeal) is None:
            actions.remove("answer")  # nothing to answer
        return actions

    @extend_schema_field(IdNameSerializer(allow_null=True))
    def get_suggested_dispatch(self, appeal):
        rule = services.suggest_dispatch(appeal.category, appeal.region)
        return _id_name(rule.unit) if rule is not None else None

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, appeal):
        return EventSerializer(timeline(appeal), many=True).data

    @extend_schema_field(
        AppealReplyQualitySerializer(
            allow_null=True, help_text=_("最近一次答复的质量（仅工作人员可见；居民、未答复时为 null）")
        )
    )
    def get_reply_quality(self, appeal):
        from gongzhi.insight.quality import score_for

        row = score_for(self._user(), appeal)
        return None if row is None else AppealReplyQualitySerializer(row).data


class SubmittedAppealSerializer(AppealDetailSerializer):
    tracking_code = serializers.CharField(required=False, help_text=_("无账号提交时的查询码（仅返回一次）"))

    class Meta(AppealDetailSerializer.Meta):
        fields = [*AppealDetailSerializer.Meta.fields, "tracking_code"]


# ---------------------------------------------------------------- a just-submitted appeal, out (fast path)

# The fields of AppealDetailSerializer that read the appeal's own attributes (no method, no nesting): built once
# per process from the serializer itself, so the fast path below cannot drift from it (test_api checks both).
_PLAIN_FIELDS: list | None = None
_COMPUTED = {
    "region",
    "category",
    "lead_unit",
    "light",
    "co_units",
    "master",
    "appellant",
    "available_actions",
    "suggested_dispatch",
    "attachments",
    "events",
    "reply_quality",
}
_DATETIME = serializers.DateTimeField()


def _plain_fields() -> list:
    """[(name, None for a computed field, else (how to read it from the appeal, the field))]."""
    global _PLAIN_FIELDS
    if _PLAIN_FIELDS is None:
        fields = AppealDetailSerializer(context={}).fields
        _PLAIN_FIELDS = [
            (name, None if name in _COMPUTED else (_reader(field), field)) for name, field in fields.items()
        ]
    return _PLAIN_FIELDS


def _reader(field):
    """What `field.get_attribute(appeal)` returns, without DRF's per-call inspection of the attribute: a model
    field's value, or for `get_<choice field>_display` what Django's method returns (the same label lookup, with
    the choices turned into a dict once instead of at every call)."""
    if len(field.source_attrs) != 1:
        return field.get_attribute
    source = field.source_attrs[0]
    display = re.fullmatch(r"get_(\w+)_display", source)
    if display:
        model_field = Appeal._meta.get_field(display[1])
        labels = dict(make_hashable(model_field.flatchoices))
        attname = model_field.attname
        return lambda appeal: force_str(
            labels.get(make_hashable(getattr(appeal, attname)), getattr(appeal, attname)), strings_only=True
        )
    try:
        model_field = Appeal._meta.get_field(source)
    except FieldDoesNotExist:
        return field.get_attribute
    if model_field.is_relation:
        return field.get_attribute
    return operator.attrgetter(model_field.attname)


def _when(value):
    return _DATETIME.to_representation(value) if value is not None else None


def submitted_appeal_data(appeal, user, *, events, attachments, tracking_code: str = "") -> dict:
    """What `SubmittedAppealSerializer` renders for an appeal accepted in this request, from the objects the
    intake already holds (`events`: its first event; `attachments`: the rows it created; services.submit_appeal
    leaves both in `appeal.submitted_rows`), without a query for
    what a new appeal cannot have yet (co-units, a master, a lead unit) and without building the serializer's
    fields per request (the intake's hot path: half its CPU went there)."""
    roles = user.roles if getattr(user, "is_authenticated", False) else set()
    computed = {
        "region": _code_name(appeal.region),
        "category": _code_name(appeal.category),
        "lead_unit": _id_name(appeal.lead_unit) if appeal.lead_unit_id else None,
        "light": deadlines.light(appeal),
        "co_units": [],
        "master": None,
        "appellant": appellant_for(user, appeal),
        "available_actions": [
            a for a in WORKFLOW.available(appeal.state, roles) if a != "answer"
        ],  # no question yet
        "suggested_dispatch": _id_name(rule.unit)
        if (rule := services.suggest_dispatch(appeal.category, appeal.region)) is not None
        else None,
        "attachments": [
            {
                "id": a.pk,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_at": _when(a.uploaded_at),
            }
            for a in attachments
        ],
        "events": [
            {
                "created_at": _when(e.created_at),
                "action": e.action,
                "action_label": event_label(e.action),
                "actor_label": e.actor_label,
                "note": e.note,
                "state_before": e.state_before,
                "state_after": e.state_after,
                "unit": e.unit.name if e.unit_id else None,
            }
            for e in events
        ],
        "reply_quality": None,  # not replied yet
    }
    data = {}
    for name, plain in _plain_fields():
        if plain is None:
            data[name] = computed[name]
            continue
        read, field = plain
        value = read(appeal)
        data[name] = None if value is None else field.to_representation(value)
    if tracking_code:
        data["tracking_code"] = tracking_code
    return data


class AppealMapPointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    longitude = serializers.FloatField(help_text="WGS-84")
    latitude = serializers.FloatField(help_text="WGS-84")
    light = serializers.ChoiceField(choices=Light.choices)


class AppealMapSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("点位数"))
    truncated = serializers.BooleanField(help_text=_("符合条件的多于上限，只给出最近的"))
    points = AppealMapPointSerializer(many=True)


class AppealFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=AppealState.choices, required=False, allow_blank=True, label=_("状态")
    )
    light = serializers.ChoiceField(choices=Light.choices, required=False, allow_blank=True, label=_("亮灯"))
    lead_unit = IdField(required=False, label=_("主办单位 id"))
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, label=_("标题包含"))


# ---------------------------------------------------------------- a submission, in


REGION_MESSAGES = {
    "does_not_exist": _("区域编码「{value}」不存在。"),
    "invalid": _("区域编码无效。"),
    "null": _("请填写区域编码。"),
    "required": _("请填写区域编码。"),
}
CATEGORY_MESSAGES = {
    "does_not_exist": _("分类编码「{value}」不存在或已停用。"),
    "invalid": _("分类编码无效。"),
}


class CachedSlugField(serializers.SlugRelatedField):
    """A code → row field that finds the row through a per-process cache (core.refcache) instead of a query.

    The queryset is a class attribute, not an argument: DRF deep-copies every field's arguments for each
    serializer it builds, and copying a queryset cost more than the rest of the intake's parsing. A value the
    cache cannot key (not a plain string) takes the queryset's path, so every answer is the one it gives."""

    lookup = None  # code → instance or None

    def to_internal_value(self, data):
        if not isinstance(data, str):
            return super().to_internal_value(data)
        if (
            "\x00" in data
        ):  # no code holds one, and PostgreSQL refuses it even in a query (a 500 found by make fuzz)
            self.fail("invalid")
        found = type(self).lookup(data)
        if found is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return found


class RegionCodeField(CachedSlugField):
    queryset = Region.objects.all()
    lookup = staticmethod(region_by_code)
    default_error_messages = REGION_MESSAGES

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)


class CategoryCodeField(CachedSlugField):
    queryset = Category.objects.filter(is_active=True)
    lookup = staticmethod(active_category_by_code)
    default_error_messages = CATEGORY_MESSAGES

    def __init__(self, **kwargs):
        kwargs = {"required": False, "allow_null": True, "default": None, **kwargs}
        super().__init__(slug_field="code", **kwargs)


class UnitField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "required": _("请选择单位。"),
        "does_not_exist": _("单位 id {pk_value} 不存在或已停用。"),
        "incorrect_type": _("单位须以 id（整数）表示。"),
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Unit.objects.filter(is_active=True), **kwargs)


def _text(max_length=2000, **kwargs):
    return serializers.CharField(max_length=max_length, **kwargs)


def _optional_text(max_length=2000):
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, default="")


_bound_fields = threading.local()  # {serializer class: its bound fields}, per thread


class SubmitAppealSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AppealKind.choices, label=_("诉求类型"))
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        default=Channel.API,
        label=_("渠道"),
        help_text=_("居民提交时按网站渠道登记；话务员等须选择受理渠道"),
    )
    title = _text(200, label=_("标题"))
    content = _text(10000, label=_("诉求内容"))
    region = RegionCodeField(
        label=_("区域编码"),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("不填时须给出经纬度，按区域边界定位所在区域"),
    )
    category = CategoryCodeField(label=_("分类编码"))
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL, label=_("紧急程度"))
    address = _optional_text(200)
    longitude = serializers.DecimalField(
        max_digits=16, decimal_places=10, required=False, allow_null=True, default=None, help_text="WGS-84"
    )
    latitude = serializers.DecimalField(
        max_digits=16, decimal_places=10, required=False, allow_null=True, default=None, help_text="WGS-84"
    )
    appellant_name = _optional_text(50)
    appellant_phone = _optional_text(20)
    appellant_id_number = _optional_text(18)
    id_number_consent = serializers.BooleanField(
        default=False,
        label=_("身份证号单独同意"),
        help_text=_("提供身份证号时须为 true：诉求人已知悉用途（核实身份，仅承办单位可见）并单独同意"),
    )
    anonymous = serializers.BooleanField(default=False, label=_("匿名"))
    confidential = serializers.BooleanField(default=False, label=_("保密"))
    client_key = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text=_("幂等键（也可用 Idempotency-Key 请求头）"),
    )
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=200),
        required=False,
        default=list,
        max_length=9,
        help_text=_("multipart 上传，可重复"),
    )

    @property
    def fields(self):
        """The bound fields, built once per thread. DRF deep-copies every declared field for each serializer (a
        quarter of parsing a submission); these fields keep nothing of a request while validating (the serializer
        is never partial), and they are bound to a prototype that holds no data."""
        per_thread = _bound_fields.__dict__
        fields = per_thread.get(type(self))
        if fields is None:
            prototype = type(self)()
            fields = BindingDict(prototype)
            for key, value in prototype.get_fields().items():
                fields[key] = value
            per_thread[type(self)] = fields
        return fields

    def validate_appellant_phone(self, value):
        return clean_contact_phone(value)  # a mobile or a landline; DRF answers a ValidationError with 400

    def validate(self, data):
        for field in ("longitude", "latitude"):
            if data[field] is not None:
                data[field] = Decimal(data[field]).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        data["client_key"] = data.get("client_key") or None
        return data


# ---------------------------------------------------------------- one small serializer per workflow action


class NoteInput(serializers.Serializer):
    note = _optional_text()


class RequiredNoteInput(serializers.Serializer):
    note = _text(label=_("说明"))


class DispatchInput(serializers.Serializer):
    lead_unit = UnitField(label=_("主办单位 id"))
    co_units = UnitField(many=True, required=False, default=list, label=_("协办单位 id 列表"))
    category = CategoryCodeField(label=_("分类编码（改分类时填写）"))
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, allow_blank=True, default="")
    note = _optional_text()

    def validate(self, data):
        data["urgency"] = data.get("urgency") or None
        return data


class RecordProgressInput(serializers.Serializer):
    note = _text(label=_("办理进展"))


class SupplementInput(serializers.Serializer):
    """补充材料: text, photos (multipart, repeatable `attachments`) or both."""

    text = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", label=_("补充内容")
    )
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=200),
        required=False,
        default=list,
        max_length=9,
        help_text=_("multipart 上传，可重复"),
    )


class AskInput(serializers.Serializer):
    question = _text(500, label=_("询问内容"))


class AnswerInput(serializers.Serializer):
    text = _text(2000, label=_("答复内容"))


class ReplyInput(serializers.Serializer):
    text = _text(10000, label=_("答复内容"))


class CallbackInput(serializers.Serializer):
    contacted = serializers.BooleanField(
        required=False, allow_null=True, default=None, label=_("承办单位是否联系过您")
    )
    solved = serializers.BooleanField(required=False, allow_null=True, default=None, label=_("是否解决"))
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_blank=True, default="", label=_("满意度")
    )
    reached = serializers.BooleanField(default=True, label=_("回访是否接通"))
    comment = _optional_text()

    def validate(self, data):
        if data["reached"]:
            missing = {
                "contacted": _("请回答承办单位是否联系过您。"),
                "solved": _("请回答问题是否解决。"),
                "satisfaction": _("请选择满意程度。"),
            }
            errors = {field: [message] for field, message in missing.items() if data.get(field) in (None, "")}
            if errors:
                raise serializers.ValidationError(errors)
        return data


class ReasonInput(serializers.Serializer):
    reason = _text(label=_("理由"))


class OptionalReasonInput(serializers.Serializer):
    reason = _optional_text()


class RequestExtensionInput(serializers.Serializer):
    reason = _text(label=_("延期理由"))
    working_days = serializers.IntegerField(label=_("延期工作日数"))


class MergeIntoInput(serializers.Serializer):
    master = serializers.CharField(max_length=20, label=_("主诉求 id 或编号"))
    note = _optional_text()

    def validate_master(self, value):
        value = value.strip()
        lookup = Q(number=value)
        if (pk := parse_id(value)) is not None:
            lookup |= Q(pk=pk)
        master = visible_appeals(self.context["request"].user).filter(lookup).first()
        if master is None:
            raise serializers.ValidationError(_("找不到诉求「%(v)s」。") % {"v": value})
        return master


class ReferOutInput(serializers.Serializer):
    target = serializers.ChoiceField(choices=ReferTarget.choices, label=_("转办去向"))
    reason = _text(label=_("转办理由"))


class AnswerDirectlyInput(serializers.Serializer):
    text = _text(10000, label=_("答复内容"))
    article = serializers.PrimaryKeyRelatedField(
        queryset=KnowledgeArticle.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        label=_("引用的知识库文章 id"),
    )


class SuperviseInput(serializers.Serializer):
    level = serializers.IntegerField(min_value=0, max_value=3, label=_("级别：0 催办，1–3 督办"))
    note = _text(label=_("督办意见"))


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    contact_phone = serializers.CharField(help_text=_("居民另留的联系电话（未核实），无则为空"))
    id_number = serializers.CharField()


# ---------------------------------------------------------------- rates


class RatesQuerySerializer(serializers.Serializer):
    period = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        label=_("月份 YYYY-MM"),
        error_messages={"invalid": _("月份格式应为 YYYY-MM，例如 2026-03。")},
    )
    unit = IdField(required=False, label=_("单位 id"))
    by = serializers.ChoiceField(choices=[("unit", _("按单位")), ("street", _("按街道"))], default="unit")


class RateSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField()
    denominator = serializers.IntegerField()
    ci95 = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text=_("95% Wilson 区间")
    )


class GroupMetricsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True, help_text=_("样本不足（有效回访少于下限）时为 null"))
    valid_callbacks = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    resolution_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    composite = serializers.FloatField(allow_null=True)
    small_sample = serializers.BooleanField()
    response = RateSerializer()
    resolution = RateSerializer()
    satisfaction = RateSerializer()
    on_time_sign_rate = RateSerializer()
    on_time_reply_rate = RateSerializer()
    on_time_dispatch_rate = RateSerializer(help_text=_("派往本单位的派单在派单时限内的比例"))
    return_rate = RateSerializer()
    unjustified_returns = serializers.IntegerField()
    overdue_rate = RateSerializer()
    reopen_rate = RateSerializer()
    mean_handling_hours = serializers.FloatField(allow_null=True)


class RatesSerializer(serializers.Serializer):
    period = serializers.CharField()
    by = serializers.CharField()
    min_callbacks = serializers.IntegerField()
    dispatch = RateSerializer(
        allow_null=True, help_text=_("热线中心按时派单率（全部派单）；承办人查看时为 null")
    )
    results = GroupMetricsSerializer(many=True)
