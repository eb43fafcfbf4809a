"""The client's address, the one key of every per-address limit: the API's anonymous-intake throttle and the
appeal form's, the login-code caps, the tracking-code failure counter and the login lockout (django-axes).

Behind the reverse proxy that docs/deploy.md puts in front, REMOTE_ADDR is the proxy's, so every client shared one
limit (20 login codes an hour for the whole site; anyone could lock any staff account), while DRF's throttle trusted
any X-Forwarded-For a client sent (issue N items 7 and 8). Here X-Forwarded-For counts only when the peer is one of
GONGZHI["TRUSTED_PROXIES"] (addresses or networks, GONGZHI_TRUSTED_PROXIES): the client is then the rightmost
address in it that is not itself a trusted proxy, the first one no trusted hop vouches for. Without trusted proxies
(the default) the header is ignored.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.http import HttpRequest

from .conf import setting


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    peer: str | None = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(setting("TRUSTED_PROXIES")))
    if peer is None or not networks or not _trusted(peer, networks):
        return peer
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a garbled header: the proxy's own address, never a client-chosen string
    return peer
