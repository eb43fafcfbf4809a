"""Every error code the wechat app answers (see gongzhi.core.errors): the code, and when it happens."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    INVALID = "invalid", _("微信图片无法获取，或补充的不是本人的诉求")
    PHONE_NEEDED = "phone_needed", _("解除微信绑定：账号没有手机号（由公众号留言开通），解除后将无法登录")
