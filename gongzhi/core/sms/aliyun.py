"""Alibaba Cloud SMS (阿里云短信服务, Dysmsapi 2017-05-25) through its official SDK `alibabacloud-dysmsapi20170525`.

SendSms with the filed signature (SignName), the template's Code and its variables as JSON (TemplateParam); the
SDK signs each request (ACS3-HMAC-SHA256, the V3 signature). The answer's Code is "OK" with a BizId, or one of the
documented isv.* / isp.* codes. Receipts (SmsReport) and inbound messages (SmsUp) arrive by "HTTP批量推送" at the
callback URLs of core.sms.views.

Settings (environment): GONGZHI_SMS_ALIYUN_ACCESS_KEY_ID, GONGZHI_SMS_ALIYUN_ACCESS_KEY_SECRET,
GONGZHI_SMS_ALIYUN_SIGN_NAME, GONGZHI_SMS_ALIYUN_ENDPOINT (default dysmsapi.aliyuncs.com) and
GONGZHI_SMS_ALIYUN_PROTOCOL (https; http only for a local test server).
"""

import json

from django.utils.translation import gettext as _

from ..conf import setting
from . import SmsError, TemplateSmsGateway

# Refusals no retry cures (Alibaba's documented SendSms error codes).
PERMANENT = frozenset(
    {
        "isv.SMS_TEMPLATE_ILLEGAL",  # the template is not filed / not approved / not this account's
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.SMS_SIGN_NAME_ILLEGAL",
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.BLACK_KEY_CONTROL_LIMIT",  # a bad number; blacklist control
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.INVALID_JSON_PARAM",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.PARAM_NOT_SUPPORT_URL",
        "isv.INVALID_PARAMETERS",
        "isv.ACCOUNT_NOT_EXISTS",
        "isv.ACCOUNT_ABNORMAL",
        "isv.PRODUCT_UN_SUBSCRIPT",
        "isv.OUT_OF_SERVICE",
        "isp.RAM_PERMISSION_DENY",
        "InvalidAccessKeyId.NotFound",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
    }
)


class AliyunSmsGateway(TemplateSmsGateway):
    provider = "aliyun"
    permanent_codes = PERMANENT

    def __init__(self) -> None:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        key_id, secret = setting("SMS_ALIYUN_ACCESS_KEY_ID"), setting("SMS_ALIYUN_ACCESS_KEY_SECRET")
        if not key_id or not secret:
            raise SmsError("not_configured", _("阿里云短信未配置 AccessKey。"))
        self.sign_name = setting("SMS_ALIYUN_SIGN_NAME")
        self.client = Client(
            Config(
                access_key_id=key_id,
                access_key_secret=secret,
                endpoint=setting("SMS_ALIYUN_ENDPOINT") or "dysmsapi.aliyuncs.com",
                protocol=setting("SMS_ALIYUN_PROTOCOL") or "https",
            )
        )

    def submit(self, phone: str, template_code: str, params: list[tuple[str, str]]) -> str:
        from alibabacloud_dysmsapi20170525 import models
        from darabonba.runtime import RuntimeOptions

        timeout_ms = int(float(setting("SMS_TIMEOUT_SECONDS")) * 1000)
        request = models.SendSmsRequest(
            phone_numbers=phone,
            sign_name=self.sign_name,
            template_code=template_code,
            template_param=json.dumps(dict(params), ensure_ascii=False),
        )
        runtime = RuntimeOptions(autoretry=False, read_timeout=timeout_ms, connect_timeout=timeout_ms)
        try:
            response = self.client.send_sms_with_options(request, runtime)
        except Exception as exc:  # the SDK's ClientException/ServerException, or the transport's timeout
            code = str(getattr(exc, "code", "") or type(exc).__name__)
            message = str(getattr(exc, "message", "") or exc)[:300]
            raise SmsError(code, message, permanent=code in PERMANENT) from exc
        body = response.body
        if body is None or body.code != "OK":
            code = getattr(body, "code", None) or "no_answer"
            raise SmsError(code, getattr(body, "message", "") or "", permanent=code in PERMANENT)
        return body.biz_id or ""
