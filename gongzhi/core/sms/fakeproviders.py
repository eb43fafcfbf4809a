"""Local servers that implement the providers' SendSms protocols as documented, for tests and the browser test:
requests are signed and checked as the providers check them (Alibaba ACS3-HMAC-SHA256, Tencent TC3-HMAC-SHA256),
and refusals are answered with the providers' documented codes and messages. Not used by the product.

    with AliyunServer(templates={"SMS_100001": ["number"]}) as server:
        settings.GONGZHI["SMS_ALIYUN_ENDPOINT"] = server.endpoint; …
"""

import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit


class _Server:
    """A threaded http.server on 127.0.0.1 and a free port, serving `handle(handler) -> (status, dict)`."""

    content_type = "application/json;charset=utf-8"

    def __init__(self):
        self.sent: list[dict] = []  # what the provider accepted
        self.requests = 0
        self.delay = 0.0  # seconds to wait before answering (a provider that times out)
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else b""
                if outer.delay:
                    time.sleep(outer.delay)
                status, answer = outer.handle(self)
                data = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", outer.content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.endpoint = f"127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _too_often(self, phone: str, seconds: int, limit: int, template: str | None = None) -> bool:
        now = time.time()
        return (
            sum(
                1
                for m in self.sent
                if m["phone"] == phone and now - m["at"] < seconds and template in (None, m["template"])
            )
            >= limit
        )


