"""Hostile and broken files end to end: through ``load``, ``check`` and ``baimq check``.

tests/test_safety.py pins what :mod:`baimq.safety` says about each bad file; here the same
files travel the whole way: a DataError naming the file (never another exception), good files
beside them still load with ``errors="skip"``, the command exits 1 and lists each. Also the
things a shared folder holds: an .xlsm with a macro, a file whose extension lies, an empty
workbook, a folder named like a workbook, a symlink loop, a file that vanishes mid-run.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from baimq import cli
from baimq.errors import DataError
from baimq.loader import check, load
from baimq.safety import MACRO_WARNING

from workbooks import BUDGET_MERGED, budget_grid, write_book

TESTS = Path(__file__).resolve().parent
BAD = TESTS / "fixtures" / "bad"
CONFIG = TESTS.parent / "baimq.toml"
BAD_FILES = sorted(p.name for p in BAD.iterdir() if p.suffix in (".xlsx", ".xls", ".xlsm", ".ods"))
# The loader looks for these in a folder (baimq.reader.SPREADSHEET_SUFFIXES); .ods only when named.
FOLDER_SUFFIXES = (".xlsx", ".xlsm", ".xls")

# budget_grid(): 赤坎区 30000 / 25000 万元, 霞山区 50000 / 40000 万元 → 3.0 / 2.5 and 5.0 / 4.0 亿元
GOOD_VALUES = {("赤坎区", "actual"): 3.0, ("赤坎区", "base"): 2.5, ("霞山区", "actual"): 5.0, ("霞山区", "base"): 4.0}


def run_cli(*argv) -> tuple[int, str]:
    """``baimq ARGV`` in-process: (exit code, stdout + stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text and "程序内部错误" not in text, text
    return code, text


def good_book(path: Path) -> Path:
    return write_book(path, budget_grid(), merged={"Sheet1": BUDGET_MERGED})


def values(df: pd.DataFrame) -> dict:
    return {(a, k): round(v, 9) for a, k, v in zip(df["area"], df["kind"], df["value"])}


def test_there_are_bad_fixtures():
    assert len(BAD_FILES) >= 20


# ----------------------------------------------------------------------------- every bad file
@pytest.mark.parametrize("fname", BAD_FILES)
def test_bad_file_raises_data_error_naming_it(fname, tmp_path, project):
    path = shutil.copy(BAD / fname, tmp_path / fname)
    with pytest.raises(DataError) as info:
        load(path, config=project)
    err = info.value
    assert err.findings and all(f.file == fname and f.severity == "error" for f in err.findings)
    assert fname in str(err) and str(tmp_path) not in str(err)   # named, no absolute path


@pytest.mark.parametrize("fname", BAD_FILES)
def test_check_lists_bad_file_as_an_error(fname, tmp_path, project):
    path = shutil.copy(BAD / fname, tmp_path / fname)
    found = check(path, config=project)
    assert list(found["file"].unique()) == [fname] and (found["severity"] == "error").any()
    code, text = run_cli("check", path, "--config", CONFIG)
    assert code == 1 and fname in text


@pytest.fixture
def mixed(tmp_path):
    """A folder: two good returns (xlsx and xls, in a sub-folder) and a copy of every bad file."""
    folder = tmp_path / "returns"
    (folder / "sub").mkdir(parents=True)
    good_book(folder / "good.xlsx")
    write_book(folder / "sub" / "good.xls", budget_grid(), merged={"Sheet1": BUDGET_MERGED})
    for name in BAD_FILES:
        shutil.copy(BAD / name, folder / name)
    return folder


def test_good_files_still_load_beside_bad_ones(mixed, project):
    df = load(mixed, config=project, errors="skip")
    assert set(df["source"].str.split("!").str[0]) == {"good.xlsx", "sub/good.xls"}
    # each good file gives the four figures of budget_grid (see GOOD_VALUES), none from a bad file
    assert len(df) == 8 and values(df) == GOOD_VALUES
    errors = {f.file for f in df.attrs["findings"] if f.severity == "error"}
    assert errors == {n for n in BAD_FILES if n.endswith(FOLDER_SUFFIXES)}


def test_raise_mode_lists_every_bad_file_at_once(mixed, project):
    with pytest.raises(DataError) as info:
        load(mixed, config=project)
    assert {f.file for f in info.value.findings} == {n for n in BAD_FILES if n.endswith(FOLDER_SUFFIXES)}


def test_check_command_exits_1_and_names_each_bad_file(mixed):
    code, text = run_cli("check", mixed, "--config", CONFIG)
    assert code == 1
    for name in BAD_FILES:
        if name.endswith(FOLDER_SUFFIXES):
            assert f"[错误] {name} " in text, name
    assert "good.xlsx" not in text and "good.xls" not in text


# ----------------------------------------------------------------------------- odd but readable
def _as_xlsm(xlsx: Path, dest: Path, vba: bytes) -> Path:
    """*xlsx* repackaged as a macro workbook: macro content type and an xl/vbaProject.bin."""
    with zipfile.ZipFile(xlsx) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            out.writestr(info, data)
        out.writestr("xl/vbaProject.bin", vba)
    return dest


def test_xlsm_with_macro_loads_with_a_warning_and_is_not_changed(tmp_path, project):
    plain = good_book(tmp_path / "plain.xlsx")
    # a "macro" that would leave a file behind if anything ran it
    marker = tmp_path / "macro_ran"
    path = _as_xlsm(plain, tmp_path / "macro.xlsm", b"Sub Auto_Open(): Open \"" + bytes(marker) + b"\" For Output")
    before = path.read_bytes()
    df = load(path, config=project)
    assert values(df) == GOOD_VALUES
    macro = [f for f in df.attrs["findings"] if f.code == "macro"]
    assert [(f.severity, f.message, f.file) for f in macro] == [("warning", MACRO_WARNING, "macro.xlsm")]
    assert path.read_bytes() == before and not marker.exists()
    code, text = run_cli("check", path, "--config", CONFIG)
    assert code == 1 and MACRO_WARNING in text and "[提示]" in text


@pytest.mark.parametrize("written, named", [(".xls", ".xlsx"), (".xlsx", ".xls"), (".xls", ".xlsm")])
def test_file_whose_extension_lies_loads_by_its_content(written, named, tmp_path, project):
    real = write_book(tmp_path / f"real{written}", budget_grid(), merged={"Sheet1": BUDGET_MERGED})
    renamed = tmp_path / f"renamed{named}"
    os.replace(real, renamed)
    df = load(renamed, config=project)
    assert values(df) == GOOD_VALUES
    assert set(df["source"].str.split("!").str[0]) == {renamed.name}


def test_empty_workbook_is_a_data_error_naming_it(tmp_path, project):
    import openpyxl

    path = tmp_path / "空表.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(DataError) as info:
        load(path, config=project)
    assert info.value.code == "no_table" and info.value.file == "空表.xlsx"
    code, text = run_cli("check", path, "--config", CONFIG)
    assert code == 1 and "空表.xlsx" in text


def test_workbook_with_only_hidden_sheets_of_data_is_no_table(tmp_path, project):
    path = write_book(tmp_path / "hidden.xlsx", {"说明": [["请填写"]], "数据": budget_grid()}, hidden=["数据"])
    with pytest.raises(DataError) as info:
        load(path, config=project)
    assert info.value.code == "no_table"


def test_folder_named_like_a_workbook_is_skipped(tmp_path, project):
    folder = tmp_path / "returns"
    (folder / "fake.xlsx").mkdir(parents=True)
    (folder / "fake.xlsx" / "readme.txt").write_text("not a workbook")
    good_book(folder / "good.xlsx")
    assert values(load(folder, config=project)) == GOOD_VALUES
    code, text = run_cli("check", folder, "--config", CONFIG)
    assert code == 0 and "fake.xlsx" not in text


def test_folder_named_like_a_workbook_given_directly_is_refused_by_check(tmp_path):
    (tmp_path / "fake.xlsx").mkdir()
    code, text = run_cli("check", tmp_path / "fake.xlsx", "--config", CONFIG)
    assert code == 1 and "没有报表文件" in text and "检查通过" not in text


def test_symlink_loop_and_dangling_link_in_folder(tmp_path, project):
    folder = tmp_path / "returns"
    folder.mkdir()
    good_book(folder / "good.xlsx")
    (folder / "loop").symlink_to(folder, target_is_directory=True)       # returns/loop → returns
    (folder / "self.xlsx").symlink_to(folder / "self.xlsx")               # a link to itself
    (folder / "gone.xlsx").symlink_to(tmp_path / "deleted.xlsx")          # points at nothing
    df = load(folder, config=project)
    assert values(df) == GOOD_VALUES and len(df) == 4   # good.xlsx read once, not via loop/
    code, text = run_cli("check", folder, "--config", CONFIG)
    assert code == 0


@pytest.mark.parametrize("cache", [False, True])
def test_file_that_disappears_mid_run_is_a_data_error(cache, tmp_path, project, monkeypatch):
    """The folder is listed, then a file is gone before it is read (a colleague moved it)."""
    import baimq.loader as loader

    folder = tmp_path / "returns"
    folder.mkdir()
    good_book(folder / "good.xlsx")
    listing = loader._targets

    def list_then_vanish(path, skipped=None):
        found = listing(path, skipped)
        good_book(folder / "vanish.xlsx").unlink()
        return found

    good_book(folder / "vanish.xlsx")
    monkeypatch.setattr(loader, "_targets", list_then_vanish)
    df = load(folder, config=project, errors="skip", cache=cache)
    assert values(df) == GOOD_VALUES
    assert [f.file for f in df.attrs["findings"] if f.severity == "error"] == ["vanish.xlsx"]
    good_book(folder / "vanish.xlsx")
    with pytest.raises(DataError) as info:
        load(folder, config=project, cache=cache)
    assert info.value.file == "vanish.xlsx"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_a_data_error(tmp_path, project):
    folder = tmp_path / "returns"
    folder.mkdir()
    good_book(folder / "good.xlsx")
    locked = good_book(folder / "locked.xlsx")
    locked.chmod(0)
    try:
        df = load(folder, config=project, errors="skip")
        assert values(df) == GOOD_VALUES
        assert [f.file for f in df.attrs["findings"] if f.severity == "error"] == ["locked.xlsx"]
    finally:
        locked.chmod(0o644)


def test_check_on_missing_path_exits_2_without_traceback(tmp_path):
    code, text = run_cli("check", tmp_path / "nowhere.xlsx")
    assert code == 2 and "找不到" in text


# ----------------------------------------------------------------------------- small files, huge sheets
# python-calamine allocates a sheet's whole rectangle: one cell at XFD1048576 in a 5 KB file
# asks for 512 GB and aborts the process (a Rust abort, not an exception). These run `load`
# in a child process with 2 GB of address space, so a regression fails the test instead of
# killing the test run or the machine.
_CHILD = """
import sys
from baimq.errors import DataError
from baimq.loader import load
try:
    df = load(sys.argv[1], config=sys.argv[2], cache=False)
    print("rows", len(df))
except DataError as exc:
    print("DataError", exc.code, exc.file, exc.sheet)
"""


def load_in_child(path: Path) -> str:
    import resource
    import subprocess
    import sys

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(CONFIG)], capture_output=True,
                          text=True, timeout=120, preexec_fn=limit, cwd=path.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def _with_far_cell(path: Path, row: int, col: int) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r, line in enumerate(budget_grid(), start=1):
        for c, v in enumerate(line, start=1):
            if v is not None:
                ws.cell(r, c, v)
    ws.cell(row, col, "x")
    wb.save(path)
    return path


