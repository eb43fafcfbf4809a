"""System checks of gongzhi's own settings (`gongzhi check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_keys(app_configs, **kwargs):
    """The audit chains' HMAC key should be its own (core.audit): derived from the secret key, rotating that key
    would make every chain fail verification."""
    if settings.GONGZHI.get("AUDIT_KEY"):
        return []
    return [Warning("GONGZHI_AUDIT_KEY is not set: the audit trail's HMAC key is derived from the secret key, so "
                    "rotating GONGZHI_SECRET_KEY would break every chain.",
                    hint="Set GONGZHI_AUDIT_KEY to a long random string kept outside the database and the backups.",
                    id="gongzhi.W001")]
