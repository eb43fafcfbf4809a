"""Insight's settings (GONGZHI[…]) and their defaults (core.conf)."""

from gongzhi.core.conf import declare

declare(
    {
        "NEARBY_RADIUS_M": 250,  # 附近提醒: the radius a resident follows
        "NEARBY_DAYS": 30,  # and how far back it looks
        "SCREEN_REFRESH_SECONDS": 60,  # the wall screen reloads its data this often
        "AUTO_DISPATCH_CONFIDENCE": None,  # dispatch by itself at this confidence (None: off)
        "AUTO_DISPATCH_USER": "system-dispatcher",  # acting as this dispatcher
    }
)
