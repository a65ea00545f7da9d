"""Hostile and broken input: baimq.safety refuses it before any parser sees it.

Small bad files are committed in tests/fixtures/bad/ (built by make_bad.py there); the large
bombs are built in tmp_path. No test is timed: refusal "without decompressing" is checked by
making ZipFile.open/read fail if called. Times and peak memory live in benchmarks/bombs.py.
"""
from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baimq.config import Project
from baimq.errors import DataError
from baimq.safety import FORMATS, MACRO_WARNING, Limits, _prologue_verdict, inspect_file, inspect_workbook

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
_spec = importlib.util.spec_from_file_location("baimq_test_make_bad", BAD / "make_bad.py")
mb = sys.modules.setdefault("baimq_test_make_bad", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(mb)

HANZI = re.compile("[\u4e00-\u9fff]")

# (committed fixture, expected code, words the Chinese message must contain)
CASES = [
    ("empty.xlsx", "empty_file", "空文件"),
    ("report_pdf.xlsx", "not_spreadsheet", "PDF"),
    ("screenshot.xlsx", "not_spreadsheet", "PNG 图片"),
    ("counties_csv.xlsx", "not_spreadsheet", "CSV"),
    ("counties_gbk.xls", "not_spreadsheet", "CSV"),
    ("web_export.xls", "not_spreadsheet", "网页"),
    ("xml2003.xls", "not_spreadsheet", "XML 表格 2003"),
    ("notes_docx.xlsx", "not_spreadsheet", "Word"),
    ("slides_pptx.xlsx", "not_spreadsheet", "PowerPoint"),
    ("plain_zip.xlsx", "not_spreadsheet", "ZIP 压缩包"),
    ("letter_odt.ods", "not_spreadsheet", "不是表格"),
    ("word97_doc.xls", "not_spreadsheet", "Word 97-2003"),
    ("truncated.xlsx", "truncated", "不完整"),
    ("truncated.xls", "truncated", "损坏"),
    ("lying_local_header.xlsx", "truncated", "不一致"),
    ("overlap.xlsx", "zip_bomb", "声明的压缩数据总量"),   # caught by the cheap sum check
    ("ratio_bomb.xlsx", "zip_bomb", "压缩比"),
    ("billion_laughs.xlsx", "xml_entities", "DOCTYPE"),
    ("external_entity.xlsx", "xml_entities", "DOCTYPE"),
    ("utf16_doctype.xlsx", "xml_entities", "DOCTYPE"),
    ("utf7_doctype.xlsx", "xml_entities", "编码"),
    ("encrypted_ooxml.xlsx", "encrypted", "密码"),
    ("filepass.xls", "encrypted", "FILEPASS"),
    ("filepass_small.xls", "encrypted", "FILEPASS"),
    ("zip_password.xlsx", "encrypted", "密码"),
    ("password.ods", "encrypted", "密码"),
]


def refusal(path, limits=None, **kw) -> DataError:
    """The DataError inspect_file raises for *path* (fails the test if it returns)."""
    with pytest.raises(DataError) as info:
        inspect_file(path, limits, **kw)
    return info.value


def assert_refused(path, code, words, limits=None):
    err = refusal(path, limits)
    assert err.code == code
    assert err.file == Path(path).name and Path(path).name in str(err)  # names the file
    assert words in err.reason and HANZI.search(err.reason)
    assert str(Path(path).parent) not in str(err)                     # no absolute path
    return err


@pytest.fixture
def forbid_unzipping(monkeypatch):
    """Call the returned function (after building the file) to make any decompression fail."""
    def forbidden(self, *args, **kwargs):
        raise AssertionError("a member was decompressed")

    def arm():
        monkeypatch.setattr(zipfile.ZipFile, "open", forbidden)
        monkeypatch.setattr(zipfile.ZipFile, "read", forbidden)
    return arm


# --------------------------------------------------------------------------- committed fixtures

@pytest.mark.parametrize("fname, code, words", CASES)
def test_bad_fixture_is_refused_with_code_and_chinese_message(fname, code, words):
    assert_refused(BAD / fname, code, words)


def test_every_committed_fixture_has_a_case():
    committed = {p.name for p in BAD.iterdir() if p.suffix != ".py" and p.is_file()}
    assert committed == {c[0] for c in CASES}


def test_fixtures_are_what_make_bad_builds(tmp_path):
    for built in mb.build_all(tmp_path):
        assert built.read_bytes() == (BAD / built.name).read_bytes(), built.name


def test_calamine_agrees_the_encrypted_fixtures_are_encrypted():
    # The FILEPASS and EncryptionInfo fixtures are hand-made; calamine, which we did not
    # write, must see them as password-protected too, or the fixtures prove nothing.
    import python_calamine

    for fname in ("filepass.xls", "encrypted_ooxml.xlsx"):
        with pytest.raises(Exception, match="password"):
            python_calamine.CalamineWorkbook.from_path(str(BAD / fname))


# --------------------------------------------------------------------------- valid workbooks pass

def _openpyxl_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2023年1-6月各县（市、区）一般公共预算收入完成情况表"])
    ws.append(["地区", "1-6月", "上年同期"])
    ws.append(["廉江市", 62391.5, 58000])
    wb.save(path)
    return path


def _xlwt_xls(path: Path) -> Path:
    wb = xlwt.Workbook()
    ws = wb.add_sheet("表1")
    ws.write(0, 0, "地区")
    ws.write(1, 0, "廉江市")
    ws.write(1, 1, 62391.5)
    wb.save(str(path))
    return path


def test_openpyxl_xlsx_is_xlsx(tmp_path):
    assert inspect_file(_openpyxl_xlsx(tmp_path / "a.xlsx")) == "xlsx"


def test_xlsxwriter_xlsx_is_xlsx(tmp_path):
    with xlsxwriter.Workbook(tmp_path / "w.xlsx") as wb:
        wb.add_worksheet("表1").write(0, 0, "廉江市")
    assert inspect_file(tmp_path / "w.xlsx") == "xlsx"


def test_xlwt_xls_is_xls(tmp_path):
    assert inspect_file(_xlwt_xls(tmp_path / "a.xls")) == "xls"


def test_format_comes_from_content_not_extension(tmp_path):
    xlsx_as_xls = shutil.copy(_openpyxl_xlsx(tmp_path / "a.xlsx"), tmp_path / "renamed.xls")
    xls_as_xlsx = shutil.copy(_xlwt_xls(tmp_path / "b.xls"), tmp_path / "renamed.xlsx")
    no_suffix = shutil.copy(tmp_path / "a.xlsx", tmp_path / "廉江")
    assert inspect_file(xlsx_as_xls) == "xlsx"
    assert inspect_file(xls_as_xlsx) == "xls"
    assert inspect_file(no_suffix) == "xlsx"


def test_small_xls_in_the_mini_stream_is_read(tmp_path):
    # A Workbook stream under 4096 bytes lives in the CFB mini stream (BOF + EOF = 24 bytes).
    path = tmp_path / "tiny.xls"
    path.write_bytes(mb.cfb_bytes({"Workbook": mb.biff(mb.BOF, mb.EOF)}))
    assert inspect_file(path) == "xls"


def test_xlsm_is_allowed_with_a_macro_warning(tmp_path):
    path = mb.write_zip(tmp_path / "m.xlsm", mb.ooxml_parts(main=mb.XLSM_MAIN,
                                                             extra=[("xl/vbaProject.bin", b"\xcc" * 64)]))
    result = inspect_workbook(path)
    assert result.format == "xlsm" and result.macros
    (warning,) = result.warnings
    assert (warning.severity, warning.code, warning.message, warning.file) == \
        ("warning", "macro", "含宏，已忽略，未执行", "m.xlsm")
    assert MACRO_WARNING == "含宏，已忽略，未执行"


def test_xlsx_carrying_vba_project_is_reported_as_xlsm(tmp_path):
    path = mb.write_zip(tmp_path / "v.xlsx", mb.ooxml_parts(extra=[("xl/vbaProject.bin", b"\xcc" * 64)]))
    assert inspect_workbook(path).format == "xlsm"
    assert inspect_workbook(path).macros


def test_plain_xlsx_has_no_macro_warning(tmp_path):
    result = inspect_workbook(_openpyxl_xlsx(tmp_path / "a.xlsx"))
    assert (result.format, result.macros, result.warnings) == ("xlsx", False, ())


def test_xlsb_and_ods_are_recognised(tmp_path):
    xlsb = mb.write_zip(tmp_path / "b.xlsb", mb.ooxml_parts(main=mb.XLSB_MAIN))
    ods = mb._ods(tmp_path / "o.ods", "application/vnd.oasis.opendocument.spreadsheet")
    assert inspect_file(xlsb) == "xlsb"
    assert inspect_file(ods) == "ods"


def test_high_ratio_below_the_floor_is_fine(tmp_path):
    # A 100,000-character repeated string compresses ~500:1 but is 0.1 MB < 1 MB floor.
    shared = mb.DECL + f'<sst xmlns="{mb.NS}"><si><t>{"甲" * 100_000}</t></si></sst>'
    path = mb.write_zip(tmp_path / "s.xlsx", mb.ooxml_parts(extra=[("xl/sharedStrings.xml", shared)]))
    info = zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml")
    assert info.file_size / info.compress_size > 200
    assert inspect_file(path) == "xlsx"


def test_inspection_leaves_file_and_limits_untouched(tmp_path):
    path = _openpyxl_xlsx(tmp_path / "a.xlsx")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    limits = Limits()
    inspect_file(path, limits)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert limits == Limits()


def test_display_name_is_used_in_messages():
    err = refusal(BAD / "empty.xlsx", name="乙县/budget.xlsx")
    assert err.file == "乙县/budget.xlsx" and "乙县/budget.xlsx" in str(err)


def test_missing_file_is_a_data_error(tmp_path):
    assert refusal(tmp_path / "none.xlsx").code == "not_found"


# --------------------------------------------------------------------------- zip bombs

def test_big_member_bomb_refused_without_decompressing(tmp_path, forbid_unzipping):
    # 300 MiB of zeros deflate to ~0.3 MB: a real bomb over the 200 MB member limit.
    path = mb.zeros_bomb(tmp_path / "bomb.xlsx", 300)
    forbid_unzipping()
    assert path.stat().st_size < 1024 * 1024
    err = assert_refused(path, "zip_bomb", "超过单个部件上限")
    assert "300.0 MB" in err.reason and "200.0 MB" in err.reason   # 300 MiB, 200 MiB


def test_ratio_bomb_refused_without_decompressing(forbid_unzipping):
    forbid_unzipping()
    assert_refused(BAD / "ratio_bomb.xlsx", "zip_bomb", "压缩比")


def test_total_size_is_limited(tmp_path, forbid_unzipping):
    # Two stored 6,000-byte members: 12,000 > 10,000 before counting the other parts.
    path = mb.write_zip(tmp_path / "t.xlsx", mb.ooxml_parts(extra=[("a.bin", bytes(6000)), ("b.bin", bytes(6000))]),
                        compression=zipfile.ZIP_STORED)
    forbid_unzipping()
    assert_refused(path, "zip_bomb", "全部部件", Limits(max_total_bytes=10_000))


def test_member_count_refused_before_the_directory_is_parsed(tmp_path, monkeypatch):
    path = mb.many_members(tmp_path / "many.xlsx", 10_001)
    def no_directory(*args, **kwargs):
        raise AssertionError("the central directory was parsed")
    monkeypatch.setattr(zipfile, "ZipFile", no_directory)
    err = assert_refused(path, "zip_bomb", "10001 个部件")
    assert "10000" in err.reason


def test_zip64_member_count_is_read_from_the_zip64_record(tmp_path, monkeypatch):
    # 70,000 entries do not fit the 16-bit count of the classic end record (65,535).
    path = mb.many_members(tmp_path / "many64.xlsx", 70_000)
    monkeypatch.setattr(zipfile, "ZipFile", None)   # must not be reached
    assert "70000 个部件" in assert_refused(path, "zip_bomb", "超过上限").reason


def test_zip64_archive_within_limits_is_parsed(tmp_path):
    # The same 70,000 entries under a higher limit reach zipfile, which reads ZIP64 too;
    # plain stored members are not a workbook.
    path = mb.many_members(tmp_path / "many64.xlsx", 70_000)
    assert_refused(path, "not_spreadsheet", "ZIP 压缩包", Limits(max_members=100_000))


def test_overlapping_members_refused_even_when_sizes_add_up(tmp_path, forbid_unzipping):
    # Two directory entries share one 100-byte member; a 1,000-byte unlisted blob makes the
    # declared total fit the file, so only the overlap check can catch it.
    data = b"<x/>" + bytes(96)
    crc = zlib.crc32(data)
    entries = [mb.RawEntry("slack.bin", bytes(1000), zlib.crc32(bytes(1000)), 1000, method=0, in_directory=False),
               mb.RawEntry("a.xml", data, crc, 100, method=0),
               mb.RawEntry("b.xml", data, crc, 100, method=0, same_data_as=1)]
    path = tmp_path / "o.xlsx"
    path.write_bytes(mb.raw_zip(entries))
    forbid_unzipping()
    assert_refused(path, "zip_bomb", "与其他部件重叠")


def _lying_sheet(path: Path, declared: int) -> Path:
    """An xlsx whose sheet inflates to 2 MiB but declares *declared* bytes."""
    inflated = mb.SHEET.encode() + b" " * (2 * mb.MIB)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = c.compress(inflated) + c.flush()
    entries = [mb.RawEntry(n, d, zlib.crc32(d), len(d), method=0) for n, d in mb.ooxml_parts()[:4]]
    entries.append(mb.RawEntry("xl/worksheets/sheet1.xml", data, zlib.crc32(inflated), declared))
    path.write_bytes(mb.raw_zip(entries))
    return path


def test_lying_header_passes_inspection_but_calamine_stops_it(tmp_path):
    # Known limit, pinned: a member declared as 100 KB (more than the 64 KB the prologue scan
    # reads) that inflates to 2 MiB cannot be seen without inflating; calamine must then
    # refuse to read past the declared size.
    import python_calamine

    path = _lying_sheet(tmp_path / "lie.xlsx", 100 * 1024)
    assert inspect_file(path) == "xlsx"
    with pytest.raises(Exception, match="declared uncompressed size"):
        python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_lying_header_shorter_than_the_scan_fails_its_crc(tmp_path):
    # Declared 1,000 bytes, under the scan's first 4 KB read: zipfile reaches the end and checks the CRC.
    assert_refused(_lying_sheet(tmp_path / "lie.xlsx", 1000), "truncated", "无法解压")


# --------------------------------------------------------------------------- XML prologues

def test_doctype_in_a_member_not_named_xml_is_found(tmp_path):
    path = mb.write_zip(tmp_path / "c.xlsx", mb.ooxml_parts(extra=[("customXml/item1.dat", mb.EXTERNAL)]))
    assert_refused(path, "xml_entities", "customXml/item1.dat")


def test_overlong_prologue_is_refused(tmp_path):
    sheet = mb.DECL + "<!--" + "注" * 30_000 + "-->" + mb.SHEET[len(mb.DECL):]   # 90 KB > 64 KB
    path = mb.write_zip(tmp_path / "p.xlsx", mb.ooxml_parts(sheet=sheet))
    assert_refused(path, "xml_entities", "根元素")


def test_comments_and_processing_instructions_before_the_root_are_fine(tmp_path):
    sheet = mb.DECL + "<!-- 由 WPS 导出 -->\n<?mso-application progid=\"Excel.Sheet\"?>\n" + mb.SHEET[len(mb.DECL):]
    path = mb.write_zip(tmp_path / "ok.xlsx", mb.ooxml_parts(sheet=sheet))
    assert inspect_file(path) == "xlsx"


@pytest.mark.parametrize("text, verdict", [
    (b"", "more"),
    (b"<", "more"),
    (b"<!-", "more"),                        # could still be a comment
    (b"<?xml version='1.0'", "more"),        # declaration not closed yet
    (b"<?xml version='1.0'?><!-- a --><root>", "clean"),
    (b"<?xml version='1.0'?>\n<!DOCTYPE r>", "doctype"),
    (b"<!ENTITY x 'y'>", "doctype"),
    (b"\xef\xbb\xbf<!DOCTYPE r>", "doctype"),  # UTF-8 BOM
    (b"\x00<\x00!\x00D\x00O\x00C", "doctype"),   # UTF-16-BE without BOM
    (b"<?xml version='1.0' encoding='utf-7'?><r/>", "odd"),
    (b"<?xml version='1.0'?>junk<r/>", "odd"),
    (b"\x89PNG\r\n", "clean"),               # not XML at all
])
def test_prologue_verdicts(text, verdict):
    assert _prologue_verdict(text) == verdict


# --------------------------------------------------------------------------- OLE damage

def test_cyclic_sector_chain_is_refused_not_looped(tmp_path):
    data = bytearray(mb.cfb_bytes({"WordDocument": bytes(4096)}))
    data[512 + 4:512 + 8] = (1).to_bytes(4, "little")   # FAT[1] (directory) -> itself
    path = tmp_path / "loop.xls"
    path.write_bytes(bytes(data))
    assert_refused(path, "truncated", "成环")


# --------------------------------------------------------------------------- limits from config

def _project(tmp_path, text: str) -> Project:
    path = tmp_path / "baimq.toml"
    path.write_text(text, encoding="utf-8")
    return Project(path=path)


def test_limits_from_config_reads_optional_keys(tmp_path):
    limits = Limits.from_config(_project(tmp_path, "[limits]\nmax_ratio = 50\nmax_members = 20\n"))
    assert limits == Limits(max_ratio=50, max_members=20)


def test_limits_from_config_defaults_without_table_or_file(tmp_path):
    assert Limits.from_config(_project(tmp_path, "[project]\ncity = '湛江市'\n")) == Limits()
    assert Limits.from_config(Project()) == Limits()


@pytest.mark.parametrize("line, word", [("max_raito = 50", "max_raito"), ("max_ratio = -1", "正数"),
                                        ("max_ratio = 'big'", "正数")])
def test_limits_from_config_rejects_bad_values(tmp_path, line, word):
    with pytest.raises(DataError) as info:
        Limits.from_config(_project(tmp_path, f"[limits]\n{line}\n"))
    assert info.value.code == "config" and info.value.file == "baimq.toml" and word in str(info.value)


def test_configured_limits_are_applied(tmp_path):
    limits = Limits.from_config(_project(tmp_path, "[limits]\nmax_member_bytes = 1000\n"))
    path = mb.write_zip(tmp_path / "a.xlsx", mb.ooxml_parts(extra=[("big.bin", bytes(2000))]),
                        compression=zipfile.ZIP_STORED)
    assert_refused(path, "zip_bomb", "超过单个部件上限", limits)


# --------------------------------------------------------------------------- nothing crashes

def _seeds() -> dict[str, bytes]:
    return {"xlsx": mb.raw_zip([mb.RawEntry(n, d, zlib.crc32(d), len(d), method=0) for n, d in mb.ooxml_parts()]),
            "xls": mb.xlwt_bytes()}


SEEDS = _seeds()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(SEEDS)), cut=st.integers(0, 6000),
       flips=st.lists(st.tuples(st.integers(0, 6000), st.integers(0, 255)), max_size=8))
def test_damaged_workbooks_raise_data_error_or_pass(tmp_path, kind, cut, flips):
    data = bytearray(SEEDS[kind])
    for pos, byte in flips:
        data[pos % len(data)] = byte
    path = tmp_path / "fuzz.bin"
    path.write_bytes(bytes(data[: max(cut, 1)] if cut < len(data) else data))
    try:
        assert inspect_file(path) in FORMATS
    except DataError as err:
        assert err.code in {"truncated", "not_spreadsheet", "zip_bomb", "xml_entities", "encrypted"}
