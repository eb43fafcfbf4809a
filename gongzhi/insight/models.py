"""Insight records: the classifier's prediction for each new appeal, and the hot spots kept current on commit."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Appeal, Category
from gongzhi.core.models import Unit


class AppealPrediction(models.Model):
    """Top-3 first-level categories with calibrated confidences, and the catalogue's suggested lead unit."""

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="prediction",
                                  verbose_name=_("诉求"))
    top3 = models.JSONField(_("前三分类"), default=list)  # [{"name", "category", "confidence"}]
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("预测分类"))
    confidence = models.FloatField(_("置信度"), default=0.0)
    suggested_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                       verbose_name=_("建议主办单位"))
    model_version = models.CharField(_("模型版本"), max_length=100, blank=True)
    auto_dispatched = models.BooleanField(_("自动派单"), default=False)
    created_at = models.DateTimeField(_("预测时间"), default=timezone.now)

    class Meta:
        verbose_name = _("分类预测")
        verbose_name_plural = _("分类预测")

    def __str__(self) -> str:
        return f"{self.appeal_id}: {self.category_id} {self.confidence:.2f}"


class HotSpot(models.Model):
    """A cluster of appeals about one problem in one place (see insight/hotspots.py for the heat index)."""

    label = models.CharField(_("标签"), max_length=200, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    heat = models.FloatField(_("热度"), default=0.0, db_index=True)
    size = models.PositiveIntegerField(_("诉求数"), default=0)
    residents = models.PositiveIntegerField(_("诉求人数"), default=0)
    growth = models.FloatField(_("增长"), default=0.0)
    start = models.DateTimeField(_("开始时间"), null=True, blank=True)
    end = models.DateTimeField(_("最近时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("热点问题")
        verbose_name_plural = _("热点问题")
        ordering = ["-heat", "-size", "pk"]

    def __str__(self) -> str:
        return self.label or str(self.pk)


class HotSpotMember(models.Model):
    hotspot = models.ForeignKey(HotSpot, on_delete=models.CASCADE, related_name="members")
    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="hotspot_membership")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("热点成员")
        verbose_name_plural = _("热点成员")

    def __str__(self) -> str:
        return f"{self.hotspot_id}/{self.appeal_id}"
