"""Contact numbers: the one rule for a phone number a person gives to be called back on.

A mobile (1[3-9] and 9 digits, optionally +86 / 0086 before it) or a Chinese landline: area code (010 and 02x have
three digits, the others four) and a local number of 7–8 digits not starting with 0 or 1, with or without the
dash, an extension optional ("0731-84561234-123", "0731-84561234转123"). Stored canonical: a mobile as 11 digits,
a landline as "0731-84561234" or "0731-84561234-123".

Logging in by SMS code still needs a mobile (core.services.normalize_phone).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(
    r"^(?P<area>0(?:10|2\d|[3-9]\d{2}))-?(?P<number>[2-9]\d{6,7})(?:(?:-|转|#|ext\.?|EXT\.?)(?P<ext>\d{1,6}))?$"
)
INVALID = _(
    "请填写正确的联系电话：11位手机号，或带区号的固定电话（如 0731-84561234，分机可写作 0731-84561234-123）。"
)
# What a phone's keyboard may put between the digits: spaces, full-width or long dashes, brackets round the area code.
_NOISE = str.maketrans(
    {"－": "-", "—": "-", "–": "-", "（": "", "）": "", "(": "", ")": "", " ": "", "\u3000": ""}
)


def is_landline(phone: str) -> bool:
    return bool(phone) and phone.startswith("0")


def sms_number(phone: str | None) -> str:
    """The number itself if it can receive a text message (a mobile), else "" (a landline cannot)."""
    return phone if phone and MOBILE_RE.match(phone) else ""


def clean_contact_phone(value: str | None) -> str:
    """The canonical form of a contact number, or ValidationError (code "invalid_phone") with a Chinese message.
    An empty value stays empty: whether one is required is the form's or the service's rule."""
    raw = (value or "").strip().translate(_NOISE)
    if not raw:
        return ""
    for prefix in ("+86", "0086"):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :].lstrip("-")
            break
    digits = raw.replace("-", "")
    if MOBILE_RE.match(digits):
        return digits
    match = LANDLINE_RE.match(raw)
    if match:
        ext = match["ext"]
        return f"{match['area']}-{match['number']}" + (f"-{ext}" if ext else "")
    raise ValidationError(INVALID, code="invalid_phone")


def validate_contact_phone(value: str | None) -> None:
    """The same rule as a validator (model or form field validators=[...])."""
    clean_contact_phone(value)
