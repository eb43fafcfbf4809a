from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "gongzhi.deliberation"
    label = "deliberation"
    verbose_name = _("议事协商")

    def ready(self):
        from gongzhi.core.errors import register_catalogue

        from .errors import ErrorCode

        register_catalogue(self.label, ErrorCode)
        from gongzhi.core import personal_data

        from . import personal_data as mine

        personal_data.register("deliberation", _("议事协商"), export=mine.export, erase=mine.erase)
        from gongzhi.core import event_labels

        # the topic's steps, written on every appeal behind it (services._base._appellants_notice)
        event_labels.register(
            "appeals",
            {
                "deliberation_opened": _("转为议事协商议题"),
                "deliberation_resolved": _("议事协商形成决议"),
                "deliberation_task_done": _("议事落实任务完成"),
                "deliberation_completed": _("议事决议已落实"),
            },
        )
        from gongzhi.core.services import resident_account_created

        from . import services

        def link_electors(sender, user, **kwargs):
            services.link_electors_by_phone(user)

        resident_account_created.connect(
            link_electors, dispatch_uid="deliberation.link_electors_by_phone", weak=False
        )
