"""Credit's part of a person's data (core.personal_data): the enterprises they are a contact of. Closing the
account unlinks them; the contact entry stays the enterprise's (its officer keeps or changes it)."""

from .models import EnterpriseContact


def export(user) -> list[dict]:
    return [
        {
            "企业": c.enterprise.name,
            "姓名": c.name,
            "手机号": c.phone,
            "主要联系人": "是" if c.is_primary else "否",
        }
        for c in EnterpriseContact.objects.filter(user=user).select_related("enterprise")
    ]


def erase(user) -> int:
    return EnterpriseContact.objects.filter(user=user).update(user=None)
