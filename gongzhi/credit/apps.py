from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _dashboard(user) -> dict:
    """The home page's first button for an enterprise's linked contact: the enterprise's own credit page."""
    from django.urls import reverse

    from gongzhi.core.context_processors import is_enterprise_contact

    if is_enterprise_contact(user, user.roles):
        return {"links": [{"label": _("本企业信用"), "url": reverse("credit:mine")}]}
    return {}


class CreditConfig(AppConfig):
    name = "gongzhi.credit"
    label = "credit"
    verbose_name = _("企业信用")

    def ready(self):
        from gongzhi.core.services import resident_account_created

        from . import (
            conf,  # noqa: F401  (declares the settings and their defaults: core.conf)
            services,
        )

        def link_contacts(sender, user, **kwargs):
            services.link_contacts_by_phone(user)

        resident_account_created.connect(
            link_contacts, dispatch_uid="credit.link_contacts_by_phone", weak=False
        )
        from gongzhi.core import dashboard, personal_data

        from . import personal_data as mine

        dashboard.register(_dashboard, order=-1)  # before the appeals' links: it is the contact's main button

        personal_data.register("credit", _("企业联系人"), export=mine.export, erase=mine.erase)
        from gongzhi.core.errors import register_catalogue

        from .errors import ErrorCode

        register_catalogue(self.label, ErrorCode)
