from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "gongzhi.calls"
    label = "calls"
    verbose_name = _("热线话务系统")

    def ready(self):
        from gongzhi.core.errors import register_catalogue

        from .errors import ErrorCode

        register_catalogue(self.label, ErrorCode)
        from django.db.models.signals import post_save

        from gongzhi.appeals.models import Appeal

        from . import services

        post_save.connect(services.appeal_saved, sender=Appeal, dispatch_uid="calls.link_appeal")
        from django.utils.translation import gettext_lazy as _

        from gongzhi.core import event_labels

        event_labels.register("appeals", {"link_call": _("关联来电录音")})  # services.link_call
        from gongzhi.core import personal_data

        from . import personal_data as calls_data

        personal_data.register("calls", _("热线来电"), export=calls_data.export, erase=calls_data.erase)
        from gongzhi.core.admin import register_audit_labels

        register_audit_labels(
            {
                "cti_key_issued": _("签发话务系统接口密钥"),
                "cti_key_revoked": _("吊销话务系统接口密钥"),
                "call_retention": _("依保存期限删除来电号码"),
            }
        )
