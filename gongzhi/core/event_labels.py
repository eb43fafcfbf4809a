"""Labels of audit-trail events, registered by the app that records them (as notice kinds are), so that a trail
never shows a code where a person reads: an app that writes onto another app's trail (insight's 附议 onto an
appeal's, deliberation's topic steps, a linked call) registers its labels for that trail in its `ready()`.

    event_labels.register("appeals", {"cosign": _("居民附议")})
    event_labels.label("appeals", "cosign")  # → "居民附议"
"""

from collections.abc import Mapping

from django.utils.functional import Promise

_LABELS: dict[str, dict[str, object]] = {}


def register(trail: str, labels: Mapping[str, str | Promise]) -> None:
    _LABELS.setdefault(trail, {}).update(labels)


def label(trail: str, action: str) -> str:
    """The label of `action` on `trail`, else the action itself (a test per trail keeps that from happening)."""
    return str(_LABELS.get(trail, {}).get(action, action))


def labels(trail: str) -> dict[str, object]:
    return dict(_LABELS.get(trail, {}))
