"""The owners' register of an owners' vote: owners (one person however many units) and their units' areas."""

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.errors import ServiceError
from gongzhi.core.idcards import clean_id_number, valid_id_number
from gongzhi.core.models import Region, User
from gongzhi.core.services import normalize_phone

from ..choices import AreaSource
from ..models import Owner, OwnerRegister, PropertyUnit
from ._base import _event, _require_manager


def create_owner_register(
    actor: User, *, name: str, region: Region, rows: Sequence[dict[str, Any]]
) -> OwnerRegister:
    """rows: {"owner": name, "unit": 房号, "area": ㎡, "id_number": 身份证号, "phone": 手机号, "user": User|None,
    "developer": bool, "area_source": …}. One owner is one person (E-4.2, issue K item 4): rows with the same ID
    number, or the same account, are one owner however many units they hold; a row with neither is its own owner
    (name and unit), so two people who share a name are never counted as one. Every developer row belongs to the
    one developer owner. A mobile number is kept for the assembly's notice and links the owner's account."""
    name = inputs.text(name, "name", _("名册名称"), limit=100, required=True)
    _require_manager(actor, region)
    if not rows:
        raise ServiceError(_("名册至少要有一套房屋。"), field="rows")
    with transaction.atomic():
        register = OwnerRegister.objects.create(name=name, region=region)
        owners = _OwnerIndex()
        seen_units: set[str] = set()
        for index, row in enumerate(rows, start=1):
            number = str(row.get("unit") or "").strip()
            owner_name = str(row.get("owner") or "").strip()
            developer = bool(row.get("developer"))
            where = _("第%(n)s行") % {"n": index}
            if not number or (not owner_name and not developer):
                raise ServiceError(_("第%(n)s行：房号和业主姓名必填。") % {"n": index}, field="rows")
            if number in seen_units:
                raise ServiceError(
                    _("第%(n)s行：房号 %(u)s 重复。") % {"n": index, "u": number}, field="rows"
                )
            seen_units.add(number)
            try:
                area = Decimal(str(row.get("area")).strip())
            except (InvalidOperation, ValueError):
                area = Decimal(0)
            if not area.is_finite() or area <= 0 or area != area.quantize(Decimal("0.01")):
                raise ServiceError(
                    _("第%(n)s行：面积须为大于零的数，最多两位小数。") % {"n": index}, field="rows"
                )
            source = row.get("area_source") or AreaSource.REGISTER
            inputs.choice(source, AreaSource, "rows", _("面积依据"))
            id_number = clean_id_number(row.get("id_number"))
            if id_number and not valid_id_number(id_number):
                raise ServiceError(
                    _("%(where)s：身份证号不正确（18位，最后一位可为X）。") % {"where": where}, field="rows"
                )
            phone = str(row.get("phone") or "").strip()
            if phone:
                try:
                    phone = normalize_phone(phone)
                except ServiceError:
                    raise ServiceError(
                        _("%(where)s：手机号须为11位手机号码。") % {"where": where}, field="rows"
                    ) from None
            user = row.get("user")
            if user is None and phone and not developer:
                user = User.objects.filter(phone=phone, is_active=True).first()
            if developer:
                id_number = phone = ""
                user = None
            owner = owners.find(developer, id_number, user)
            if owner is None:
                if user is not None and owners.has_user(user):
                    user = None  # the account is another owner's (a shared phone): this person is known by ID
                owner = Owner.objects.create(
                    register=register,
                    name=owner_name or _("建设单位"),
                    user=user,
                    is_developer=developer,
                    id_number=id_number,
                    phone=phone,
                )
                owners.add(owner)
            else:
                if id_number and owner.id_number and owner.name != owner_name and not developer:
                    raise ServiceError(
                        _("%(where)s：身份证号与前面的业主 %(name)s 相同，但姓名不同，请核对。")
                        % {"where": where, "name": owner.name},
                        field="rows",
                    )
                changed = []
                if user is not None and owner.user_id is None and not owners.has_user(user):
                    owner.user = user
                    changed.append("user")
                if id_number and not owner.id_number:
                    owner.id_number = id_number
                    changed.append("id_number")
                if phone and not owner.phone:
                    owner.phone = phone
                    changed.append("phone")
                if changed:
                    owner.save(update_fields=changed)
                    owners.add(owner)
            PropertyUnit.objects.create(
                register=register, owner=owner, number=number, area=area, area_source=source
            )
        _event(
            None,
            actor,
            "create_owner_register",
            note=name,
            after={"register": register.pk, "owners": owners.count(), "units": len(seen_units)},
        )
    return register


class _OwnerIndex:
    """The owners of a register being built, found by what identifies a person: the developer, an ID number, an
    account. A name alone identifies nobody."""

    def __init__(self) -> None:
        self.developer: Owner | None = None
        self.by_id: dict[str, Owner] = {}
        self.by_user: dict[int, Owner] = {}
        self.all: dict[int, Owner] = {}

    def find(self, developer: bool, id_number: str, user: User | None) -> Owner | None:
        if developer:
            return self.developer
        if id_number and id_number in self.by_id:
            return self.by_id[id_number]
        if user is not None and user.pk in self.by_user:
            found = self.by_user[user.pk]
            # one account, two different ID numbers: two people (a family's shared phone); keep them apart
            return None if id_number and found.id_number and found.id_number != id_number else found
        return None

    def has_user(self, user: User) -> bool:
        return user.pk in self.by_user

    def add(self, owner: Owner) -> None:
        self.all[owner.pk] = owner
        if owner.is_developer:
            self.developer = owner
        if owner.id_number:
            self.by_id[owner.id_number] = owner
        if owner.user_id:
            self.by_user.setdefault(owner.user_id, owner)

    def count(self) -> int:
        return len(self.all)
