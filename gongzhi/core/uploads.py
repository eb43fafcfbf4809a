"""Checks on uploaded files: the declared type must be allowed, the bytes must match it, and the size be in bounds."""

from django.conf import settings
from django.core.files.base import File
from django.utils.translation import gettext as _

from .errors import ServiceError

# Leading bytes of each allowed type; a file that claims a type must start with one of them.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    "audio/wav": (b"RIFF",),
    "audio/x-m4a": (b"\x00\x00\x00",),
    "application/pdf": (b"%PDF-",),
}
# RIFF and ISO-BMFF are containers: the brand after the first bytes tells a WebP from a WAV, an M4A from a video.
CONTAINER_BRANDS: dict[str, tuple[int, tuple[bytes, ...]]] = {
    "image/webp": (8, (b"WEBP",)),
    "audio/wav": (8, (b"WAVE",)),
    "audio/x-m4a": (4, (b"ftypM4A", b"ftypmp42", b"ftypisom", b"ftypM4B")),
}
EXTENSIONS: dict[str, str] = {ext: ctype for ctype, ext in settings.GONGZHI["ATTACHMENT_TYPES"].items()}
EXTENSIONS.update({".jpeg": "image/jpeg"})


def check_upload(uploaded: File[bytes]) -> str:
    """Return the verified content type, or raise ServiceError with a message for the user."""
    name = uploaded.name or ""
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    ctype = EXTENSIONS.get(ext)
    if ctype is None:
        raise ServiceError(
            _("不支持的附件类型：%(name)s。仅支持图片（jpg/png/gif/webp）、音频（mp3/wav/m4a）和 PDF。")
            % {"name": name},
            code="bad_attachment_type",
            field="attachments",
        )
    limit = settings.GONGZHI["ATTACHMENT_MAX_BYTES"]
    if uploaded.size > limit:
        raise ServiceError(
            _("附件 %(name)s 超过 %(mb)s MB 的大小限制。") % {"name": name, "mb": limit // (1024 * 1024)},
            code="attachment_too_large",
            field="attachments",
        )
    if uploaded.size == 0:
        raise ServiceError(
            _("附件 %(name)s 是空文件。") % {"name": name}, code="empty_attachment", field="attachments"
        )
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    if not any(head.startswith(sig) for sig in SIGNATURES[ctype]) or not _container_matches(ctype, head):
        raise ServiceError(
            _("附件 %(name)s 的内容与文件类型不符。") % {"name": name},
            code="attachment_type_mismatch",
            field="attachments",
        )
    return ctype


def _container_matches(ctype: str, head: bytes) -> bool:
    if ctype not in CONTAINER_BRANDS:
        return True
    offset, brands = CONTAINER_BRANDS[ctype]
    return any(head[offset : offset + len(brand)] == brand for brand in brands)
