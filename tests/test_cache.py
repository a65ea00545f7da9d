"""The load cache: hits, misses, invalidation, where it writes, and warm == cold."""
from __future__ import annotations

import dataclasses
import os
import shutil

import pandas as pd
import pytest

import baimq
from baimq import cache as cache_mod
from baimq import loader
from baimq.config import get_project
from conftest import CONFIG

HEAD = [["2023年1-6月一般公共预算收入"], ["单位：亿元"], ["地区", "一般公共预算收入"]]


def table(*rows):
    return HEAD + [list(r) for r in rows]


@pytest.fixture
def reads(monkeypatch):
    """Counts the files the loader actually opens (names, in order)."""
    seen = []
    real = loader._read_file

    def counting(path, name, project, resolver):
        seen.append(name)
        return real(path, name, project, resolver)

    monkeypatch.setattr(loader, "_read_file", counting)
    return seen


@pytest.fixture
def folder(book, tmp_path):
    """Two clean returns, one with a warning (city total 12.1 ≠ 2 × 1.0 + ... ), one with an error."""
    book(table(["赤坎区", 1.0], ["霞山区", 2.0]), name="d/a.xlsx")
    # 全市合计 9.0 against 赤坎区 1.0 + 霞山区 2.0 + ...: counties missing → a partial_table warning
    book(table(["全市合计", 9.0], ["坡头区", 3.0]), name="d/b.xlsx")
    book(table(["廉江县", 4.0]), name="d/sub/c.xlsx")    # unknown area: an error
    return tmp_path / "d"


def load(path, **kw):
    kw.setdefault("config", CONFIG)
    return baimq.load(path, **kw)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a.attrs["findings"] == b.attrs["findings"]
    assert list(a.dtypes) == list(b.dtypes)


# ----------------------------------------------------------------------------- hit and miss
def test_second_load_reads_no_file_and_gives_the_same_table(folder, reads):
    cold = load(folder, errors="skip", cache=False)
    assert reads == ["a.xlsx", "b.xlsx", "sub/c.xlsx"]
    first = load(folder, errors="skip")            # fills the cache
    warm = load(folder, errors="skip")             # served from it
    assert reads == ["a.xlsx", "b.xlsx", "sub/c.xlsx"] * 2
    same(cold, first)
    same(cold, warm)
    # the findings travel too: the error of c.xlsx and the warning of b.xlsx
    assert sorted(baimq.findings(warm)["code"]) == ["partial_table", "unknown_area"]
    assert isinstance(warm["period"].iloc[0], pd.Period)


def test_warm_load_still_raises_with_every_error(folder, reads):
    with pytest.raises(baimq.DataError) as cold:
        load(folder)
    with pytest.raises(baimq.DataError) as warm:
        load(folder)
    assert warm.value.findings == cold.value.findings
    assert [f.code for f in warm.value.findings] == ["unknown_area"]
    assert len(reads) == 3                          # the second time: no file read


def test_check_uses_the_cache_too(folder, reads):
    cold = baimq.check(folder, config=CONFIG)
    warm = baimq.check(folder, config=CONFIG)
    pd.testing.assert_frame_equal(cold, warm)
    assert len(reads) == 3


def test_cache_false_always_reads(folder, reads):
    load(folder, errors="skip", cache=False)
    load(folder, errors="skip", cache=False)
    assert len(reads) == 6


# ----------------------------------------------------------------------------- invalidation
def test_changed_file_is_read_again_and_only_it(folder, book, reads):
    load(folder, errors="skip")
    book(table(["赤坎区", 5.5], ["霞山区", 2.0]), name="d/a.xlsx")   # 1.0 → 5.5
    df = load(folder, errors="skip")
    assert reads[3:] == ["a.xlsx"]
    assert df.set_index("area").loc["赤坎区", "value"] == 5.5
    same(df, load(folder, errors="skip", cache=False))