def test_one_cell_at_the_last_row_and_column_is_refused(tmp_path):
    path = _with_far_cell(tmp_path / "far.xlsx", 1048576, 16384)           # XFD1048576
    assert path.stat().st_size < 10_000
    assert load_in_child(path) == "DataError sheet_too_large far.xlsx Sheet1"


def test_far_cell_within_the_limit_still_loads(tmp_path, project):
    # 1000 rows x 26 columns = 26,000 cells: far from MAX_CELLS; the stray cell is ignored
    path = _with_far_cell(tmp_path / "near.xlsx", 1000, 26)
    assert values(load(path, config=project)) == GOOD_VALUES


def _with_merges(src: Path, dest: Path, refs: list[str]) -> Path:
    import re

    cells = "".join(f'<mergeCell ref="{r}"/>' for r in refs).encode()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                if b"<mergeCells" not in data:
                    data = data.replace(b"</sheetData>", b"</sheetData><mergeCells></mergeCells>")
                data = re.sub(rb"<mergeCells[^>]*>", b"<mergeCells>" + cells, data)
            zout.writestr(info, data)
    return dest


def test_merged_range_to_the_end_of_the_sheet_is_clipped(tmp_path):
    # E1:XFD1048576 covers 17 billion cells, none of them holding anything: clipped to the grid
    path = _with_merges(good_book(tmp_path / "src.xlsx"), tmp_path / "merge.xlsx", ["E1:XFD1048576"])
    assert load_in_child(path) == "rows 4"


