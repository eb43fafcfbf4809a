from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from .choices import Role
from .models import User


def roles(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    user_roles = user.roles if user is not None and user.is_authenticated else set()
    # Anyone with a role besides "resident" works on appeals (leaders and grid workers need no admin access).
    return {
        "user_roles": user_roles,
        "is_worker": bool(user_roles - {Role.RESIDENT}),
        "is_enterprise_contact": is_enterprise_contact(user, user_roles),
    }


def is_enterprise_contact(user: User | AnonymousUser | None, user_roles: set[str]) -> bool:
    """An enterprise's linked contact (credit app's EnterpriseContact, read by its reverse name so core imports no
    domain app), who has the enterprise's own credit page; officers have the credit board instead."""
    if user is None or not user.is_authenticated or Role.CREDIT_OFFICER in user_roles:
        return False
    contacts = getattr(user, "enterprise_contacts", None)
    return contacts is not None and contacts.exists()


def demo_loading(request: HttpRequest) -> dict[str, dict[str, Any] | None]:
    """The demo's loading state (core.demo_state) while `make run` loads it in the background, for the banner."""
    from .demo_state import current

    return {"demo_loading": current()}
