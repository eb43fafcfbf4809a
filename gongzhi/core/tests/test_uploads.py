"""Attachment checks: an allowed extension, bytes that match it, and a size within bounds."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core.errors import ServiceError
from gongzhi.core.uploads import check_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64
M4A = b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 64
MP3 = b"ID3\x04\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("name", "content", "ctype"),
    [
        ("photo.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("doc.pdf", PDF, "application/pdf"),
        ("pic.webp", WEBP, "image/webp"),
        ("voice.wav", WAV, "audio/wav"),
        ("voice.m4a", M4A, "audio/x-m4a"),
        ("voice.mp3", MP3, "audio/mpeg"),
        ("照片.png", PNG, "image/png"),
    ],
)
def test_allowed_types_pass(name, content, ctype):
    f = upload(name, content)
    assert check_upload(f) == ctype
    assert f.read(4) == content[:4]  # the file is rewound for saving


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("virus.exe", EXE, "bad_attachment_type"),
        ("noextension", PNG, "bad_attachment_type"),
        ("page.html", b"<html>", "bad_attachment_type"),
        ("photo.png", EXE, "attachment_type_mismatch"),  # spoofed: an executable named .png
        ("photo.jpg", PNG, "attachment_type_mismatch"),
        ("doc.pdf", b"<html><script>", "attachment_type_mismatch"),
        ("pic.webp", WAV, "attachment_type_mismatch"),  # both RIFF: the brand tells them apart
        ("voice.wav", WEBP, "attachment_type_mismatch"),
        ("voice.m4a", b"\x00\x00\x00\x00" + b"\x00" * 64, "attachment_type_mismatch"),
        ("empty.png", b"", "empty_attachment"),
    ],
)
def test_refused_files(name, content, code):
    with pytest.raises(ServiceError) as refused:
        check_upload(upload(name, content))
    assert refused.value.code == code and refused.value.field == "attachments"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


def test_size_limit(settings):
    settings.GONGZHI = {**settings.GONGZHI, "ATTACHMENT_MAX_BYTES": 1024}
    assert check_upload(upload("ok.png", PNG + b"\x00" * (1024 - len(PNG)))) == "image/png"
    with pytest.raises(ServiceError) as refused:
        check_upload(upload("big.png", PNG + b"\x00" * 1024))
    assert refused.value.code == "attachment_too_large"


def test_attachments_are_stored_with_the_appeal(users, make_appeal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    appeal = make_appeal(attachments=[upload("路灯.png", PNG), upload("说明.pdf", PDF)])
    stored = {a.name: (a.content_type, a.size) for a in appeal.attachments.all()}
    assert stored == {"路灯.png": ("image/png", len(PNG)), "说明.pdf": ("application/pdf", len(PDF))}
    with pytest.raises(ServiceError):
        make_appeal(attachments=[upload("a.png", PNG)] * 10)
    with pytest.raises(ServiceError):
        make_appeal(title="另一件诉求的标题", attachments=[upload("evil.png", EXE)])
    assert appeal.__class__.objects.count() == 1
