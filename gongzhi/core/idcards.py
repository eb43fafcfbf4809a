"""Resident identity card numbers (居民身份证号码, GB 11643): the one check used wherever a person gives theirs."""

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def clean_id_number(value: str | None) -> str:
    """The canonical form: no spaces, an upper-case X as the check character."""
    return (value or "").strip().replace(" ", "").upper()


def valid_id_number(value: str) -> bool:
    """17 digits and the GB 11643 check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    check = "10X98765432"[sum(int(c) * w for c, w in zip(value[:17], _WEIGHTS, strict=True)) % 11]
    return value[17] == check
