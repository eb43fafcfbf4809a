"""The home page's tiles and links, from the apps that have them.

core cannot import the domain apps (issue 20), so each app registers what it shows on the home page in its
AppConfig.ready(): `dashboard.register(fn, order=…)`, where `fn(user)` returns a dict with `cards` (tiles: label,
count, url) and `links` (label, url; the first is the page's main button), and any other keys the home template
reads. `for_user(user)` merges them by `order`, then registration order (INSTALLED_APPS order): cards appended, links
appended once per url, other keys updated.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings

from .models import User

Provider = Callable[[object], dict[str, Any]]

PROVIDERS: list[tuple[int, Provider]] = []


def register(fn: Provider, *, order: int = 0) -> Provider:
    """Adds an app's tiles to the home page, lower `order` first (idempotent: ready() may run twice in tests)."""
    if all(fn is not known for _order, known in PROVIDERS):
        PROVIDERS.append((order, fn))
        PROVIDERS.sort(key=lambda item: item[0])  # stable: equal orders keep their registration order
    return fn


def for_user(user: User) -> dict[str, Any]:
    """The home page's context for a signed-in user: every registered app's cards and links, and the role labels."""
    context: dict[str, Any] = {
        "cards": [],
        "links": [],
        "role_labels": [str(settings.ROLE_LABELS.get(r, r)) for r in sorted(user.roles)],
    }
    for _order, provider in PROVIDERS:
        part = dict(provider(user) or {})
        context["cards"].extend(part.pop("cards", []))
        seen = {link["url"] for link in context["links"]}
        for link in part.pop("links", []):
            if link["url"] not in seen:
                context["links"].append(link)
                seen.add(link["url"])
        context.update(part)
    return context
