"""The appeals part's settings (GONGZHI[…]) that have a default in code (core.conf); the rest of its settings are
in gongzhi/settings.py's GONGZHI."""

from gongzhi.core.conf import declare

declare(
    {
        "RETENTION_YEARS": 5,  # 个人信息保护法 第19条: closed appeals lose personal data after this many years
        "ATTACHMENT_RETENTION_YEARS": 3,  # and their attachments after these
        "PUBLIC_READ_RATE": "60/minute",  # anonymous reads of the public data, per client address
        "DENSITY_MIN_COUNT": 5,  # the public density map hides cells with fewer appeals (k-anonymity floor)
    }
)
