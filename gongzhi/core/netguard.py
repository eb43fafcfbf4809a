"""Outbound addresses (webhook subscriptions, credit platforms) that cannot reach inside: issue N item 5 found that
webhook URLs took loopback, link-local (169.254.169.254), ::1 and 0.0.0.0, the sender followed redirects with the
signature headers, the delivery log said "Connection refused" (a port-scan oracle), and file drops could be
written under `../`.

- `check_url(url)` at save time (the API, the admin and the services all call it): http or https, and every
  address the host resolves to public (a name that does not resolve yet is left to the send-time check), unless the host (or host:port) is listed in
  GONGZHI["OUTBOUND_ALLOWED_HOSTS"] (an intranet's own platform).
- `resolve(url)` at send time does the same check again and returns the address to connect to, so that a name that
  resolves elsewhere between the check and the connection (DNS rebinding) is never followed (the outbox pins it).
- `check_drop_folder(path)`: a file drop lies inside GONGZHI["FILE_DROP_ROOT"].
"""

import ipaddress
import socket
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .conf import setting
from .errors import ServiceError


def _allowed(host: str, port: int) -> bool:
    allowed = {h.strip().lower() for h in setting("OUTBOUND_ALLOWED_HOSTS") if h.strip()}
    return host.lower() in allowed or f"{host.lower()}:{port}" in allowed


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def resolve(url: str, field: str = "url", *, unresolvable_ok: bool = False) -> tuple[str, int, str | None]:
    """(host, port, the address to connect to) of an outbound URL, or a ServiceError in Chinese."""
    refused = ServiceError(
        _("回调地址须为 http:// 或 https:// 开头的公网地址，不能指向本机、内网或保留地址。"),
        field=field,
        code="unsafe_url",
    )
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise refused from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        raise refused
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        if unresolvable_ok:  # at save: a platform's name may not resolve yet; the send checks it again
            return host, port, None
        raise ServiceError(_("回调地址的主机名无法解析。"), field=field, code="unresolvable") from None
    addresses = [str(info[4][0]) for info in infos]  # an IP family's sockaddr starts with the address text
    if not addresses:
        raise ServiceError(_("回调地址的主机名无法解析。"), field=field, code="unresolvable")
    if not _allowed(host, port) and not all(_public(a) for a in addresses):
        raise refused
    return host, port, addresses[0]


def check_url(url: str, field: str = "url") -> str:
    url = (url or "").strip()
    if len(url) > 500:
        raise ServiceError(_("回调地址过长（最多500个字符）。"), field=field)
    resolve(url, field, unresolvable_ok=True)
    return url


def check_drop_folder(path: str, field: str = "address") -> str:
    root = Path(settings.GONGZHI["FILE_DROP_ROOT"]).resolve()
    folder = (root / (path or "").strip()).resolve()
    if folder != root and root not in folder.parents:
        raise ServiceError(
            _("投递目录须位于 %(root)s 之内。") % {"root": root}, field=field, code="unsafe_path"
        )
    return str(folder)
