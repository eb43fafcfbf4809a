"""The PDFs carry their Chinese text (checked with pdftotext when installed)."""

import shutil
import subprocess
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.credit import documents, services

from .conftest import LISTING

D = date.fromisoformat


def text_of(pdf: bytes, tmp_path) -> str:
    assert pdf.startswith(b"%PDF-") and b"STSong-Light" in pdf
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return (
        subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
        )
        .stdout.replace("\n", "")
        .replace(" ", "")
    )


def test_pre_punishment_notice(officer, make_case, tmp_path):
    case = services.issue_notice(
        officer,
        make_case().pk,
        grace_months=2,
        reason="暂时困难",
        intended_ground="G1",
        notice_on=D("2026-03-02"),
    )
    text = text_of(documents.pre_punishment_notice(case), tmp_path)
    for phrase in (
        "预惩戒通知书",
        "湘江建材有限公司",
        case.case_number,
        "2026年5月6日",
        "宽限期",
        "提供充分有效担保",
        "十五日内审查",
    ):
        assert phrase in text, phrase


def test_decision_and_deletion_notice(officer, published_case, tmp_path):
    case = published_case("G2")
    text = text_of(documents.listing_decision(case), tmp_path)
    assert "纳入失信被执行人名单决定书" in text and "纳入期限为2年" in text and "赵院长" in text
    case = services.delete_listing(officer, case.pk, ground="early", note="积极履行")
    text = text_of(documents.deletion_notice(case), tmp_path)
    assert "删除失信信息通知书" in text and "提前删除" in text and "同步删除" in text


def test_repair_notice(officer, boss, published_case, tmp_path):
    case = published_case("G1")
    app = services.submit_repair(
        boss,
        case.pk,
        ground="performance",
        statement="已全部履行完毕",
        commitment="本企业承诺所提交材料真实，违反承诺自愿承担责任",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", "application/pdf")],
    )
    app = services.decide_repair(officer, app.pk, approve=True, reason="材料真实齐全")
    text = text_of(documents.repair_notice(app), tmp_path)
    assert "信用修复告知书" in text and "准予信用修复" in text and "材料真实齐全" in text
    assert LISTING["decision_number"]
