"""Rows behind residents' notices: the admin-editable templates and each user's channel choices.

The logic (the registry of notice kinds, rendering, validation, sending) lives in `core.notices`.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationTemplate(models.Model):
    """The Chinese text of one notice kind, rendered with Django's template engine.

    Seeded from the registry's defaults after every migrate; an admin may edit it. A template that does not
    compile, uses an unknown variable or fails on sample data is refused on save, so an edit can never make
    a notice unsendable (and rendering still falls back to the shipped default if a row was changed behind
    the model's back)."""

    kind = models.CharField(_("通知类型"), max_length=40, unique=True)
    subject = models.CharField(_("标题模板"), max_length=200)
    body = models.TextField(_("正文模板"))
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("修改人"),
    )

    class Meta:
        verbose_name = _("通知模板")
        verbose_name_plural = _("通知模板")
        ordering = ["kind"]

    def __str__(self) -> str:
        from gongzhi.core.notices import get_kind

        kind = get_kind(self.kind, default=None)
        return str(kind.label) if kind else self.kind

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean()  # also for writes that bypass forms (shell, API, data migrations)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from gongzhi.core.notices import validate_template

        errors = validate_template(self.kind, self.subject, self.body)
        if errors:
            raise ValidationError(errors)


class NotificationPreference(models.Model):
    """The channels a user chose and the optional notice kinds they turned off. No row: the defaults
    (site messages and SMS on, e-mail off, every kind on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("用户"),
    )
    sms = models.BooleanField(_("短信通知"), default=True)
    email = models.BooleanField(_("邮件通知"), default=False)
    disabled_kinds = models.JSONField(_("已关闭的可选通知"), default=list, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self) -> str:
        return str(self.user)
