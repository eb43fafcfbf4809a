"""Saved column mappings of other hotline systems, and the link that makes an import idempotent."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportProfile(models.Model):
    """How one source system's export reads: which column is which field, and what its states mean."""

    name = models.CharField(
        _("名称"), max_length=50, unique=True, help_text=_("导入命令用 --profile 名称 选择此方案")
    )
    source_system = models.SlugField(
        _("来源系统标识"), max_length=40, help_text=_("同一来源系统的工单按其源编号只导入一次")
    )
    description = models.TextField(_("说明"), blank=True)
    # {source column header: field key of gongzhi.appeals.exchange.fields.FIELDS, or "" to ignore the column}
    mapping = models.JSONField(_("列映射"), default=dict, blank=True)
    # {source state text: AppealState value}; consulted before the built-in aliases.
    state_map = models.JSONField(_("状态映射"), default=dict, blank=True)
    # {field key: value used when the column is missing or empty}, e.g. {"channel": "hotline"}.
    defaults = models.JSONField(_("默认值"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        app_label = "appeals"
        verbose_name = _("导入方案")
        verbose_name_plural = _("导入方案")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from ..choices import AppealState
        from .fields import FIELDS

        if not isinstance(self.mapping, dict) or any(
            v not in FIELDS and v != "" for v in self.mapping.values()
        ):
            raise ValidationError({"mapping": _("列映射只能对应到可导入的字段。")})
        if not isinstance(self.state_map, dict) or any(
            v not in AppealState.values for v in self.state_map.values()
        ):
            raise ValidationError({"state_map": _("状态映射的值必须是本系统的状态。")})
        if not isinstance(self.defaults, dict) or any(k not in FIELDS for k in self.defaults):
            raise ValidationError({"defaults": _("默认值只能针对可导入的字段。")})


class ImportedAppeal(models.Model):
    """One appeal taken from another system: (source system, its id) is unique, so a re-import skips it."""

    appeal = models.OneToOneField(
        "appeals.Appeal", on_delete=models.PROTECT, related_name="import_link", verbose_name=_("诉求")
    )
    source_system = models.CharField(_("来源系统"), max_length=40)
    source_id = models.CharField(_("源编号"), max_length=64)
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        app_label = "appeals"
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "source_id"], name="imported_appeal_once_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_system}:{self.source_id}"
