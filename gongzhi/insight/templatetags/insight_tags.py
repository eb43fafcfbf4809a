"""Insight pieces shown on pages of other apps (one `{% include %}`-like tag each, so their templates change by a line)."""

from django import template

from gongzhi.core.permissions import STAFF_ROLES

register = template.Library()


@register.inclusion_tag("insight/_cosigners.html", takes_context=True)
def cosigners_card(context, appeal):
    """Co-signers (附议) of an appeal for the staff who see the appeal (the handling unit, supervisors…):
    names and phones masked. Residents see nothing here (their page lists what they co-signed)."""
    from gongzhi.insight.cosign import cosigners

    user = context.get("user")
    if user is None or not user.is_authenticated or not user.has_role(*STAFF_ROLES):
        return {"cosigners": []}
    return {"cosigners": cosigners(appeal)}
