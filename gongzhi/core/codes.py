"""One-time and tracking codes: kept as keyed digests (HMAC with the secret key), never in clear.

A password hasher is built to be slow for guessable secrets people choose; these codes are random, short-lived
or rate-limited, and a keyed digest cannot be brute-forced offline without the secret key — at microseconds per
check instead of the ~0.3 s a PBKDF2 round costs on every submission.
"""

from django.utils.crypto import constant_time_compare, salted_hmac


def digest_code(code: str, purpose: str) -> str:
    return salted_hmac(f"gongzhi.code.{purpose}", (code or "").strip(), algorithm="sha256").hexdigest()


def code_matches(code: str, digest: str, purpose: str) -> bool:
    return bool(digest) and constant_time_compare(digest_code(code, purpose), digest)
