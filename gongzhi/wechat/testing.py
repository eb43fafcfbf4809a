"""A local WeChat for the tests: the API endpoints gongzhi calls (access token, template message, media, menu,
网页授权's authorize / sns/oauth2/access_token / sns/userinfo) answering as WeChat's documentation says, with its
errcodes; and WeChat's side of the server URL: requests signed, and in 安全模式 encrypted, as WeChat does (written
here from the documented algorithm, not with wechatpy, so that the two check each other).

Docs: developers.weixin.qq.com/doc/offiaccount — 接入概述 (signature), 消息加解密说明 (AES), 获取Access token,
模板消息接口, 获取临时素材, 自定义菜单, 网页授权, 全局返回码说明.
"""

import base64
import hashlib
import json
import os
import secrets
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

APPID, SECRET, TOKEN = "wx1234567890abcdef", "s3cr3t-0123456789abcdef0123456789", "gongzhi-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as the 公众号 back office issues it
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

ERR = {
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40007: "invalid media_id",
    40013: "invalid appid",
    40016: "invalid button size",
    40029: "invalid code",
    40037: "invalid template_id",
    40163: "code been used",
    41001: "access_token missing",
    43004: "require subscribe",
    -1: "system error",
}


class FakeWeChat:
    """State of the local WeChat: followers, templates, media, issued tokens and codes, and what was sent."""

    def __init__(self):
        self.tokens: set[str] = set()
        self.followers: set[str] = set()
        self.templates: set[str] = {"TPL-PROGRESS"}
        self.media: dict[str, tuple[bytes, str]] = {}
        self.codes: dict[str, tuple[str, str]] = {}  # code → (openid, scope)
        self.used_codes: set[str] = set()
        self.user_tokens: dict[str, str] = {}  # sns access token → openid
        self.authorizing = "oOPENID-resident"  # the person who taps 允许 on the authorize page
        self.sent: list[dict] = []
        self.menus: list[dict] = []
        self.busy = 0  # answer errcode -1 this many times
        self.token_fetches = 0
        self.lock = threading.Lock()

    def add_media(self, content: bytes = PNG, ctype: str = "image/png") -> str:
        media_id = "MEDIA" + secrets.token_hex(8)
        self.media[media_id] = (content, ctype)
        return media_id


class Handler(BaseHTTPRequestHandler):
    server: "FakeServer"
    server_version = "FakeWeChat/1.0"

    def log_message(self, *args):  # quiet
        pass

    @property
    def wx(self) -> FakeWeChat:
        return self.server.wx

    def _json(self, data: dict, status: int = 200):
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _err(self, code: int):
        self._json({"errcode": code, "errmsg": f"{ERR[code]} rid: {secrets.token_hex(4)}"})

    def _token_ok(self, q) -> bool:
        token = q.get("access_token", [""])[0]
        if not token:
            self._err(41001)
            return False
        if token not in self.wx.tokens:
            self._err(40001)
            return False
        return True

    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        one = {k: v[0] for k, v in q.items()}
        if url.path == "/cgi-bin/token":
            if one.get("grant_type") != "client_credential" or one.get("appid") != APPID:
                return self._err(40013)
            if one.get("secret") != SECRET:
                return self._err(40001)
            token = "ACCESS" + secrets.token_hex(12)
            with self.wx.lock:
                self.wx.tokens = {token}  # a new token replaces the old one
                self.wx.token_fetches += 1
            return self._json({"access_token": token, "expires_in": 7200})
        if url.path == "/cgi-bin/media/get":
            if not self._token_ok(q):
                return None
            media = self.wx.media.get(one.get("media_id", ""))
            if media is None:
                return self._err(40007)
            self.send_response(200)
            self.send_header("Content-Type", media[1])
            self.send_header("Content-disposition", 'attachment; filename="image.png"')
            self.send_header("Content-Length", str(len(media[0])))
            self.end_headers()
            self.wfile.write(media[0])
            return None
        if url.path == "/connect/oauth2/authorize":
            # The person taps 允许 (snsapi_userinfo) or passes silently (snsapi_base): back with a one-time code.
            if one.get("appid") != APPID or one.get("response_type") != "code":
                return self._err(40013)
            code = secrets.token_hex(8)
            self.wx.codes[code] = (self.wx.authorizing, one.get("scope", "snsapi_base"))
            target = (
                one["redirect_uri"]
                + ("&" if "?" in one["redirect_uri"] else "?")
                + urlencode({"code": code, "state": one.get("state", "")})
            )
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
            return None
        if url.path == "/sns/oauth2/access_token":
            if one.get("appid") != APPID:
                return self._err(40013)
            if one.get("secret") != SECRET:
                return self._err(40001)
            code = one.get("code", "")
            if code in self.wx.used_codes:
                return self._err(40163)
            if code not in self.wx.codes:
                return self._err(40029)
            openid, scope = self.wx.codes.pop(code)
            self.wx.used_codes.add(code)
            token = "SNS" + secrets.token_hex(12)
            self.wx.user_tokens[token] = openid
            return self._json(
                {
                    "access_token": token,
                    "expires_in": 7200,
                    "refresh_token": "R" + token,
                    "openid": openid,
                    "scope": scope,
                }
            )
        if url.path == "/sns/userinfo":
            openid = self.wx.user_tokens.get(one.get("access_token", ""))
            if openid is None or openid != one.get("openid"):
                return self._err(40001)
            return self._json(
                {
                    "openid": openid,
                    "nickname": "张阿姨",
                    "sex": 2,
                    "province": "湖南",
                    "city": "长沙",
                    "country": "中国",
                    "headimgurl": "",
                    "privilege": [],
                }
            )
        return self._json({"errcode": 404, "errmsg": "not found"}, status=404)

    def do_POST(self):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self._token_ok(q):
            return None
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            return self._json({"errcode": 47001, "errmsg": "data format error"})
        if url.path == "/cgi-bin/message/template/send":
            with self.wx.lock:
                if self.wx.busy:
                    self.wx.busy -= 1
                    return self._err(-1)
            if not str(data.get("touser", "")).startswith("o"):
                return self._err(40003)
            if data.get("template_id") not in self.wx.templates:
                return self._err(40037)
            if data["touser"] not in self.wx.followers:
                return self._err(43004)
            self.wx.sent.append(data)
            return self._json({"errcode": 0, "errmsg": "ok", "msgid": 200228332 + len(self.wx.sent)})
        if url.path == "/cgi-bin/menu/create":
            buttons = data.get("button") or []
            if not 1 <= len(buttons) <= 3 or any(len(b.get("sub_button") or []) > 5 for b in buttons):
                return self._err(40016)
            self.wx.menus.append(data)
            return self._json({"errcode": 0, "errmsg": "ok"})
        return self._json({"errcode": 404, "errmsg": "not found"}, status=404)


