"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11) through its official SDK `tencentcloud-sdk-python-sms`.

SendSms with the SmsSdkAppId, the filed signature (SignName), the template's id and its positional parameters; the
SDK signs each request with TC3-HMAC-SHA256. The answer has one SendStatus per number: Code "Ok" with a SerialNo, or
a documented code (FailedOperation.*, LimitExceeded.*, …); a whole-request error comes as Response.Error. Receipts
and inbound messages are pushed as JSON to the callback URLs of core.sms.views.

Settings (environment): GONGZHI_SMS_TENCENT_SECRET_ID, GONGZHI_SMS_TENCENT_SECRET_KEY, GONGZHI_SMS_TENCENT_APP_ID
(SmsSdkAppId), GONGZHI_SMS_TENCENT_SIGN_NAME, GONGZHI_SMS_TENCENT_REGION (ap-guangzhou),
GONGZHI_SMS_TENCENT_ENDPOINT (sms.tencentcloudapi.com) and GONGZHI_SMS_TENCENT_PROTOCOL (https; http for a local
test server).
"""

from django.utils.translation import gettext as _

from ..conf import setting
from . import SmsError, TemplateSmsGateway

PERMANENT = frozenset(
    {
        "FailedOperation.TemplateIncorrectOrUnapproved",
        "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.PhoneNumberInBlacklist",
        "FailedOperation.PhoneNumberParseFail",
        "FailedOperation.ContainSensitiveWord",
        "FailedOperation.MissingTemplateToModify",
        "InvalidParameterValue.IncorrectPhoneNumber",
        "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit",
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        "InvalidParameterValue.SdkAppIdNotExist",
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
        "AuthFailure.SignatureFailure",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.InvalidSecretId",
    }
)


class TencentSmsGateway(TemplateSmsGateway):
    provider = "tencent"
    permanent_codes = PERMANENT

    def __init__(self) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        secret_id, secret_key = setting("SMS_TENCENT_SECRET_ID"), setting("SMS_TENCENT_SECRET_KEY")
        if not secret_id or not secret_key:
            raise SmsError("not_configured", _("腾讯云短信未配置 SecretId/SecretKey。"))
        self.app_id = setting("SMS_TENCENT_APP_ID")
        self.sign_name = setting("SMS_TENCENT_SIGN_NAME")
        http = HttpProfile(
            protocol=setting("SMS_TENCENT_PROTOCOL") or "https",
            endpoint=setting("SMS_TENCENT_ENDPOINT") or "sms.tencentcloudapi.com",
            reqTimeout=int(float(setting("SMS_TENCENT_TIMEOUT") or setting("SMS_TIMEOUT_SECONDS"))),
        )
        profile = ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http)
        self.client = sms_client.SmsClient(
            credential.Credential(secret_id, secret_key),
            setting("SMS_TENCENT_REGION") or "ap-guangzhou",
            profile,
        )

    def submit(self, phone: str, template_code: str, params: list[tuple[str, str]]) -> str:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = self.app_id
        request.SignName = self.sign_name
        request.TemplateId = template_code
        request.TemplateParamSet = [value for _name, value in params]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or "ClientError"
            raise SmsError(code, (exc.get_message() or "")[:300], permanent=code in PERMANENT) from exc
        except Exception as exc:  # the transport (a timeout)
            raise SmsError(type(exc).__name__, str(exc)[:300]) from exc
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise SmsError("no_answer", _("服务商未返回发送结果。"))
        if status.Code != "Ok":
            raise SmsError(status.Code, status.Message or "", permanent=status.Code in PERMANENT)
        return status.SerialNo or ""
