from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo (`gongzhi load_demo`, `gongzhi demo_accounts`): a county, its units and users, and real appeals
    replayed through every app's services. It may import every domain app; core imports none (issue 20)."""

    name = "gongzhi.demo"
    label = "demo"
    verbose_name = _("演示数据")
