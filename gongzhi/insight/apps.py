import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def appeal_saved(sender, instance, created, raw=False, **kwargs):
    """A new appeal: classify it and update the hot spots once its transaction commits (one task, its row
    written with the appeal: gongzhi.core.taskqueue)."""
    if not created or raw:
        return
    try:
        from gongzhi.core.taskqueue import defer

        from . import tasks

        defer(tasks.analyse_appeal, instance.pk)
    except Exception:
        logger.exception("could not schedule insight tasks for appeal %s", getattr(instance, "pk", None))


def appeal_event_saved(sender, instance, created, raw=False, **kwargs):
    """An appeal answered or closed: tell its co-signers (insight.cosign)."""
    from .cosign import appeal_event_saved as tell

    tell(sender, instance, created, raw=raw, **kwargs)


class InsightConfig(AppConfig):
    name = "gongzhi.insight"
    label = "insight"
    verbose_name = _("诉求分析")

    def ready(self):
        from gongzhi.core.errors import register_catalogue

        from .errors import ErrorCode

        register_catalogue(self.label, ErrorCode)
        from gongzhi.core import personal_data

        from . import conf  # noqa: F401  (declares the settings and their defaults: core.conf)
        from . import personal_data as mine

        personal_data.register("insight", _("附议与附近提醒"), export=mine.export, erase=mine.erase)
        from gongzhi.core import event_labels

        event_labels.register(
            "appeals", {"cosign": _("居民附议")}
        )  # cosign.py writes it on the joined appeal
        from django.db.models.signals import post_save

        from gongzhi.appeals.models import Appeal, AppealEvent

        post_save.connect(appeal_saved, sender=Appeal, dispatch_uid="insight.appeal_saved")
        post_save.connect(appeal_event_saved, sender=AppealEvent, dispatch_uid="insight.cosign_event_saved")

        from . import quality

        post_save.connect(
            quality.appeal_event_saved, sender=AppealEvent, dispatch_uid="insight.reply_quality"
        )
        from . import alerts
        from .models import HotSpot

        post_save.connect(alerts.hotspot_saved, sender=HotSpot, dispatch_uid="insight.alerts_hotspot")
        post_save.connect(alerts.appeal_event_saved, sender=AppealEvent, dispatch_uid="insight.alerts_reply")
        from gongzhi.core.admin import register_audit_labels

        register_audit_labels(
            {
                "alert_subscribe": _("订阅附近提醒"),
                "alert_unsubscribe": _("取消附近提醒"),
                "hotspot_rename": _("修改热点名称"),
            }
        )
