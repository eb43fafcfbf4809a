from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "gongzhi.credit"
    label = "credit"
    verbose_name = _("企业信用")

    def ready(self):
        from gongzhi.core.services import resident_account_created

        from . import services

        def link_contacts(sender, user, **kwargs):
            services.link_contacts_by_phone(user)

        resident_account_created.connect(
            link_contacts, dispatch_uid="credit.link_contacts_by_phone", weak=False
        )
        from gongzhi.core import personal_data

        from . import personal_data as mine

        personal_data.register("credit", _("企业联系人"), export=mine.export, erase=mine.erase)
