from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_catalogue(sender, **kwargs):
    # The shipped category catalogue is reference data: restore it after a flush (which emits post_migrate).
    from .catalogue import load_catalogue
    from .models import Category

    if not Category.objects.exists():
        load_catalogue(Category)


def _dashboard(user) -> dict:
    # views imported on the first home page, not at start-up
    from .views import dashboard_for

    return dashboard_for(user)


class AppealsConfig(AppConfig):
    name = "gongzhi.appeals"
    label = "appeals"
    verbose_name = _("诉求")

    def ready(self):
        from gongzhi.core.errors import register_catalogue

        from .errors import ErrorCode

        register_catalogue(self.label, ErrorCode)
        from gongzhi.core import dashboard, event_labels, personal_data, refcache

        from . import conf  # noqa: F401  (declares the settings and their defaults: core.conf)
        from . import personal_data as mine
        from .models import Category, DispatchRule, TimeLimit
        from .workflow import EVENT_LABELS

        event_labels.register("appeals", EVENT_LABELS)  # the appeal trail's own labels (others add theirs)
        dashboard.register(_dashboard)  # the home page's tiles (core.dashboard)
        refcache.connect(
            [Category, TimeLimit, DispatchRule]
        )  # reference rows cached per process (core.refcache)

        personal_data.register("appeals", _("我的诉求"), export=mine.export, erase=mine.erase)
        post_migrate.connect(_ensure_catalogue, sender=self)
        from gongzhi.core.sms import sms_failed, sms_received

        from .services import on_sms_failed, on_sms_received

        # An appellant's SMS joins their appeal (an answer, a 补充材料, a "1/2/3" callback); a failed SMS about an
        # appeal is said on its timeline.
        sms_received.connect(on_sms_received, dispatch_uid="gongzhi.appeals.sms_received")
        sms_failed.connect(on_sms_failed, dispatch_uid="gongzhi.appeals.sms_failed")