def test_added_and_removed_files(folder, book, reads):
    load(folder, errors="skip")
    (folder / "b.xlsx").unlink()
    book(table(["遂溪县", 7.0]), name="d/e.xlsx")
    df = load(folder, errors="skip")
    assert reads[3:] == ["e.xlsx"]
    assert sorted(df["area"]) == ["赤坎区", "遂溪县", "霞山区"]
    same(df, load(folder, errors="skip", cache=False))


def test_file_rewritten_with_same_size_and_time_is_noticed(book, tmp_path):
    # Two writes within one tick of the file clock: same size, same mtime, other content.
    sizes = {}
    for v in (1.25, 9.75, 3.5, 7.5, 2.25, 6.75, 4.5, 8.25):
        q = book(table(["赤坎区", v]), name=f"v/{v}.xlsx")
        sizes.setdefault(q.stat().st_size, []).append(q)
    first, second = next(qs for qs in sizes.values() if len(qs) >= 2)[:2]
    p = tmp_path / "x.xlsx"
    shutil.copy(first, p)
    assert load(p)["value"].tolist() == [float(first.stem)]
    stamp = os.stat(p)
    shutil.copy(second, p)
    os.utime(p, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert (os.stat(p).st_size, os.stat(p).st_mtime_ns) == (stamp.st_size, stamp.st_mtime_ns)
    assert load(p)["value"].tolist() == [float(second.stem)]


def test_racy_files_are_identified_by_content(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"1111")
    b.write_bytes(b"2222")
    now = os.stat(a).st_mtime_ns
    os.utime(b, ns=(now, now))
    (ea,), (eb,) = cache_mod.listing([(a, "f")]), cache_mod.listing([(b, "f")])
    assert ea[:3] == eb[:3] and ea != eb           # same name, size, time; different digest
    old = now - 3600 * 10**9                       # an hour-old file: size and time suffice
    os.utime(a, ns=(old, old))
    assert cache_mod.listing([(a, "f")]) == (("f", 4, old, ""),)


def test_changed_config_misses(folder, tmp_path, reads):
    config = tmp_path / "baimq.toml"
    shutil.copy(CONFIG, config)
    load(folder, errors="skip", config=config)
    load(folder, errors="skip", config=config)
    assert len(reads) == 3
    with open(config, "a", encoding="utf-8") as fh:
        fh.write("\n# a comment changes the fingerprint\n")
    os.utime(config, ns=(0, os.stat(config).st_mtime_ns + 10**9))   # a new mtime for get_project
    load(folder, errors="skip", config=config)
    assert len(reads) == 6


def test_changed_catalogue_misses(folder, reads):
    # The catalogue's content is in Project.fingerprint: another fingerprint, another entry.
    project = get_project(CONFIG)
    other = dataclasses.replace(project, fingerprint=project.fingerprint + "x")
    load(folder, errors="skip", config=project)
    load(folder, errors="skip", config=other)
    assert len(reads) == 6
    load(folder, errors="skip", config=project)
    assert len(reads) == 6


def test_a_new_synonym_in_the_config_changes_the_result(book, tmp_path):
    p = book([["2023年1-6月"], ["单位：亿元"], ["地区", "一般公共预算收入", "村集体收入"],
              ["赤坎区", 1.0, 0.5]], name="d/r.xlsx")
    config = tmp_path / "baimq.toml"
    shutil.copy(CONFIG, config)
    assert load(p, config=config)["indicator"].tolist() == ["budget_revenue"]
    with open(config, "a", encoding="utf-8") as fh:
        fh.write('\n[indicators.village_income]\nname = "村集体收入"\nunit = "亿元"\n')
    os.utime(config, ns=(0, os.stat(config).st_mtime_ns + 10**9))
    assert sorted(load(p, config=config)["indicator"]) == ["budget_revenue", "village_income"]


# ----------------------------------------------------------------------------- where it writes
def test_default_folder_is_under_the_project_root(book, tmp_path, monkeypatch):
    monkeypatch.delenv("BAIMQ_CACHE")
    config = tmp_path / "proj" / "baimq.toml"
    config.parent.mkdir()
    shutil.copy(CONFIG, config)
    raw = tmp_path / "proj" / "data" / "raw"
    book(table(["赤坎区", 1.0]), name="proj/data/raw/r.xlsx")
    before = sorted(raw.rglob("*"))
    load(raw, config=config)
    assert sorted(raw.rglob("*")) == before                   # nothing written beside the data
    assert list((tmp_path / "proj" / ".cache" / "baimq").rglob("*.pkl"))


def test_cache_folder_inside_data_raw_is_never_used(book, tmp_path, monkeypatch, reads):
    raw = tmp_path / "data" / "raw"
    monkeypatch.setenv("BAIMQ_CACHE", str(raw / "cache"))
    p = book(table(["赤坎区", 1.0]), name="data/raw/r.xlsx")
    load(p)
    load(p)
    assert not (raw / "cache").exists()
    assert sorted(x.name for x in raw.iterdir()) == ["r.xlsx"]
    assert len(reads) == 2                                     # no cache: read both times


def test_unwritable_cache_folder_means_no_cache(book, tmp_path, monkeypatch, reads):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("BAIMQ_CACHE", str(blocker / "cache"))  # mkdir fails: a file in the way
    p = book(table(["赤坎区", 1.0]), name="r.xlsx")
    assert load(p)["value"].tolist() == [1.0]
    assert load(p)["value"].tolist() == [1.0]
    assert len(reads) == 2


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_cache_and_data_folders(book, tmp_path, monkeypatch):
    ro = tmp_path / "ro-cache"
    ro.mkdir()
    monkeypatch.setenv("BAIMQ_CACHE", str(ro))
    p = book(table(["赤坎区", 1.0]), name="d/r.xlsx")
    ro.chmod(0o500)
    p.parent.chmod(0o500)
    try:
        assert load(p)["value"].tolist() == [1.0]
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)
        p.parent.chmod(0o700)


