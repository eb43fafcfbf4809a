"""The call centre's calls (来电弹屏, issue I item 4): what its CTI posts to /api/v1/cti/calls/, one row per call and
one per event (ringing / answered / ended), and the keys it posts with."""

import hashlib
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.fieldcrypt import BlindIndexField, EncryptedCharField, EncryptedFieldsMixin


def digest_key(raw: str) -> str:
    # Keys are 256-bit random tokens: a plain SHA-256 is enough (as for the Open311 keys).
    return hashlib.sha256((raw or "").strip().encode()).hexdigest()


class CtiKey(models.Model):
    """The call centre's API key; only its digest is stored, the key is shown once (`gongzhi create_cti_key`)."""

    name = models.CharField(_("名称"), max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("话务系统接口密钥")
        verbose_name_plural = _("话务系统接口密钥")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, name: str, actor=None) -> tuple["CtiKey", str]:
        from gongzhi.core.models import append_audit_event

        raw = secrets.token_urlsafe(32)
        with transaction.atomic():
            key = cls.objects.create(name=name.strip()[:100], digest=digest_key(raw), prefix=raw[:8])
            append_audit_event(actor, "cti_key_issued", target=f"ctikey:{key.pk}", note=key.name)
        return key, raw

    @classmethod
    def revoke(cls, actor, keys) -> int:
        from gongzhi.core.models import append_audit_event

        with transaction.atomic():
            live = list(
                cls.objects.select_for_update().filter(pk__in=[k.pk for k in keys], revoked_at__isnull=True)
            )
            for key in live:
                key.revoked_at = timezone.now()
                key.save(update_fields=["revoked_at"])
                append_audit_event(actor, "cti_key_revoked", target=f"ctikey:{key.pk}", note=key.name)
        return len(live)

    @classmethod
    def authenticate(cls, raw: str) -> "CtiKey | None":
        if not raw:
            return None
        return cls.objects.filter(revoked_at__isnull=True, digest=digest_key(raw)).first()


class Seat(models.Model):
    """The call centre's operator id (工号 / 坐席号) of a hotline operator's account."""

    agent_id = models.CharField(_("坐席工号"), max_length=32, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cti_seat", verbose_name=_("话务员")
    )

    class Meta:
        verbose_name = _("话务坐席")
        verbose_name_plural = _("话务坐席")

    def __str__(self) -> str:
        return f"{self.agent_id} → {self.user}"


class CallState(models.TextChoices):
    RINGING = "ringing", _("振铃")
    ANSWERED = "answered", _("通话中")
    ENDED = "ended", _("已结束")


class Call(EncryptedFieldsMixin, models.Model):
    call_id = models.CharField(_("通话ID"), max_length=64, unique=True)
    # Encrypted at rest (core.fieldcrypt); the screen-pop finds a number's calls through the blind index.
    caller = EncryptedCharField(_("来电号码"), max_length=20, blind_index="caller_bidx")
    caller_bidx = BlindIndexField(source="caller", db_index=True)
    agent_id = models.CharField(_("坐席工号"), max_length=32, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("话务员"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=CallState.choices, default=CallState.RINGING)
    ringing_at = models.DateTimeField(_("振铃时间"), null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(_("接听时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    recording_url = models.URLField(_("录音地址"), max_length=500, blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("登记的诉求"),
    )
    key = models.ForeignKey(CtiKey, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("来电")
        verbose_name_plural = _("来电")
        ordering = ["-ringing_at", "-pk"]
        indexes = [models.Index(fields=["operator", "state"])]

    def __str__(self) -> str:
        return self.call_id

    @property
    def abandoned(self) -> bool:
        return self.state == CallState.ENDED and self.answered_at is None


class CallEvent(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(max_length=10, choices=CallState.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "event"], name="calls_one_event_each")]
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.event}"
