"""The 公众号's settings (GONGZHI[…]) that have a default in code (core.conf); its connection settings are
GONGZHI["WECHAT"] in gongzhi/settings.py."""

from gongzhi.core.conf import declare

declare(
    {
        # The log of messages received (InboundMessage) is needed for days: WeChat retries within seconds and keeps
        # a sent image 3 days. Kept this long for troubleshooting, then deleted (个人信息保护法 第19条).
        "WECHAT_LOG_DAYS": 90,
    }
)
