from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "gongzhi.community"
    label = "community"
    verbose_name = _("共建")

    def ready(self):
        from gongzhi.core.errors import register_catalogue

        from .errors import ErrorCode

        register_catalogue(self.label, ErrorCode)
        from gongzhi.core import personal_data

        from . import conf  # noqa: F401  (declares the settings and their defaults: core.conf)
        from . import personal_data as mine

        personal_data.register("community", _("共建与志愿服务"), export=mine.export, erase=mine.erase)
