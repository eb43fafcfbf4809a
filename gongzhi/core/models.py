from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import ChainedEvent
from .choices import NotificationChannel, NotificationStatus, RegionLevel, UnitKind
from .fieldcrypt import BlindIndexField, EncryptedCharField, EncryptedFieldsMixin
from .masking import person_label


class RegionManager(models.Manager["Region"]):
    """Regions without their boundary: a county's polygons can weigh hundreds of kilobytes and every page that lists
    regions would read them. `Region.with_boundary` (or `.only(..., "boundary")`) reads them."""

    def get_queryset(self) -> models.QuerySet["Region"]:
        return super().get_queryset().defer("boundary")


class Region(models.Model):
    """区县 → 街道 → 社区 → 网格. `path` holds the ancestors' codes so a subtree is one prefix query."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    # GeoJSON Polygon or MultiPolygon in WGS-84 (lon, lat), checked by core.geo.clean_boundary; `locate` finds the
    # deepest region whose boundary covers a point (core.geo).
    boundary = models.JSONField(_("边界(GeoJSON, WGS-84)"), null=True, blank=True)

    with_boundary = models.Manager()
    objects = RegionManager()

    class Meta:
        default_manager_name = "objects"
        base_manager_name = "objects"
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = f"{self.parent.path}{self.code}/" if self.parent is not None else f"/{self.code}/"
        super().save(*args, **kwargs)

    def ancestors(self) -> list["Region"]:
        """Self first, then up to the county."""
        chain: list[Region] = []
        node: Region | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def full_name(self) -> str:
        return " / ".join(r.name for r in reversed(self.ancestors()))

    def ancestor_at(self, level: str) -> "Region | None":
        return next((r for r in self.ancestors() if r.level == level), None)


class Unit(models.Model):
    """Any organisation that can be asked to act (一核多元)."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=32, choices=UnitKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="units", verbose_name=_("所属区域")
    )
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(EncryptedFieldsMixin, AbstractUser):
    """Staff log in with a username; residents with a mobile number and a one-time code."""

    # Encrypted at rest, found by their blind index (core.fieldcrypt; issue K item 2).
    phone = EncryptedCharField(_("手机号"), max_length=11, null=True, blank=True, blind_index="phone_bidx")
    phone_bidx = BlindIndexField(source="phone", unique=True, null=True)
    id_number = EncryptedCharField(_("身份证号"), max_length=18, blank=True, blind_index="id_number_bidx")
    id_number_bidx = BlindIndexField(source="id_number", db_index=True)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("所属单位"),
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name=_("负责区域"),
    )
    notify_optional = models.BooleanField(_("接收可选通知"), default=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return person_label(self)

    @property
    def roles(self) -> set[str]:
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = set(self._group_names())
            if self.is_superuser:
                self._roles_cache.add("admin")
        return self._roles_cache

    def _group_names(self) -> frozenset[str]:
        """The names of the user's groups, cached per process (core.refcache: the "roles" stamp)."""
        if self.pk is None:
            return frozenset(self.groups.values_list("name", flat=True))
        from . import refcache

        return refcache.cached(
            refcache.ROLES,
            self.pk,
            lambda: frozenset(self.groups.using(refcache.DB).values_list("name", flat=True)),
        )

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class CalendarOverride(models.Model):
    """A date the working-day library does not know yet, or gets wrong (next year's 调休 is published each November)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


class CacheStamp(models.Model):
    """One row per cache scope of `core.refcache`: database triggers give `token` a new random value whenever a
    table the scope caches is written, so every process can tell whether what it holds is still current."""

    scope = models.CharField(max_length=20, primary_key=True)
    token = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}:{self.token}"


class AuditChain(models.Model):
    """The head of a chain without a subject row to lock; services lock it to append."""

    name = models.CharField(max_length=40, primary_key=True)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.name


class Consent(models.Model):
    """A person's consent as 个人信息保护法 asks it: to the processing rules (at registration), and separately to a
    sensitive item with its purpose (第29条: an ID number). `subject` names what it was given for ("appeal:12")
    when not the account itself; `recorded_by` is the operator who took it on the phone or at a counter."""

    PRIVACY, ID_NUMBER = "privacy", "id_number"
    KINDS = [(PRIVACY, _("个人信息处理规则")), (ID_NUMBER, _("提供身份证号（敏感个人信息）"))]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    subject = models.CharField(max_length=60, blank=True)
    kind = models.CharField(_("同意事项"), max_length=12, choices=KINDS)
    purpose = models.CharField(_("目的"), max_length=200)
    version = models.CharField(_("规则版本"), max_length=20)
    given_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("记录人"),
    )

    class Meta:
        verbose_name = _("个人信息同意记录")
        verbose_name_plural = _("个人信息同意记录")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.given_at:%Y-%m-%d}"


class AuditHead(models.Model):
    """Where every chain of the audit trail ends and how long it is (core.audit): written with each event, so that
    deleting a chain's last events (which leaves every remaining link intact) is found by `verify_audit`."""

    chain = models.CharField(max_length=60)  # the event model's label, e.g. "appeals.AppealEvent"
    subject = models.CharField(max_length=40, blank=True)  # the subject's id; "" for a chain without subjects
    last_hash = models.CharField(max_length=64)
    length = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")
        constraints = [models.UniqueConstraint(fields=["chain", "subject"], name="core_one_head_per_chain")]

    def __str__(self) -> str:
        return f"{self.chain} {self.subject}: {self.length}"


class AuditEvent(ChainedEvent):
    """Platform events that belong to no domain object: sign-ups, unmasking, calendar and role changes."""

    chain_head = "core"

    target = models.CharField(_("对象"), max_length=100, blank=True)

    class Meta(ChainedEvent.Meta):
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def chain_payload(self) -> dict[str, Any]:
        return {**super().chain_payload(), "target": self.target}


def append_audit_event(
    actor: Any,
    action: str,
    target: str = "",
    note: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.append(
        actor,
        action,
        actor_label=str(actor) if actor else "",
        target=target,
        note=note,
        before=before,
        after=after,
    )


class Notification(EncryptedFieldsMixin, models.Model):
    """Every message the platform sends, kept before it is sent so none is lost."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收单位"),
    )
    phone = EncryptedCharField(_("手机号"), max_length=11, blank=True, blind_index="phone_bidx")
    phone_bidx = BlindIndexField(source="phone", db_index=True)
    channel = models.CharField(
        _("渠道"), max_length=8, choices=NotificationChannel.choices, default=NotificationChannel.SITE
    )
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=200, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    # The notice kind (core.notices registry) this message was rendered from; '' for ad-hoc messages.
    kind = models.CharField(_("通知类型"), max_length=40, blank=True, db_index=True)
    # Set by senders that may run twice (the periodic sweep) so each message is created once per channel.
    key = models.CharField(max_length=120, unique=True, null=True, blank=True, editable=False)
    # What a channel other than site/SMS/e-mail needs besides the text, rendered when the notice was sent (WeChat: the
    # template id and the template's data); {} for the others.
    channel_data = models.JSONField(_("渠道数据"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # A failed send is tried again from this time on (back-off, core.notifications.retry_at); null: at once.
    next_attempt_at = models.DateTimeField(_("下次重试时间"), null=True, blank=True)
    # What the message is about, for replies that come back on its channel (e.g. "appeal:123" for an SMS whose
    # answer "1/2/3" is a callback); '' for none.
    ref = models.CharField(_("关联"), max_length=40, blank=True, db_index=True)
    # The notice kind's variables the text was rendered from: an SMS provider sends its filed template with them.
    context = models.JSONField(_("通知变量"), default=dict, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class PhoneCode(EncryptedFieldsMixin, models.Model):
    """A one-time login code sent to a mobile number; only its hash is stored."""

    phone = EncryptedCharField(max_length=11, blind_index="phone_bidx")
    phone_bidx = BlindIndexField(source="phone", db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


from .notices.models import NotificationPreference as NotificationPreference  # noqa: E402
from .notices.models import NotificationTemplate as NotificationTemplate  # noqa: E402
from .outbox import OutboxAttempt as OutboxAttempt  # noqa: E402
from .outbox import OutboxMessage as OutboxMessage  # noqa: E402
from .sms_models import InboundSms as InboundSms  # noqa: E402
from .sms_models import SmsMessage as SmsMessage  # noqa: E402
from .sms_models import SmsTemplate as SmsTemplate  # noqa: E402
from .webhooks.models import WebhookSubscription as WebhookSubscription  # noqa: E402
