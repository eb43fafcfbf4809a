"""wechatpy, pointed at the configured API (settings.GONGZHI["WECHAT"]): WeChat's in production, a local server that
implements the same endpoints in the tests. The access token is kept in Django's cache, shared by the processes
(WeChat allows 2000 token fetches a day and each fetch invalidates the previous token after 5 minutes)."""

from django.conf import settings
from django.core.cache import cache
from wechatpy import WeChatClient, WeChatOAuth
from wechatpy.crypto import WeChatCrypto
from wechatpy.session import SessionStorage


def conf() -> dict:
    return settings.GONGZHI["WECHAT"]


def api_base() -> str:
    return conf()["API_BASE_URL"].rstrip("/") + "/"


class DjangoCacheStorage(SessionStorage):
    def get(self, key, default=None):
        return cache.get(f"wechatpy:{key}", default)

    def set(self, key, value, ttl=None):
        cache.set(f"wechatpy:{key}", value, timeout=max(int(ttl or 7200) - 300, 60))

    def delete(self, key):
        cache.delete(f"wechatpy:{key}")


class Client(WeChatClient):
    """wechatpy's client with the token URL under the configured base too (wechatpy names WeChat's host there)."""

    def __init__(self):
        super().__init__(
            conf()["APPID"], conf()["SECRET"], session=DjangoCacheStorage(), timeout=conf()["TIMEOUT"]
        )
        self.API_BASE_URL = api_base() + "cgi-bin/"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def client() -> Client:
    return Client()


def oauth(redirect_uri: str, scope: str = "", state: str = "") -> WeChatOAuth:
    auth = WeChatOAuth(
        conf()["APPID"], conf()["SECRET"], redirect_uri, scope=scope or conf()["OAUTH_SCOPE"], state=state
    )
    auth.API_BASE_URL = api_base()
    auth.OAUTH_BASE_URL = conf()["OAUTH_URL"].rstrip("/") + "/"
    return auth


def crypto() -> WeChatCrypto | None:
    """安全模式 / 兼容模式: the EncodingAESKey given in the 公众号's settings; None in plaintext mode."""
    if not conf()["AES_KEY"]:
        return None
    return WeChatCrypto(conf()["TOKEN"], conf()["AES_KEY"], conf()["APPID"])
