"""Every error code the calls app answers (see gongzhi.core.errors): the code, and when it happens."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = "invalid", _("话务系统推送的来电记录有误（如来电号码不是数字、时间不是 ISO 8601 格式）")
