"""Insight records: the classifier's prediction for each new appeal, the hot spots kept current on commit,
residents' co-signs (附议) and the proactive tasks made from surge alerts (未诉先办)."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Appeal, AppealEvent, Category
from gongzhi.core.audit import ChainedEvent
from gongzhi.core.models import Region, Unit


class AppealPrediction(models.Model):
    """Top-3 first-level categories with calibrated confidences, and the router's three lead units with their
    reasons (insight.router); `suggested_unit` is the best of them."""

    appeal = models.OneToOneField(
        Appeal, on_delete=models.CASCADE, related_name="prediction", verbose_name=_("诉求")
    )
    top3 = models.JSONField(_("前三分类"), default=list)  # [{"name", "category", "confidence"}]
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("预测分类"),
    )
    confidence = models.FloatField(_("置信度"), default=0.0)
    suggested_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("建议主办单位"),
    )
    units = models.JSONField(
        _("推荐主办单位"), default=list, blank=True
    )  # [{"unit", "name", "score", "reasons"}]
    model_version = models.CharField(_("模型版本"), max_length=100, blank=True)
    auto_dispatched = models.BooleanField(_("自动派单"), default=False)
    created_at = models.DateTimeField(_("预测时间"), default=timezone.now)

    class Meta:
        verbose_name = _("分类预测")
        verbose_name_plural = _("分类预测")

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.category_id} {self.confidence:.2f}"

    @property
    def confidence_words(self) -> str:
        """The confidence as a dispatcher reads it (the model's file name and version are for admins)."""
        if self.confidence >= 0.8:
            return str(_("把握较大"))
        if self.confidence >= 0.5:
            return str(_("仅供参考"))
        return str(_("把握不大，请人工判断"))


class PlaceKind(models.TextChoices):
    ESTATE = "estate", _("小区/楼盘")
    ROAD = "road", _("道路/村组")
    LANDMARK = "landmark", _("学校/医院/场所")
    REGION = "region", _("街道/社区")


class PlaceSource(models.TextChoices):
    LEARNT = "learnt", _("从诉求中学习")
    EDITED = "edited", _("人工维护")


class Place(models.Model):
    """A gazetteer entry (地名库, insight/places.py): a place that appeals name, the key its spellings share and the
    name to show. Learnt from the appeals (`gongzhi learn_places`, daily) and kept editable in the admin: a name
    can be corrected, other spellings added, and a word that is not a place refused (it is then never one)."""

    key = models.CharField(
        _("地名键"), max_length=100, unique=True, help_text=_("同一地点各种写法共有的核心名称，如“魅力之城”")
    )
    name = models.CharField(
        _("显示名称"), max_length=100, help_text=_("热点标签中显示的名称，如“魅力之城小区”")
    )
    aliases = models.CharField(
        _("其他写法"), max_length=500, blank=True, help_text=_("用逗号分隔，如“万科魅力之城，魅力之城小区”")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=PlaceKind.choices, default=PlaceKind.ESTATE)
    refused = models.BooleanField(
        _("不是地点"), default=False, help_text=_("勾选后，这个词不再被当作地点（如“市委市政府”）")
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=PlaceSource.choices, default=PlaceSource.LEARNT
    )
    appeals = models.PositiveIntegerField(_("提及诉求数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("地名")
        verbose_name_plural = _("地名库")
        ordering = ["-appeals", "key"]

    def __str__(self) -> str:
        return self.name


class HotSpot(models.Model):
    """A cluster of appeals about one problem in one place (see insight/hotspots.py for the heat index).
    `label` is computed from the members on every change; `name`, when staff gave one, is what people read."""

    label = models.CharField(_("标签"), max_length=200, blank=True)
    name = models.CharField(
        _("名称"), max_length=200, blank=True, help_text=_("工作人员命名后，标签不再随诉求变化")
    )
    place = models.CharField(_("地点"), max_length=200, blank=True)
    heat = models.FloatField(_("热度"), default=0.0, db_index=True)
    size = models.PositiveIntegerField(_("诉求数"), default=0)
    residents = models.PositiveIntegerField(_("诉求人数"), default=0)
    growth = models.FloatField(_("增长"), default=0.0)
    start = models.DateTimeField(_("开始时间"), null=True, blank=True)
    end = models.DateTimeField(_("最近时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    # The deliberation topic this hot spot was turned into (one click on the hot-spot page), if any.
    topic = models.ForeignKey(
        "deliberation.Topic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hotspots",
        verbose_name=_("协商议题"),
    )

    class Meta:
        verbose_name = _("热点问题")
        verbose_name_plural = _("热点问题")
        ordering = ["-heat", "-size", "pk"]
        indexes = [models.Index(F("heat").desc(), F("size").desc(), F("id"), name="insight_hotspot_rank")]

    def __str__(self) -> str:
        return self.title or str(self.pk)

    @property
    def title(self) -> str:
        """What people read: the name staff gave it, else the computed label."""
        return self.name or self.label


class HotSpotMember(models.Model):
    hotspot = models.ForeignKey(HotSpot, on_delete=models.CASCADE, related_name="members")
    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="hotspot_membership")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("热点成员")
        verbose_name_plural = _("热点成员")

    def __str__(self) -> str:
        return f"{self.hotspot_id}/{self.appeal_id}"


class CoSign(models.Model):
    """附议: a resident joins an existing appeal about the same problem ("me too", appeals spec §6).
    Once per person and appeal; counted as a distinct resident in the heat of the appeal's hot spot."""

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="cosigns", verbose_name=_("附议的诉求")
    )
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cosigns", verbose_name=_("附议人")
    )
    # The resident's own appeal that led here (the submission that found the duplicate), if any.
    own_appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("本人诉求")
    )
    created_at = models.DateTimeField(_("附议时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["appeal", "resident"], name="insight_cosign_once")]

    def __str__(self) -> str:
        return f"{self.appeal_id}+{self.resident_id}"


class ProactiveTaskState(models.TextChoices):
    ASSIGNED = "assigned", _("已交办")
    DONE = "done", _("已完成")


class ProactiveTask(models.Model):
    """未诉先办: a surge alert (category × street × day) turned into a task for a unit before more appeals come."""

    title = models.CharField(_("任务"), max_length=200)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("诉求分类"),
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道"))
    alert_day = models.DateField(_("预警日期"))
    alert_count = models.PositiveIntegerField(_("当日诉求量"), default=0)
    alert_baseline = models.FloatField(_("基线（日均）"), default=0.0)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="proactive_tasks", verbose_name=_("承办单位")
    )
    instructions = models.TextField(_("交办要求"), blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=ProactiveTaskState.choices, default=ProactiveTaskState.ASSIGNED
    )
    due_date = models.DateField(_("办理期限"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("交办人")
    )
    created_at = models.DateTimeField(_("交办时间"), default=timezone.now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("完成人"),
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("办理情况"), blank=True)

    class Meta:
        verbose_name = _("主动治理任务")
        verbose_name_plural = _("主动治理任务")
        ordering = ["state", "due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region", "alert_day", "unit"], name="insight_task_once_per_alert_unit"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProactiveTaskEvent(ChainedEvent):
    """The task's audit trail (one hash chain per task; the task row is locked to append)."""

    chain_subject_field = "task"

    task = models.ForeignKey(ProactiveTask, on_delete=models.PROTECT, related_name="events")

    class Meta(ChainedEvent.Meta):
        verbose_name = _("主动治理任务事件")
        verbose_name_plural = _("主动治理任务事件")


class AlertScope(models.TextChoices):
    COMMUNITY = "community", _("我的社区")
    RADIUS = "radius", _("某地点周边")


class AlertFrequency(models.TextChoices):
    INSTANT = "instant", _("立即提醒")
    DAILY = "daily", _("每日汇总")


class AlertSubscription(models.Model):
    """附近提醒: a resident or community worker follows an area (a community, or a radius around a point) and
    a category (or all), and is told of new hot spots and replies there, at once or in a daily digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
        verbose_name=_("订阅人"),
    )
    scope = models.CharField(
        _("范围"), max_length=16, choices=AlertScope.choices, default=AlertScope.COMMUNITY
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("社区")
    )
    latitude = models.DecimalField(_("纬度(WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度(WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("半径(米)"), null=True, blank=True)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("分类"),
        help_text=_("一级分类；留空表示全部"),
    )
    frequency = models.CharField(
        _("提醒方式"), max_length=16, choices=AlertFrequency.choices, default=AlertFrequency.INSTANT
    )
    created_at = models.DateTimeField(_("订阅时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附近提醒订阅")
        verbose_name_plural = _("附近提醒订阅")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope="community", region__isnull=False)
                    | models.Q(
                        scope="radius",
                        latitude__isnull=False,
                        longitude__isnull=False,
                        radius_m__isnull=False,
                    )
                ),
                name="insight_alert_area_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.scope}"


class AlertItem(models.Model):
    """One thing a subscription was told of (or will be, in the next daily digest): once per subscription and
    subject, so a hot spot refreshed ten times or a reply saved twice alerts once."""

    subscription = models.ForeignKey(AlertSubscription, on_delete=models.CASCADE, related_name="items")
    subject = models.CharField(max_length=64)  # "hotspot:<id>" or "reply:<appeal id>:<event id>"
    text = models.CharField(_("内容"), max_length=300)  # personal data removed (core.redaction)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("附近提醒")
        verbose_name_plural = _("附近提醒")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["subscription", "subject"], name="insight_alert_once")]
        indexes = [
            models.Index(
                fields=["sent_at"], condition=models.Q(sent_at__isnull=True), name="insight_alert_pending"
            )
        ]

    def __str__(self) -> str:
        return self.subject


class ReplyScore(models.Model):
    """答复质量: the score of one reply when it was written (insight.replies: four parts, overall, level and the
    reasons in words). Keyed to the reply's event on the appeal's trail, so each round of a reopened appeal keeps
    its own score and the rates page counts them by the unit that replied and the month it replied in."""

    event = models.OneToOneField(
        AppealEvent, on_delete=models.CASCADE, related_name="reply_score", verbose_name=_("答复事件")
    )
    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="reply_scores", verbose_name=_("诉求")
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("答复单位")
    )
    replied_at = models.DateTimeField(_("答复时间"))
    relevance = models.FloatField(_("相关性"))
    completeness = models.FloatField(_("完整性"))
    explainability = models.FloatField(_("解释性"))
    timeliness = models.FloatField(_("及时性"))
    overall = models.FloatField(_("总分"))
    level = models.CharField(_("评价"), max_length=8)
    reasons = models.JSONField(_("扣分原因"), default=list)
    template_only = models.BooleanField(_("只有模板语"), default=False)

    class Meta:
        verbose_name = _("答复质量")
        verbose_name_plural = _("答复质量")
        ordering = ["-replied_at", "-pk"]
        indexes = [models.Index(fields=["unit", "replied_at"], name="insight_replyscore_unit_month")]

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.overall:.2f}"

    @property
    def reasons_text(self) -> str:
        return "；".join(self.reasons)