def test_failed_write_leaves_no_partial_entry(tmp_path, monkeypatch):
    store = cache_mod.LoadCache(tmp_path / "c", tmp_path, "fp")

    def refuse(*_a):
        raise PermissionError("read-only")

    monkeypatch.setattr(cache_mod.os, "replace", refuse)
    assert store.put_result((("a", 1, 2, ""),), "skip", {"columns": {}, "length": 0}, []) is False
    assert [p for p in (tmp_path / "c").rglob("*") if p.is_file()] == []


def test_damaged_entry_is_a_miss(folder, reads):
    load(folder, errors="skip")
    entries = list(cache_mod.default_cache_dir().rglob("*.pkl"))
    assert entries, "the first load filled the cache"
    for entry in entries:
        entry.write_bytes(b"\x80\x05garbage")
    reads.clear()
    again = load(folder, errors="skip")
    assert reads == ["a.xlsx", "b.xlsx", "sub/c.xlsx"]     # damaged entries are misses: every file read again
    same(again, load(folder, errors="skip", cache=False))


# ----------------------------------------------------------------------------- packing frames
def test_pack_frame_round_trip_keeps_values_and_dtypes():
    df = pd.DataFrame({
        "period": pd.Series([pd.Period("2023-06", "M"), pd.Period("2023", "Y"), pd.Period("2023-06", "M")],
                            dtype=object),
        "area": pd.Series(["赤坎区", "霞山区", "赤坎区"], dtype=object),
        "value": [1.5, float("nan"), -2.0],
        "cumulative": [True, False, True],
        "_row": pd.Series([3, 4, 5], dtype="int64"),
    })
    back = cache_mod.unpack_frame(cache_mod.pack_frame(df))
    pd.testing.assert_frame_equal(back, df, check_exact=True)
    assert back["period"].iloc[1] == pd.Period("2023", "Y")
    empty = df.iloc[:0]
    pd.testing.assert_frame_equal(cache_mod.unpack_frame(cache_mod.pack_frame(empty)), empty.reset_index(drop=True))


def test_pack_frame_does_not_mutate_its_input():
    df = pd.DataFrame({"area": pd.Series(["a", "b"], dtype=object), "value": [1.0, 2.0]})
    before = df.copy()
    cache_mod.pack_frame(df)
    pd.testing.assert_frame_equal(df, before)
