"""Masking of personal numbers (个人信息保护法): `138****5678`, `110101********1234`."""

import re

_MOBILE_RE = re.compile(r"1\d{10}")


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_id_number(id_number: str | None) -> str:
    if not id_number:
        return ""
    if len(id_number) < 10:
        return "*" * len(id_number)
    return f"{id_number[:6]}{'*' * (len(id_number) - 10)}{id_number[-4:]}"


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def person_label(user) -> str:
    """How a person is named to others: their name, else their account name with any mobile number in it masked.
    A resident who signs up with a phone code has no name and the account name "m" + their phone number."""
    if user is None:
        return ""
    name = (getattr(user, "display_name", "") or "").strip()
    if name:
        return name
    return _MOBILE_RE.sub(lambda m: mask_phone(m.group()), getattr(user, "username", "") or "")
