"""Call-centre pieces on the appeals pages (one tag each, as insight's): the call and recording of an appeal, the
hotline metrics on the rates page, and the operator's screen-pop on the intake page."""

from django import template

from gongzhi.core.choices import Role
from gongzhi.core.permissions import STAFF_ROLES

register = template.Library()


@register.inclusion_tag("calls/_appeal_calls.html", takes_context=True)
def appeal_calls(context, appeal):
    """The calls an appeal was registered during, with their recordings, for staff only."""
    from gongzhi.core.masking import mask_phone

    from ..models import Call

    user = context.get("user")
    if user is None or not user.is_authenticated or not user.has_role(*STAFF_ROLES):
        return {"calls": []}
    calls = list(Call.objects.filter(appeal=appeal).select_related("operator"))
    for call in calls:
        call.masked = mask_phone(call.caller)
    return {"calls": calls}


@register.inclusion_tag("calls/_hotline_metrics.html")
def hotline_metrics(period: str):
    """GB/T 33358-2016's call metrics of the month `period` (YYYY-MM), from the CTI's events."""
    from gongzhi.appeals.rates import month_bounds

    from ..services import ANSWER_SECONDS
    from ..services import hotline_metrics as compute

    start, end = month_bounds(period)
    return {"m": compute(start, end), "seconds": ANSWER_SECONDS, "period": period}


@register.inclusion_tag("calls/_screen_slot.html", takes_context=True)
def screen_pop(context):
    user = context.get("user")
    return {"show": user is not None and user.is_authenticated and user.has_role(Role.OPERATOR)}
