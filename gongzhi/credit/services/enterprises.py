"""Enterprises and their contacts: registration by a credit officer, and the link of a contact to the account
that logs in with the contact's mobile number."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.errors import ServiceError
from gongzhi.core.masking import mask_phone
from gongzhi.core.models import Region, User, append_audit_event

from .. import rules
from ..models import Enterprise, EnterpriseContact
from ._base import _require_officer


def create_enterprise(
    actor: User,
    *,
    name: str,
    uscc: str,
    legal_representative: str = "",
    address: str = "",
    region: Region | None = None,
    contacts: Iterable[dict[str, Any]] = (),
) -> Enterprise:
    _require_officer(actor)
    name = inputs.text(name, "name", _("企业名称"), min_length=2)
    uscc = inputs.text(uscc, "uscc", _("统一社会信用代码")).upper()
    legal_representative = inputs.text(legal_representative, "legal_representative", _("法定代表人"))
    address = inputs.text(address, "address", _("地址"))
    if not rules.uscc_is_valid(uscc):
        raise ServiceError(
            _("统一社会信用代码无效（应为18位，且校验码正确）。"), code="invalid_uscc", field="uscc"
        )
    with transaction.atomic():
        if Enterprise.objects.filter(uscc=uscc).exists():
            raise ServiceError(_("该统一社会信用代码的企业已登记。"), code="duplicate", field="uscc")
        enterprise = Enterprise.objects.create(
            name=name, uscc=uscc, legal_representative=legal_representative, address=address, region=region
        )
        append_audit_event(
            actor,
            "create_enterprise",
            target=f"credit.enterprise:{enterprise.pk}",
            note=name,
            after={"uscc": uscc, "region": region.code if region else None},
        )
        for contact in contacts:
            add_contact(actor, enterprise, **contact)
    return enterprise


def contact_snapshot(contact: EnterpriseContact) -> dict[str, object]:
    """A contact as the audit trail keeps it: the account it opens the enterprise to, the phone masked."""
    return {
        "name": contact.name,
        "phone": mask_phone(contact.phone),
        "user": contact.user_id,
        "is_primary": contact.is_primary,
    }


def add_contact(
    actor: User,
    enterprise: Enterprise,
    *,
    name: str,
    phone: str = "",
    email: str = "",
    user: User | None = None,
    is_primary: bool = False,
) -> EnterpriseContact:
    _require_officer(actor)
    name = inputs.text(name, "name", _("联系人姓名"), min_length=2)
    phone = inputs.text(phone, "phone", _("手机号"))
    email = inputs.text(email, "email", _("邮箱"))
    if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
        raise ServiceError(_("请输入11位手机号码。"), field="phone")
    if not (phone or user):
        raise ServiceError(_("联系人至少需要手机号或平台账号之一。"), field="phone")
    if user is None and phone:  # a contact who logs in with this mobile number sees the enterprise's page
        user = User.objects.filter(phone=phone).first()
    contact = EnterpriseContact.objects.create(
        enterprise=enterprise, name=name, phone=phone, email=email or "", user=user, is_primary=is_primary
    )
    # A contact's account sees the enterprise's cases and penalties: the grant is on the trail.
    append_audit_event(
        actor,
        "add_contact",
        target=f"credit.enterprise:{enterprise.pk}",
        note=enterprise.name,
        after=contact_snapshot(contact),
    )
    return contact


def link_contacts_by_phone(user: User) -> int:
    """A new account whose mobile number a credit officer registered as an enterprise contact is linked to those
    contacts (core.services.resident_account_created): the contact then reaches the enterprise's own page. Each link is
    on the trail. Returns the contacts linked."""
    if not getattr(user, "phone", ""):
        return 0
    linked = 0
    for contact in (
        EnterpriseContact.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(phone=user.phone, user__isnull=True)
    ):
        contact.user = user
        contact.save(update_fields=["user"])
        append_audit_event(
            None,
            "link_contact",
            target=f"credit.enterprise:{contact.enterprise_id}",
            note=_("联系人%(name)s首次登录，绑定平台账号") % {"name": contact.name},
            after=contact_snapshot(contact),
        )
        linked += 1
    return linked