def test_overlapping_merged_ranges_are_refused(tmp_path):
    # a 100 x 26 grid (stray cell at Z100); 400 copies of A1:Z100 cover 400 x 2,600 =
    # 1,040,000 cells > MAX_MERGED_CELLS (1,000,000), in a file of a few KB
    src = _with_far_cell(tmp_path / "src.xlsx", 100, 26)
    path = _with_merges(src, tmp_path / "overlap.xlsx", ["A1:Z100"] * 400)
    assert load_in_child(path) == "DataError sheet_too_large overlap.xlsx Sheet1"


def test_far_cell_scan_counts_from_a1():
    from baimq.reader import MAX_CELLS, far_cell

    # Z = column 26; 26 x 384,615 = 9,999,990 ≤ 10,000,000 < 26 x 384,616 = 10,000,016
    assert MAX_CELLS == 10_000_000
    assert far_cell(b'<c r="Z384615"/>') is None
    assert far_cell(b'<c r="Z384616"/>') == (384616, 26)
    assert far_cell(b'<row r="2"><c r="A2"/></row><c r="XFD1048576"/>') == (1048576, 16384)
    # other spellings of the attribute are counted too
    assert far_cell(b"<c r='XFD2000'/>") == (2000, 16384)                # 32,768,000 cells
    assert far_cell(b'<c\nr = "A1048576"/><c r="Z5"/>') == (1048576, 26)   # 27,262,976 cells
    # a lying <dimension ref> is not a cell (calamine ignores it too)
    assert far_cell(b'<dimension ref="A1:XFD1048576"/><c r="A1"/>') is None


