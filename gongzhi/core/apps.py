from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_role_groups(sender, **kwargs):
    # The role groups are reference data: after a flush (which emits post_migrate) they must exist again.
    from .services import ensure_role_groups

    ensure_role_groups()


def _ensure_notice_templates(sender, **kwargs):
    # Notice templates are seeded from the registry's defaults (admins' edits are kept), also after a flush.
    from .notices import ensure_templates

    ensure_templates()


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        post_migrate.connect(_ensure_role_groups, sender=self)
        post_migrate.connect(_ensure_notice_templates, sender=self)
        from . import webhooks

        webhooks.connect()