class FakeServer(ThreadingHTTPServer):
    wx: FakeWeChat


def start() -> tuple[ThreadingHTTPServer, FakeWeChat]:
    server = FakeServer(("127.0.0.1", 0), Handler)
    server.wx = FakeWeChat()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.wx


def settings_for(server) -> dict:
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    return {
        "TOKEN": TOKEN,
        "APPID": APPID,
        "SECRET": SECRET,
        "AES_KEY": AES_KEY,
        "API_BASE_URL": base,
        "OAUTH_URL": base + "connect/",
        "OAUTH_SCOPE": "snsapi_base",
        "REGION": "",
        "SUPPLEMENT_MINUTES": 10,
        "TIMEOUT": 5.0,
    }


# ---------------------------------------------------------------- WeChat's side of /wechat/


def sign(*parts: str) -> str:
    """接入指南: sha1 of the token, timestamp and nonce (and, in 安全模式, the cipher text) sorted and joined."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed_query(token: str = TOKEN, **extra) -> dict:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    return {"signature": sign(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def text_xml(openid: str, content: str, msg_id: int, to: str = "gh_county") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def image_xml(openid: str, media_id: str, msg_id: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_county]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        f"<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def location_xml(openid: str, lat: float, lon: float, label: str, msg_id: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_county]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[location]]></MsgType>"
        f"<Location_X>{lat}</Location_X><Location_Y>{lon}</Location_Y><Scale>15</Scale>"
        f"<Label><![CDATA[{label}]]></Label><MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_county]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event></xml>"
    )


def _aes_key(aes_key: str = AES_KEY) -> bytes:
    return base64.b64decode(aes_key + "=")


def encrypt(xml: str, appid: str = APPID, aes_key: str = AES_KEY) -> str:
    """消息加解密说明: AES-256-CBC, IV = the key's first 16 bytes, plaintext = 16 random bytes + the message's length
    (4 bytes, network order) + the message + the AppID, PKCS#7-padded to a multiple of 32; base64."""
    key = _aes_key(aes_key)
    msg = xml.encode()
    plain = os.urandom(16) + struct.pack(">I", len(msg)) + msg + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def decrypt(cipher_text: str, aes_key: str = AES_KEY) -> tuple[str, str]:
    """(message, appid) of an encrypted reply."""
    key = _aes_key(aes_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(cipher_text)) + dec.finalize()
    plain = plain[: -plain[-1]]
    length = struct.unpack(">I", plain[16:20])[0]
    return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def encrypted_post(xml: str, token: str = TOKEN) -> tuple[dict, str]:
    """(query, body) of a message as WeChat posts it in 安全模式."""
    cipher_text = encrypt(xml)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    query = {
        "signature": sign(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": sign(token, timestamp, nonce, cipher_text),
    }
    body = f"<xml><ToUserName><![CDATA[gh_county]]></ToUserName><Encrypt><![CDATA[{cipher_text}]]></Encrypt></xml>"
    return query, body
