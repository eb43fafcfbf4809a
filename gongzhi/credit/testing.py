"""Helpers shared by the credit tests and the credit browser tests."""

from . import rules


def uscc(first17: str) -> str:
    """A valid unified social credit code: the 17 given characters and their check character."""
    return first17 + rules.uscc_check_character(first17)
