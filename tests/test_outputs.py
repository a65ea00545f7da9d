"""Tests for baimq.outputs: guard, atomic writes, zip normalisation, formula escaping."""
from __future__ import annotations

import io
import zipfile

import pytest

from baimq import outputs
from baimq.outputs import (atomic_path, clear_sources, escape_formula, guard, is_formula_like,
                           normalise_zip, normalise_zip_bytes, register_sources, write_bytes)


@pytest.fixture(autouse=True)
def _no_sources():
    clear_sources()
    yield
    clear_sources()


# --------------------------------------------------------------------------- guard
@pytest.mark.parametrize("rel", ["data/raw/预算.xlsx", "data/raw/2023/6月/预算.xlsx", "data/county/raw/x.csv",
                                 "proj/data/raw/out.pptx"])
def test_guard_refuses_raw_data(tmp_path, rel):
    with pytest.raises(ValueError, match="data/raw"):
        guard(tmp_path / rel)


@pytest.mark.parametrize("rel", ["out/通报.xlsx", "data/processed/tidy.csv", "raw/x.xlsx", "out/raw/x.xlsx"])
def test_guard_allows_other_folders(tmp_path, rel):
    assert guard(tmp_path / rel) == tmp_path / rel


def test_guard_refuses_a_registered_source(tmp_path):
    src = tmp_path / "returns" / "预算.xlsx"
    src.parent.mkdir()
    src.write_bytes(b"original")
    register_sources([src])
    with pytest.raises(ValueError, match="数据来源"):
        write_bytes(tmp_path / "returns" / ".." / "returns" / "预算.xlsx", b"overwritten")
    assert src.read_bytes() == b"original"
    clear_sources()
    write_bytes(src, b"now allowed")
    assert src.read_bytes() == b"now allowed"


def test_refused_write_creates_nothing(tmp_path):
    target = tmp_path / "data" / "raw" / "x.xlsx"
    with pytest.raises(ValueError):
        write_bytes(target, b"x")
    assert not (tmp_path / "data").exists()


# --------------------------------------------------------------------------- atomic writes
def test_atomic_path_writes_beside_target_and_replaces(tmp_path):
    target = tmp_path / "out" / "report.xlsx"
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent          # same folder: os.replace is atomic
        assert tmp.suffix == ".xlsx" and tmp != target
        assert not target.exists()
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.xlsx"]


def test_atomic_path_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "report.csv"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_written_file_is_readable_by_others(tmp_path):
    # mkstemp makes 0600 files; the output must get the usual permissions (umask 022 → 0644).
    old = outputs.os.umask(0o022)
    try:
        path = write_bytes(tmp_path / "a.txt", b"x")
    finally:
        outputs.os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------- zip normalisation
def _zip(members: list[tuple[str, bytes]], date) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, date_time=date), data)
    return buf.getvalue()


CORE = ('<cp:coreProperties xmlns:dcterms="http://purl.org/dc/terms/">'
        '<dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">{}</dcterms:modified></cp:coreProperties>')


def test_normalise_zip_gives_identical_bytes_for_two_runs(tmp_path):
    core1 = CORE.format("2024-07-01T08:00:01Z", "2024-07-01T08:00:01Z").encode()
    core2 = CORE.format("2025-01-02T09:30:00Z", "2025-01-02T09:31:00Z").encode()
    inner1 = _zip([("docProps/core.xml", core1), ("[Content_Types].xml", b"<T/>")], (2024, 7, 1, 8, 0, 0))
    inner2 = _zip([("[Content_Types].xml", b"<T/>"), ("docProps/core.xml", core2)], (2025, 1, 2, 9, 0, 0))
    run1 = _zip([("xl/workbook.xml", b"<wb/>"), ("[Content_Types].xml", b"<ct/>"), ("docProps/core.xml", core1),
                 ("ppt/embeddings/Sheet1.xlsx", inner1), ("_rels/.rels", b"<r/>")], (2024, 7, 1, 8, 0, 0))
    run2 = _zip([("_rels/.rels", b"<r/>"), ("ppt/embeddings/Sheet1.xlsx", inner2), ("docProps/core.xml", core2),
                 ("xl/workbook.xml", b"<wb/>"), ("[Content_Types].xml", b"<ct/>")], (2025, 1, 2, 9, 0, 0))
    assert run1 != run2
    p1, p2 = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    p1.write_bytes(run1)
    p2.write_bytes(run2)
    normalise_zip(p1)
    normalise_zip(p2)
    assert p1.read_bytes() == p2.read_bytes()

    with zipfile.ZipFile(p1) as z:
        names = z.namelist()
        assert names == ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml",
                         "ppt/embeddings/Sheet1.xlsx", "xl/workbook.xml"]
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert z.read("xl/workbook.xml") == b"<wb/>"                       # content kept
        core = z.read("docProps/core.xml").decode()
        inner = z.read("ppt/embeddings/Sheet1.xlsx")
    assert core == CORE.format("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z")
    with zipfile.ZipFile(io.BytesIO(inner)) as z:                          # embedded workbook too
        assert z.read("docProps/core.xml").decode() == CORE.format("2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z")
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_normalise_zip_stores_odf_mimetype_first_uncompressed():
    data = _zip([("content.xml", b"<c/>"), ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")],
                (2024, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(io.BytesIO(normalise_zip_bytes(data))) as z:
        first = z.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED


# --------------------------------------------------------------------------- formula injection
@pytest.mark.parametrize("text", ["=1+1", "+5", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=HYPERLINK(\"x\")"])
def test_formula_like_text_is_quoted(text):
    assert is_formula_like(text)
    assert escape_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["廉江市", "", "1-6月", "62,391.5", "'=already", -2.5, 3, None])
def test_other_values_pass_unchanged(value):
    assert not is_formula_like(value)
    assert escape_formula(value) == value


def test_locked_target_gives_a_chinese_message(tmp_path, monkeypatch):
    target = tmp_path / "通报.pptx"
    target.write_bytes(b"old")

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(outputs.os, "replace", locked)
    with pytest.raises(PermissionError, match="关闭后重试"):
        write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["通报.pptx"]        # temporary file removed
