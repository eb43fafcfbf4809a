"""Row ids typed as text (query parameters, form fields, a field that takes an id or a number)."""

MAX_ID = 2**63 - 1  # the largest 64-bit key; past it the database drivers raise an overflow, not "not found"


def parse_id(value: object) -> int | None:
    """The id `value` spells, or None when it spells none: not decimal digits (str.isdigit() also accepts "³",
    which int() refuses: a 500 found by `make fuzz`), or beyond a 64-bit key."""
    text = "" if value is None else str(value).strip()
    if not text.isdecimal() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
