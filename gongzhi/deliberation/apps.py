from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "gongzhi.deliberation"
    label = "deliberation"
    verbose_name = _("议事协商")

    def ready(self):
        from gongzhi.core import personal_data

        from . import personal_data as mine

        personal_data.register("deliberation", _("议事协商"), export=mine.export, erase=mine.erase)
        from gongzhi.core.services import resident_account_created

        from . import services

        def link_electors(sender, user, **kwargs):
            services.link_electors_by_phone(user)

        resident_account_created.connect(
            link_electors, dispatch_uid="deliberation.link_electors_by_phone", weak=False
        )