# ----------------------------------------------------------------------------- formula text in, text out
HYPERLINK = '=HYPERLINK("http://example.invalid/x","点击查看")'
FORMULA_START = ("=", "+", "-", "@")


def _book_of_text(path: Path, grid) -> Path:
    """Like write_book, but a string starting with "=" stays a string (typed text, not a formula)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r, line in enumerate(grid, start=1):
        for c, v in enumerate(line, start=1):
            if v is not None:
                cell = ws.cell(r, c, v)
                if isinstance(v, str):
                    cell.data_type = "s"
    wb.save(path)
    return path


@pytest.fixture
def injected(tmp_path, project):
    """An inbox where formula-like text sits in a remark, a number cell, an area cell and a file name."""
    from baimq.inbox import collect

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    remark = budget_grid()
    for line, extra in zip(remark[2:], ["备注", None, HYPERLINK, "-3 项目滞后"]):
        line.append(extra)
    _book_of_text(inbox / "廉江市.xlsx", remark)                                        # accepted
    _book_of_text(inbox / "吴川市.xlsx", budget_grid([("吴川市", HYPERLINK, 1.0, 2.0)]))  # word in number
    _book_of_text(inbox / "遂溪县.xlsx", budget_grid([(HYPERLINK, 100.0, 1.0, 2.0)]))    # unknown area
    _book_of_text(inbox / "@SUM(1+1).xlsx", budget_grid([("雷州市", 300000.0, 270000.0, 11.1)]))
    return collect(inbox, "2023-06", out=tmp_path / "out", config=project, quiet=True)


def test_typed_formula_text_is_read_as_text_not_run(injected):
    st = injected.status.set_index("file")["status"]
    assert st["廉江市.xlsx"] == "已接收" and st["@SUM(1+1).xlsx"] == "已接收"   # a remark is not an error
    assert st["吴川市.xlsx"] == "退回" and st["遂溪县.xlsx"] == "退回"
    by_code = dict(zip(injected.findings["code"], injected.findings["value"]))
    assert by_code["text_in_number"] == HYPERLINK and by_code["unknown_area"] == HYPERLINK


def test_receipt_keeps_formula_text_as_text(injected):
    import openpyxl

    receipt = next(p for p in injected.outputs if p.suffix == ".xlsx")
    with zipfile.ZipFile(receipt) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any(b"<f>" in x or b"<f " in x for x in sheets)   # no formula anywhere
    wb = openpyxl.load_workbook(receipt)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert sum(c.value == HYPERLINK for c in cells) >= 2                    # both findings' values
    assert all(c.data_type == "s" for c in cells if c.value.startswith(FORMULA_START))
    assert any(c.value == "@SUM(1+1).xlsx" for c in cells)                  # the file name, as text


def test_csv_prefixes_formula_text_with_a_quote(injected):
    import csv

    table = next(p for p in injected.outputs if p.suffix == ".csv")
    with open(table, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    sources = {r["source"] for r in rows if r["area"] == "雷州市"}
    assert sources == {"'@SUM(1+1).xlsx!Sheet1!B5", "'@SUM(1+1).xlsx!Sheet1!C5"}
    for r in rows:
        for v in r.values():
            if v.startswith(FORMULA_START):
                float(v)   # only numbers (-0.5) may start so; text would raise here


def test_a_panic_inside_calamine_is_a_data_error(tmp_path, project, monkeypatch):
    """pyo3 raises PanicException (a BaseException) when Rust code panics on a malformed file."""
    import python_calamine as pc

    PanicException = type("PanicException", (BaseException,), {})

    def panics(*_args, **_kw):
        raise PanicException("index out of bounds")

    path = good_book(tmp_path / "panic.xlsx")
    monkeypatch.setattr(pc.CalamineWorkbook, "from_path", panics)
    with pytest.raises(DataError) as info:
        load(path, config=project, cache=False)
    assert info.value.code == "damaged" and info.value.file == "panic.xlsx"


def test_keyboard_interrupt_while_reading_is_not_swallowed(tmp_path, project, monkeypatch):
    import python_calamine as pc

    def interrupted(*_args, **_kw):
        raise KeyboardInterrupt

    path = good_book(tmp_path / "slow.xlsx")
    monkeypatch.setattr(pc.CalamineWorkbook, "from_path", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load(path, config=project, cache=False)
