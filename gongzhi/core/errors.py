from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A refused business action: a machine code for clients and a Chinese message for people.

    The UI shows `message`; the API answers with `{"code", "detail"}` and `status`.
    """

    status = 400
    default_code = "invalid"

    def __init__(self, message: str | Promise, code: str | None = None, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code or self.default_code
        self.field = field


class IllegalTransition(ServiceError):
    status = 409
    default_code = "illegal_transition"


class PermissionDeniedError(ServiceError):
    status = 403
    default_code = "permission_denied"

    def __init__(
        self, message: str | Promise | None = None, code: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message or _("您没有权限执行此操作。"), code, field)


class RateLimited(ServiceError):
    status = 429
    default_code = "rate_limited"


class NotFoundError(ServiceError):
    status = 404
    default_code = "not_found"
