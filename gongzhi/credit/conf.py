"""The credit part's settings (GONGZHI[…]) and their defaults (core.conf)."""

from gongzhi.core.conf import declare

declare(
    {
        "CREDIT_WARNING_DAYS_BEFORE_END": 7,  # the grace-period reminder goes out this many days before its end
        "CREDIT_DEADLINE_WARNING_DAYS": 2,  # officers are warned this many days before a legal deadline
        "SWEEP_INTERVAL_SECONDS": 60,  # `gongzhi credit_sweep --loop` sleeps this long between sweeps
    }
)
