"""Enterprise appeals (急企业之所急): an appeal by or for an enterprise, entering the appeals workflow with the
channel 'enterprise'; the link to the enterprise is kept here so the appeals app stays independent of credit."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.choices import Role
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import Region, User, append_audit_event

from ..models import Enterprise, EnterpriseAppeal
from ._base import is_contact

if TYPE_CHECKING:
    from gongzhi.appeals.models import Category


def can_submit_enterprise_appeal(user: User | AnonymousUser | None, enterprise_id: int) -> bool:
    """An enterprise's own contacts, and operators recording an appeal on its behalf."""
    if user is None or not user.is_authenticated:
        return False
    return is_contact(user, enterprise_id) or user.has_role(Role.OPERATOR)


def submit_enterprise_appeal(
    actor: User,
    enterprise_id: int,
    *,
    kind: str,
    title: str,
    content: str,
    region: Region,
    category: "Category | None" = None,
    address: str = "",
    attachments: Iterable[File[bytes]] = (),
    contact_name: str = "",
    contact_phone: str = "",
    client_key: str | None = None,
) -> EnterpriseAppeal:
    """An appeal by or for an enterprise. It enters the normal appeals workflow with channel 'enterprise'; the link
    to the enterprise is kept here so the appeals app stays independent of credit.

    A contact submits as the appellant. An operator records it on the enterprise's behalf with the name and phone
    of the contact who called (default: the primary contact), and stays its first receiver."""
    from gongzhi.appeals import services as appeal_services
    from gongzhi.appeals.choices import Channel

    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        raise ServiceError(_("企业不存在。"), code="not_found")
    own = is_contact(actor, enterprise.pk)
    if not own and not can_submit_enterprise_appeal(actor, enterprise.pk):
        raise PermissionDeniedError(_("只有企业联系人或话务员可以提交企业诉求。"))
    if own:
        contact = enterprise.contacts.filter(user=actor).first()
        assert contact is not None  # is_contact found it just above
        contact_name, contact_phone = contact.name, contact.phone or actor.phone or ""
    else:
        primary = enterprise.contacts.first()  # primary contacts sort first
        contact_name = (contact_name or "").strip() or (primary.name if primary else "")
        contact_phone = (contact_phone or "").strip() or (primary.phone if primary else "")
        if not contact_phone:
            raise ServiceError(_("请填写企业联系人的手机号，以便承办单位联系和回访。"), field="contact_phone")
    with transaction.atomic():
        appeal, _code = appeal_services.submit_appeal(
            actor,
            kind=kind,
            channel=Channel.ENTERPRISE,
            title=title,
            content=content,
            region=region,
            category=category,
            address=address,
            appellant_name=contact_name[:50],
            appellant_phone=contact_phone,
            attachments=attachments,
            client_key=client_key or None,
            delegated=True,
        )
        existing = EnterpriseAppeal.objects.filter(appeal=appeal).first()
        if existing is not None:  # the same client key again: the appeal already accepted
            if existing.enterprise_id != enterprise.pk:
                raise ServiceError(_("该幂等键已用于其他企业的诉求。"), code="duplicate", field="client_key")
            return existing
        link = EnterpriseAppeal.objects.create(
            enterprise=enterprise, appeal=appeal, submitted_by=actor, on_behalf=not own
        )
        append_audit_event(
            actor,
            "enterprise_appeal",
            target=f"appeal:{appeal.pk}",
            note=_("%(name)s（%(uscc)s）的企业诉求") % {"name": enterprise.name, "uscc": enterprise.uscc},
            after={"enterprise": enterprise.pk, "appeal": appeal.number, "on_behalf": not own},
        )
    return link
