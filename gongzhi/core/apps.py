from typing import Any

from django.apps import AppConfig
from django.apps.registry import Apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_role_groups(sender: AppConfig, **kwargs: Any) -> None:
    # The role groups are reference data: after a flush (which emits post_migrate) they must exist again.
    from .services import ensure_role_groups

    ensure_role_groups()


def _ensure_notice_templates(sender: AppConfig, **kwargs: Any) -> None:
    # Notice templates are seeded from the registry's defaults (admins' edits are kept), also after a flush.
    from .notices import ensure_templates

    ensure_templates()


def _ensure_cache_stamps(
    sender: AppConfig, using: str | None = None, apps: Apps | None = None, **kwargs: Any
) -> None:
    # After a flush the stamp table is empty, and without its rows nothing is cached (core.refcache). Not when
    # migrating back past the table.
    from .refcache import DB, ensure_stamps

    try:
        if apps is not None:
            apps.get_model("core", "CacheStamp")
    except LookupError:
        return
    ensure_stamps(using or DB)


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        post_migrate.connect(_ensure_role_groups, sender=self)
        post_migrate.connect(_ensure_notice_templates, sender=self)
        post_migrate.connect(_ensure_cache_stamps, sender=self)
        from . import checks, webhooks  # noqa: F401 (checks: the deploy checks)
        from .db import lookups  # noqa: F401 (registers `__in_ids`)
        from .sms import checks as sms_checks  # noqa: F401 (gongzhi.E101: the SMS templates are filed)

        webhooks.connect()
        self._connect_refcache()
        from django.db.models.signals import pre_save

        from .models import User
        from .tokens import revoke_on_credentials_change

        pre_save.connect(revoke_on_credentials_change, sender=User, dispatch_uid="gongzhi.tokens.revoke")

    @staticmethod
    def _connect_refcache() -> None:
        """The models whose rows core.refcache holds: this process's own edits of them are seen at once."""
        from django.contrib.auth.models import Group

        from . import refcache
        from .models import (
            CalendarOverride,
            NotificationPreference,
            NotificationTemplate,
            Region,
            Unit,
            User,
            WebhookSubscription,
        )

        # Apps add their own reference models in their ready() (appeals: Category, TimeLimit, DispatchRule).
        refcache.connect(
            [
                Region,
                Unit,
                CalendarOverride,
                NotificationTemplate,
                WebhookSubscription,
                Group,
                User.groups.through,
                NotificationPreference,
            ]
        )