class AliyunServer(_Server):
    """Dysmsapi 2017-05-25 SendSms, RPC style, V3 signature (the SDK's default): Authorization
    `ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2…>,Signature=<hex>` over the canonical request
    (method, path, sorted query, the signed headers, the payload's SHA-256 in x-acs-content-sha256)."""

    def __init__(
        self,
        *,
        access_key_id="LTAI-test",
        access_key_secret="test-secret",
        sign_names=("共治",),
        templates=None,
        blacklist=(),
        per_minute=1,
    ):
        super().__init__()
        self.keys = {access_key_id: access_key_secret}
        self.sign_names, self.templates = set(sign_names), dict(templates or {})
        self.blacklist, self.per_minute = set(blacklist), per_minute
        self.nonces: set[str] = set()

    @staticmethod
    def _error(status, code, message):
        return status, {
            "RequestId": str(uuid.uuid4()).upper(),
            "Message": message,
            "Recommend": "",
            "HostId": "dysmsapi.aliyuncs.com",
            "Code": code,
        }

    def handle(self, h):
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return self._error(
                400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
            )
        try:
            parts = dict(p.split("=", 1) for p in auth[len("ACS3-HMAC-SHA256 ") :].split(","))
        except ValueError:
            return self._error(
                400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
            )
        secret = self.keys.get(parts.get("Credential", ""))
        if secret is None:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if hashlib.sha256(h.body).hexdigest() != h.headers.get("x-acs-content-sha256"):
            return self._error(
                400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
            )
        url = urlsplit(h.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        signed = parts.get("SignedHeaders", "").split(";")
        if "host" not in signed or "x-acs-date" not in signed:
            return self._error(
                400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
            )
        canonical = "\n".join(
            [
                h.command,
                url.path or "/",
                "&".join(f"{k}={quote(v, safe='~')}" for k, v in sorted(query.items())),
                "".join(f"{name}:{(h.headers.get(name) or '').strip()}\n" for name in signed),
                ";".join(signed),
                hashlib.sha256(h.body).hexdigest(),
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            return self._error(
                400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation."
            )
        nonce = h.headers.get("x-acs-signature-nonce", "")
        try:
            age = abs(
                time.time()
                - datetime.strptime(h.headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
                .replace(tzinfo=UTC)
                .timestamp()
            )
        except ValueError:
            age = 1e9
        if age > 900:
            return self._error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        with self.lock:
            if nonce in self.nonces:
                return self._error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self.nonces.add(nonce)
        if h.headers.get("x-acs-action") != "SendSms" or h.headers.get("x-acs-version") != "2017-05-25":
            return self._error(
                404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."
            )
        return self.send_sms(query)

    def send_sms(self, q):
        ok = {"RequestId": str(uuid.uuid4()).upper()}
        phone = q.get("PhoneNumbers", "")
        if q.get("SignName") not in self.sign_names:
            return 200, {**ok, "Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "该账号下找不到对应签名"}
        if q.get("TemplateCode") not in self.templates:
            return 200, {**ok, "Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板"}
        if len(phone) != 11 or not phone.isdigit():
            return 200, {**ok, "Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
        if phone in self.blacklist:
            return 200, {**ok, "Code": "isv.BLACK_KEY_CONTROL_LIMIT", "Message": "黑名单管控"}
        try:
            params = json.loads(q.get("TemplateParam") or "{}")
        except ValueError:
            return 200, {**ok, "Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法，只接受字符串值"}
        if not isinstance(params, dict) or any(
            name not in params for name in self.templates[q["TemplateCode"]]
        ):
            return 200, {**ok, "Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": "模板变量缺少对应参数值"}
        with self.lock:
            if self._too_often(
                phone, 60, self.per_minute, q["TemplateCode"]
            ):  # per number, signature and template
                return 200, {**ok, "Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}
            biz_id = f"{int(time.time() * 1000) % 10**15:015d}^{len(self.sent)}"
            self.sent.append(
                {
                    "phone": phone,
                    "sign": q["SignName"],
                    "template": q["TemplateCode"],
                    "params": params,
                    "id": biz_id,
                    "at": time.time(),
                }
            )
        return 200, {**ok, "Code": "OK", "Message": "OK", "BizId": biz_id}


class TencentServer(_Server):
    """SMS API 2021-01-11 SendSms with the TC3-HMAC-SHA256 signature: Authorization `TC3-HMAC-SHA256
    Credential=<SecretId>/<date>/sms/tc3_request, SignedHeaders=content-type;host, Signature=<hex>` derived from
    the secret key by the date, the service and "tc3_request"."""

    content_type = (
        "application/json"  # as Tencent answers (the SDK reads Response.Error only under this type)
    )

    def __init__(
        self,
        *,
        secret_id="AKID-test",
        secret_key="test-key",
        app_id="1400000001",
        sign_names=("共治",),
        templates=None,
        blacklist=(),
        per_30s=1,
    ):
        super().__init__()
        self.keys = {secret_id: secret_key}
        self.app_id, self.sign_names, self.templates = app_id, set(sign_names), dict(templates or {})
        self.blacklist, self.per_30s = set(blacklist), per_30s

    @staticmethod
    def _error(code, message):
        return 200, {
            "Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}
        }

    def handle(self, h):
        auth = h.headers.get("Authorization", "")
        prefix = "TC3-HMAC-SHA256 "
        if not auth.startswith(prefix):
            return self._error("AuthFailure.InvalidAuthorization", "Authorization header format error.")
        try:
            parts = dict(p.strip().split("=", 1) for p in auth[len(prefix) :].split(","))
            secret_id, date, service, terminator = parts["Credential"].split("/")
        except (ValueError, KeyError):
            return self._error("AuthFailure.InvalidAuthorization", "Authorization header format error.")
        secret_key = self.keys.get(secret_id)
        if secret_key is None:
            return self._error(
                "AuthFailure.SecretIdNotFound",
                "The SecretId is not found, please ensure that your SecretId is correct.",
            )
        timestamp = int(h.headers.get("X-TC-Timestamp") or 0)
        if abs(time.time() - timestamp) > 300:
            return self._error(
                "AuthFailure.SignatureExpire",
                "Signature expired. Timestamp and server time cannot differ by more than five minutes.",
            )
        if (
            service != "sms"
            or terminator != "tc3_request"
            or date != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        ):
            return self._error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )
        signed = parts.get("SignedHeaders", "")
        canonical = "\n".join(
            [
                h.command,
                urlsplit(h.path).path or "/",
                urlsplit(h.path).query,
                "".join(
                    f"{name}:{(h.headers.get(name) or '').strip().lower() if name == 'content-type' else (h.headers.get(name) or '').strip()}\n"
                    for name in signed.split(";")
                ),
                signed,
                hashlib.sha256(h.body).hexdigest(),
            ]
        )
        to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                str(timestamp),
                f"{date}/{service}/tc3_request",
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )

        def _hmac(key: bytes, msg: str) -> bytes:
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()

        signing = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
        expected = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            return self._error(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )
        if h.headers.get("X-TC-Action") != "SendSms" or h.headers.get("X-TC-Version") != "2021-01-11":
            return self._error("InvalidAction", "The requested action does not exist.")
        try:
            return self.send_sms(json.loads(h.body or b"{}"))
        except ValueError:
            return self._error("InvalidParameter", "The request body is not valid JSON.")

    def send_sms(self, q):
        request_id = str(uuid.uuid4())
        if q.get("SmsSdkAppId") != self.app_id:
            return self._error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId does not exist.")
        if q.get("SignName") not in self.sign_names:
            return self._error(
                "FailedOperation.SignatureIncorrectOrUnapproved",
                "signature format is incorrect or signature is not approved",
            )
        template = self.templates.get(q.get("TemplateId"))
        if template is None:
            return self._error(
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "template is not approved or request content does not match the approved template content",
            )
        params = q.get("TemplateParamSet") or []
        if len(params) != len(template):
            return self._error(
                "InvalidParameterValue.TemplateParameterFormatError", "template parameter format is incorrect"
            )
        statuses = []
        for number in q.get("PhoneNumberSet") or []:
            phone = number[3:] if number.startswith("+86") else number
            status = {"SerialNo": "", "PhoneNumber": number, "Fee": 0, "SessionContext": "", "IsoCode": "CN"}
            with self.lock:
                if phone in self.blacklist:
                    status.update(
                        Code="FailedOperation.PhoneNumberInBlacklist", Message="phone number in blacklist"
                    )
                elif self._too_often(phone, 30, self.per_30s):
                    status.update(
                        Code="LimitExceeded.PhoneNumberThirtySecondLimit",
                        Message="the number of SMS messages sent from a single mobile number within 30 "
                        "seconds exceeds the upper limit",
                    )
                else:
                    serial = f"{uuid.uuid4().int % 10**10}:{len(self.sent)}"
                    self.sent.append(
                        {
                            "phone": phone,
                            "sign": q["SignName"],
                            "template": q["TemplateId"],
                            "params": params,
                            "id": serial,
                            "at": time.time(),
                        }
                    )
                    status.update(SerialNo=serial, Fee=1, Code="Ok", Message="send success")
            statuses.append(status)
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}
