"""共建's settings (GONGZHI[…]) and their defaults (core.conf)."""

from gongzhi.core.conf import declare

declare(
    {
        "COMMUNITY_HOUSEHOLDS_MIN": 5,  # a 党员中心户 links this many households at least …
        "COMMUNITY_HOUSEHOLDS_MAX": 20,  # … and at most
        "COMMUNITY_POINTS_PER_HOUR": 10,  # time-bank points per volunteer hour
        "COMMUNITY_SIGN_IN_EARLY_MINUTES": 30,  # participants may sign in this long before an activity starts
        "COMMUNITY_RECORD_GRACE_DAYS": 7,  # organisers may record hours this long after it ends
        "COMMUNITY_QR_MAX_AGE_SECONDS": 12 * 3600,  # an activity's sign-in QR code is valid this long
        "COMMUNITY_HELP_DUE_DAYS": 7,  # a help request's default time to answer
        "COMMUNITY_VISIT_DAYS": 30,  # a household not visited in this many days is listed as due
    }
)
