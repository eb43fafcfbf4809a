"""Every error code the wechat app answers (see gongzhi.core.errors): the code, and when it happens."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = "invalid", _("微信图片无法获取，或补充的不是本人的诉求")
