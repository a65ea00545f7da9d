"""Reading files in parallel gives the serial result; the loader's frame and file-level wiring."""
from __future__ import annotations

import os
import zipfile

import pandas as pd
import pytest

import baimq
from baimq import loader, outputs
from baimq.schema import TIDY_COLUMNS, tidy_frame
from conftest import CONFIG

HEAD = [["2023年1-6月一般公共预算收入"], ["单位：亿元"], ["地区", "一般公共预算收入"]]
COUNTIES = ["赤坎区", "霞山区", "坡头区", "麻章区", "遂溪县", "徐闻县", "廉江市", "雷州市", "吴川市"]


@pytest.fixture
def many(book, tmp_path):
    """21 returns (three chunks for two workers): one county each, one with an error, one with
    a warning, in nested folders so that file order is by relative path."""
    for i in range(21):
        county = COUNTIES[i % 9]
        rows = [[county, float(i + 1)]]
        if i == 7:
            rows = [["廉江县", 1.0]]                        # unknown area: an error
        if i == 12:
            rows = [["全市合计", 99.0], [county, 1.0]]      # counties missing: a warning
        title = [[f"{2023 if i < 12 else 2022}年{i % 12 + 1}月一般公共预算收入"]]   # no two files revise
        book(title + HEAD[1:] + rows, name=f"d/{'x' if i % 2 else 'y'}/r{i:02d}.xlsx")
    return tmp_path / "d"


def load(path, **kw):
    return baimq.load(path, config=CONFIG, cache=False, **kw)


def test_two_workers_give_the_serial_result(many, monkeypatch):
    serial = load(many, errors="skip", workers=1)
    here = []                                  # chunks read in this process, not in workers
    real = loader._read_chunk
    monkeypatch.setattr(loader, "_read_chunk", lambda *a: here.append(os.getpid()) or real(*a))
    parallel = load(many, errors="skip", workers=2)
    assert os.getpid() not in here             # the workers read every file
    pd.testing.assert_frame_equal(serial, parallel, check_exact=True)
    assert serial.attrs["findings"] == parallel.attrs["findings"]
    assert len(serial) == 21        # 19 files of one row + one of two (全市合计); the bad file left out
    assert [f.code for f in parallel.attrs["findings"]] == ["unknown_area", "partial_table"]


def test_parallel_errors_are_listed_in_file_order(many, book):
    book(HEAD + [["赤坎县", 1.0]], name="d/a/first.xlsx")   # sorts before x/ and y/
    with pytest.raises(baimq.DataError) as e:
        load(many, workers=2)
    assert [f.file for f in e.value.findings] == ["a/first.xlsx", "x/r07.xlsx"]


def test_parallel_check_equals_serial_and_is_repeatable(many):
    serial = baimq.check(many, config=CONFIG, cache=False, workers=1)
    runs = [baimq.check(many, config=CONFIG, cache=False, workers=2) for _ in range(2)]
    for run in runs:
        pd.testing.assert_frame_equal(serial, run)


def test_spawned_workers_give_the_serial_result(many, monkeypatch):
    # Where fork is not safe (threads running, as in Jupyter) workers are spawned.
    import multiprocessing

    monkeypatch.setattr(loader, "_pool_context", lambda: multiprocessing.get_context("spawn"))
    assert loader._worker_count(None, 100, "spawn") == 1      # not worth it for few files
    pd.testing.assert_frame_equal(load(many, errors="skip", workers=2), load(many, errors="skip", workers=1))


def test_without_processes_the_files_are_read_here(many, monkeypatch):
    import concurrent.futures

    class NoPool:
        def __init__(self, *a, **k):
            raise OSError("no semaphores in this sandbox")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", NoPool)
    pd.testing.assert_frame_equal(load(many, errors="skip", workers=2), load(many, errors="skip", workers=1))


def test_default_workers_only_for_many_files():
    assert loader._worker_count(None, 10) == 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert loader._worker_count(None, 500) == cores
    assert loader._worker_count(4, 3) == 3                  # never more workers than files
    assert loader._worker_count(0, 3) == 1


# ----------------------------------------------------------------------------- the frame
def test_frame_has_the_dtypes_and_values_of_tidy_frame():
    p6, p23 = pd.Period("2023-06", "M"), pd.Period("2023", "Y")
    records = [
        dict(indicator="budget_revenue", area="赤坎区", area_code="440802", period=p6, value=1.5, unit="亿元",
             kind="actual", level="county", cumulative=True, basis="", batch="", unit_sent="万元", as_of="",
             source="a.xlsx!S!B4", stated_growth=0.062, _half=5e-6, _row=3, _col=1, _parent="440800",
             _file="a.xlsx", _sheet="S", _cell="B4"),
        dict(indicator="coop_count", area="湛江市", area_code="440800", period=p23, value=12.0, unit="家",
             kind="target", level="city", cumulative=False, basis="新口径", batch="第一批", unit_sent="个",
             as_of="2023-06-30", source="b.xlsx!S!C9", _half=0.0, _row=8, _col=2, _parent="440000",
             _file="b.xlsx", _sheet="S", _cell="C9"),   # no stated_growth: NaN
    ]
    fast = loader._frame(records, [0, 1])
    pd.testing.assert_frame_equal(fast[TIDY_COLUMNS], tidy_frame(records)[TIDY_COLUMNS], check_exact=True)
    assert fast["_fileno"].tolist() == [0, 1] and fast["_row"].tolist() == [3, 8]
    assert pd.isna(fast["stated_growth"].iloc[1]) and fast["period"].iloc[1] == p23


def test_empty_frame_has_the_tidy_columns():
    df = loader._frame([])
    assert list(df.columns[:len(TIDY_COLUMNS)]) == TIDY_COLUMNS and df.empty


# ----------------------------------------------------------------------------- file-level wiring
def test_macro_workbook_loads_with_a_macro_warning(book, tmp_path):
    plain = book(HEAD + [["赤坎区", 1.0]], name="plain.xlsx")
    macro = tmp_path / "m.xlsm"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(macro, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"\xcc" * 64)
    df = load(macro)
    assert df["value"].tolist() == [1.0]
    (f,) = df.attrs["findings"]
    assert (f.severity, f.code, f.message, f.file) == ("warning", "macro", "含宏，已忽略，未执行", "m.xlsm")


def test_loaded_files_are_protected_from_overwriting(book):
    p = book(HEAD + [["赤坎区", 1.0]], name="src.xlsx")
    outputs.clear_sources()
    try:
        outputs.guard(p)                                     # not yet a source: allowed
        load(p)
        with pytest.raises(ValueError, match="数据来源"):
            outputs.guard(p)
    finally:
        outputs.clear_sources()


def test_symbolic_link_sources_are_protected_at_their_target(book, tmp_path):
    real = book(HEAD + [["赤坎区", 1.0]], name="elsewhere/real.xlsx")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "link.xlsx").symlink_to(real)
    outputs.clear_sources()
    try:
        df = load(tmp_path / "d")
        assert df["source"].tolist() == ["link.xlsx!Sheet1!B4"]
        with pytest.raises(ValueError):
            outputs.guard(real)
        with pytest.raises(ValueError):
            outputs.guard(tmp_path / "d" / "link.xlsx")
    finally:
        outputs.clear_sources()
