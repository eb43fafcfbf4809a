from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WechatConfig(AppConfig):
    name = "gongzhi.wechat"
    label = "wechat"
    verbose_name = _("微信公众号")

    def ready(self):
        from gongzhi.core.errors import register_catalogue

        from . import conf  # noqa: F401  (declares the settings and their defaults: core.conf)
        from .errors import ErrorCode

        register_catalogue(self.label, ErrorCode)
        # core cannot import this app: it learns of the WeChat channel here (core.notifications.register_channel),
        # and of the binding as a part of a person's own data (core.personal_data).
        from gongzhi.core import personal_data
        from gongzhi.core.choices import NotificationChannel
        from gongzhi.core.notifications import register_channel

        from . import services

        register_channel(
            NotificationChannel.WECHAT,
            sender=services.send_template_notice,
            available=services.wechat_notice_data,
        )
        personal_data.register(
            "wechat",
            _("微信绑定"),
            export=services.export_binding,
            erase=services.erase_binding,
            manage="wechat:binding",
        )
        from gongzhi.core.admin import register_audit_labels

        register_audit_labels(
            {
                "wechat_bind": _("绑定微信"),
                "wechat_unbind": _("解除微信绑定"),
                "merge_account": _("微信账号并入本人账号"),
                "wechat_log_retention": _("依保存期限删除公众号消息记录"),
            }
        )
