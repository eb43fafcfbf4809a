"""Masking of personal numbers (个人信息保护法): `138****5678`, `110101********1234`."""

import re
from typing import Any

_MOBILE_RE = re.compile(r"1\d{10}")
# Numbers residents type into free text: a mobile number, also with +86/86 before it or spaces or hyphens inside
# (138 1234 5678, 138-1234-5678, +8613812345678), and an 18-character ID number.
_TEXT_PHONE_RE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?(1\d{2})[ -]?\d{4}[ -]?(\d{4})(?!\d)")
_TEXT_ID_RE = re.compile(r"(?<![\dXx])(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")


def mask_phone(phone: str | None) -> str:
    """`138****5678`; a landline keeps its area code and last four digits: `0731-****1234` (`-123` extension kept,
    it names a desk of the organisation, not the person)."""
    if not phone:
        return ""
    if phone.startswith("0") and "-" in phone:
        area, number, *ext = phone.split("-", 2)
        return f"{area}-{'*' * max(len(number) - 4, 0)}{number[-4:]}" + (f"-{ext[0]}" if ext else "")
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


def person_label(user: Any) -> str:
    """How a person is named to others: their name, else their masked mobile number (a resident who signs up with a
    phone code has no name, and an account name that says nothing: `u` and random hex), else the account name with
    any mobile number in it masked (accounts named before that rule)."""
    if user is None:
        return ""
    name = (getattr(user, "display_name", "") or "").strip()
    if name:
        return name
    username = getattr(user, "username", "") or ""
    phone = getattr(user, "phone", "") or ""
    if phone and (username.startswith(RESIDENT_USERNAME_PREFIX) or _MOBILE_RE.search(username)):
        return mask_phone(phone)
    return _MOBILE_RE.sub(lambda m: mask_phone(m.group()), username)


RESIDENT_USERNAME_PREFIX = "u-"


def resident_username() -> str:
    """The account name of a resident who signs up by phone code: no phone number in it (issue K item 2)."""
    import secrets

    return f"{RESIDENT_USERNAME_PREFIX}{secrets.token_hex(6)}"


def staff_label(user: Any) -> str:
    """A staff member as event trails name them: `person_label` and their unit, e.g. "王芳（城管局）"."""
    unit = f"（{user.unit.name}）" if user.unit_id else ""
    return f"{person_label(user)}{unit}"


def mask_numbers_in_text(text: str | None) -> str:
    """Free text for readers who may not see the writer's numbers: phone and ID numbers in it masked."""
    return _TEXT_PHONE_RE.sub(r"\1****\2", _TEXT_ID_RE.sub(r"\1********\2", text or ""))
