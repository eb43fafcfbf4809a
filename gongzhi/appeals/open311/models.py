"""API keys for Open311 clients. Lives in the appeals app (imported by appeals.models) because a key
only ever submits appeals; only a digest is stored, the key itself is shown once at creation."""

import hashlib
import secrets

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def digest_key(raw: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 is enough (no salt/stretching needed).
    return hashlib.sha256((raw or "").strip().encode()).hexdigest()


class Open311KeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


SCOPE_SUBMIT = "submit"
SCOPE_PRIVATE = "private"
SCOPE_CHOICES = [
    (SCOPE_SUBMIT, _("提交诉求")),
    (SCOPE_PRIVATE, _("提交诉求并读取完整记录（含个人信息，每次读取留痕）")),
]


class Open311Key(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    # "submit": the key posts appeals and reads what everyone reads (personal data removed); "private": it also
    # reads the full record (names, numbers, address, exact coordinates), every such read audited.
    scope = models.CharField(_("权限范围"), max_length=16, choices=SCOPE_CHOICES, default=SCOPE_SUBMIT)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = Open311KeyQuerySet.as_manager()

    class Meta:
        app_label = "appeals"
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = _("Open311 接口密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def reads_private(self) -> bool:
        return self.scope == SCOPE_PRIVATE

    @classmethod
    def issue(cls, name: str, actor=None, scope: str = SCOPE_SUBMIT) -> tuple["Open311Key", str]:
        from gongzhi.core.models import append_audit_event

        if scope not in dict(SCOPE_CHOICES):
            raise ValueError(f"unknown scope {scope!r}")
        raw = secrets.token_urlsafe(32)
        with transaction.atomic():
            key = cls.objects.create(
                name=name.strip()[:100], digest=digest_key(raw), prefix=raw[:8], scope=scope
            )
            append_audit_event(
                actor,
                "open311_key_issued",
                target=f"open311key:{key.pk}",
                note=key.name,
                after={"scope": scope},
            )
        return key, raw

    @classmethod
    def revoke(cls, actor, keys) -> int:
        from gongzhi.core.models import append_audit_event

        with transaction.atomic():
            live = list(
                cls.objects.select_for_update().filter(pk__in=[k.pk for k in keys], revoked_at__isnull=True)
            )
            now = timezone.now()
            for key in live:
                key.revoked_at = now
                key.save(update_fields=["revoked_at"])
                append_audit_event(actor, "open311_key_revoked", target=f"open311key:{key.pk}", note=key.name)
        return len(live)

    @classmethod
    def authenticate(cls, raw: str) -> "Open311Key | None":
        if not raw:
            return None
        return cls.objects.active().filter(digest=digest_key(raw)).first()
