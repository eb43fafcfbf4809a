from .choices import Role


def roles(request):
    user = getattr(request, "user", None)
    user_roles = user.roles if user is not None and user.is_authenticated else set()
    # Anyone with a role besides "resident" works on appeals (leaders and grid workers need no admin access).
    return {"user_roles": user_roles, "is_worker": bool(user_roles - {Role.RESIDENT})}


def demo_loading(request):
    """The demo's loading state (core.demo_state) while `make run` loads it in the background, for the banner."""
    from .demo_state import current

    return {"demo_loading": current()}
