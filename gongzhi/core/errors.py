"""Refusals: `ServiceError` and its kinds, and the catalogue of error codes.

Every app keeps its codes in `gongzhi/<app>/errors.py` as `class ErrorCode(models.TextChoices)`, each labelled with
when it happens, and registers it in its AppConfig.ready (`register_catalogue`): core never imports an app, yet the
schema and docs/api.md list every app's codes, and core/tests/test_error_codes.py fails, naming the file and line,
when a code is raised that its app's catalogue does not hold.
"""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    """core's codes; the first block (COMMON) is what any endpoint of any app may answer."""

    INVALID = "invalid", _("输入有误：字段缺失、类型不对或取值无效（fields 给出逐项说明）")
    PARSE_ERROR = "parse_error", _("请求体不是合法的 JSON 或表单")
    NOT_AUTHENTICATED = "not_authenticated", _("未登录：没有提供令牌或会话")
    AUTHENTICATION_FAILED = "authentication_failed", _("令牌无效或已过期")
    PERMISSION_DENIED = "permission_denied", _("您的角色或单位无权执行此操作")
    NOT_FOUND = "not_found", _("对象不存在，或不在您的可见范围内")
    METHOD_NOT_ALLOWED = "method_not_allowed", _("该接口不支持此 HTTP 方法")
    NOT_ACCEPTABLE = "not_acceptable", _("无法按 Accept 请求头要求的格式应答")
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", _("不支持该 Content-Type")
    THROTTLED = "throttled", _("请求过于频繁，或验证码输错次数较多，请稍后再试")
    SERVER_ERROR = "server_error", _("服务器内部错误（已记录），请稍后再试")
    # core's own refusals
    ILLEGAL_TRANSITION = "illegal_transition", _("当前状态不允许此操作")
    RATE_LIMITED = "rate_limited", _("发送验证码过于频繁（按手机号或地址限流）")
    LOCKED_OUT = "locked_out", _("密码输错次数过多，账号暂被锁定")
    INVALID_CREDENTIALS = "invalid_credentials", _("用户名或密码不正确")
    INACTIVE = "inactive", _("账号已停用")
    SECOND_FACTOR_NOT_ENROLLED = "second_factor_not_enrolled", _("须二次验证的岗位尚未绑定身份验证器")
    SECOND_FACTOR_REQUIRED = "second_factor_required", _("须同时提供身份验证器上的验证码")
    SESSION_EXPIRED = "session_expired", _("二次验证前的登录已超时，须重新登录")
    CODE_EXPIRED = "code_expired", _("短信验证码已过期")
    CODE_WRONG = "code_wrong", _("短信验证码不正确")
    CONSENT_REQUIRED = "consent_required", _("首次登录或提供身份证号时未同意个人信息处理规则")
    INVALID_PHONE = "invalid_phone", _("手机号格式不正确")
    PHONE_TAKEN = "phone_taken", _("该手机号已被其他账号使用")
    STAFF_ACCOUNT = "staff_account", _("工作人员的手机号不能用验证码登录，须用用户名和密码")
    OUTSIDE = "outside", _("定位的位置不在本县范围内")
    BAD_ATTACHMENT_TYPE = "bad_attachment_type", _("附件类型不允许")
    ATTACHMENT_TOO_LARGE = "attachment_too_large", _("附件超过大小上限")
    EMPTY_ATTACHMENT = "empty_attachment", _("附件是空文件")
    ATTACHMENT_TYPE_MISMATCH = "attachment_type_mismatch", _("附件内容与扩展名不符")
    HOLIDAY_NOTICE = "holiday_notice", _("节假日通知的内容或格式有误")
    IMPORT_FILE = "import_file", _("导入的表格文件无法读取或内容有误")
    MANDATORY_NOTICE = "mandatory_notice", _("必收的通知不能退订")
    ALREADY_DELIVERED = "already_delivered", _("消息已送达，无需重试")
    UNSAFE_URL = "unsafe_url", _("回调地址不安全（非 HTTPS 或指向内网）")
    UNRESOLVABLE = "unresolvable", _("回调地址的主机名无法解析")
    UNSAFE_PATH = "unsafe_path", _("投递目录不在允许的根目录之内")


# What any endpoint may answer, whichever app serves it: the schema adds these to every app's list.
COMMON = (
    ErrorCode.INVALID,
    ErrorCode.PARSE_ERROR,
    ErrorCode.NOT_AUTHENTICATED,
    ErrorCode.AUTHENTICATION_FAILED,
    ErrorCode.PERMISSION_DENIED,
    ErrorCode.NOT_FOUND,
    ErrorCode.METHOD_NOT_ALLOWED,
    ErrorCode.NOT_ACCEPTABLE,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    ErrorCode.THROTTLED,
    ErrorCode.SERVER_ERROR,
)

_catalogues: dict[str, type[models.TextChoices]] = {"core": ErrorCode}


def register_catalogue(app_label: str, codes: type[models.TextChoices]) -> None:
    """An app's error codes (its AppConfig.ready calls this with its errors.ErrorCode)."""
    _catalogues[app_label] = codes


def catalogues() -> dict[str, type[models.TextChoices]]:
    """{app label: its ErrorCode}, core first and the apps in the order they registered."""
    return dict(_catalogues)


def codes_for(app_label: str) -> list[tuple[str, str]]:
    """(code, label) an endpoint of this app may answer: the app's own codes, then the COMMON ones it lacks."""
    own = _catalogues.get(app_label, ErrorCode)
    rows = [(str(c.value), str(c.label)) for c in own]
    seen = {code for code, _label in rows}
    return rows + [(str(c.value), str(c.label)) for c in COMMON if c.value not in seen]


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


DOC_START = '<!-- error-codes: written by "gongzhi error_codes --write docs/api.md" from the catalogues; do not edit -->'
DOC_END = "<!-- /error-codes -->"


def catalogue_markdown() -> str:
    """docs/api.md's list of every app's codes, between DOC_START and DOC_END (core.tests.test_error_codes checks
    the file holds exactly this)."""
    from django.apps import apps

    lines = [
        DOC_START,
        "",
        "### Codes by app (各模块的错误代码)",
        "",
        "Each app's error responses are `<App>Error` in the schema (`/api/schema/`), whose `code` is an enum of the",
        "app's codes below (gongzhi/<app>/errors.py) and of core's common ones (`invalid` … `server_error`).",
    ]
    for label, codes in catalogues().items():
        name = apps.get_app_config(label).verbose_name
        lines += ["", f"#### {label} ({name})", "", "| `code` | when |", "|---|---|"]
        lines += [f"| `{code.value}` | {code.label} |" for code in codes]
    lines += ["", DOC_END]
    return "\n".join(lines)
