"""Source files are never modified: ``load``, ``check``, ``collect`` and ``report`` only read.

Every test works on a copy of ``data/raw`` laid out as an analyst's project
(``tmp/project/baimq.toml`` + ``tmp/project/data/raw/...``) and compares, before and after,
each file's sha256, modification time and mode, and the list of every entry in the folder
(so that no cache, lock, temporary or output file appears in it). The same runs are repeated
with the folder made read-only (``chmod -R a-w``); root ignores permissions, so there the
"nothing new appeared" listing is what proves it.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import stat
from pathlib import Path

import pytest

from baimq import cli
from baimq.errors import DataError
from baimq.inbox import collect
from baimq.loader import check, load

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"


def snapshot(folder: Path) -> dict:
    """Every entry under *folder*: files → (sha256, mtime_ns, mode), folders → mode."""
    out = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        key = p.relative_to(folder).as_posix()
        if p.is_file():
            out[key] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns, stat.S_IMODE(st.st_mode))
        else:
            out[key] = ("dir", stat.S_IMODE(st.st_mode))
    return out


def _chmod_tree(folder: Path, writable: bool) -> None:
    for p in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        p.chmod(mode | stat.S_IWUSR if writable else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.fixture(params=["writable", "read-only"])
def project(request, tmp_path, monkeypatch):
    """A project folder: baimq.toml and a copy of data/raw (read-only in the second run).

    No BAIMQ_CACHE: the load cache goes where it would for an analyst (``.cache/`` beside
    baimq.toml), so a cache written into the data would show in the listing.
    """
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / "baimq.toml", root / "baimq.toml")
    shutil.copytree(RAW, root / "data" / "raw")            # copy2: times and modes kept
    monkeypatch.delenv("BAIMQ_CACHE", raising=False)
    monkeypatch.chdir(root)
    raw = root / "data" / "raw"
    if request.param == "read-only":
        _chmod_tree(raw, writable=False)
    before = snapshot(raw)
    yield root, raw
    try:
        assert snapshot(raw) == before, "a source file or the data folder changed"
    finally:
        _chmod_tree(raw, writable=True)                   # let pytest clean tmp_path


def test_the_copy_holds_the_bundled_returns(project):
    _root, raw = project
    assert len([p for p in raw.rglob("*.xls*")]) >= 50


def test_load_only_reads(project):
    root, raw = project
    df = load(raw, config=root / "baimq.toml", errors="skip")
    assert len(df) > 1000
    df = load(raw, config=root / "baimq.toml", errors="skip")   # second run: from the cache
    assert len(df) > 1000


def test_load_with_the_cache_pointed_into_the_data_writes_nothing_there(project, monkeypatch):
    root, raw = project
    monkeypatch.setenv("BAIMQ_CACHE", str(raw / ".cache"))
    assert len(load(raw / "sample" / "budget", config=root / "baimq.toml", errors="skip")) > 100


def test_check_only_reads(project):
    root, raw = project
    found = check(raw, config=root / "baimq.toml")
    assert list(found.columns)[:3] == ["severity", "code", "file"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["check", str(raw), "--config", str(root / "baimq.toml")])
    assert code in (0, 1), err.getvalue()


def test_collect_only_reads(project):
    root, raw = project
    inbox = raw / "sample" / "budget"
    result = collect(inbox, "2023-06", out=root / "out" / "collect", config=root / "baimq.toml", quiet=True)
    assert len(result.table) > 0 and result.outputs
    assert all(root / "out" in p.parents for p in result.outputs)


def test_collect_refuses_to_write_into_the_inbox(project):
    root, raw = project
    inbox = raw / "sample" / "budget"
    with pytest.raises(ValueError, match="输出文件夹不能是收件文件夹"):
        collect(inbox, "2023-06", out=inbox / "回执", config=root / "baimq.toml", quiet=True)


def test_collect_command_only_reads(project):
    root, raw = project
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["collect", str(raw / "sample" / "coop"), "--period", "2023-06", "--quiet",
                         "--out", str(root / "out" / "c"), "--config", str(root / "baimq.toml")])
    assert code in (0, 1), err.getvalue()
    assert "Traceback" not in out.getvalue() + err.getvalue()


def test_report_only_reads(project):
    report = pytest.importorskip("baimq.report")
    root, raw = project
    sample = raw / "sample"
    result = report.build_report(sample, "2023-06", root / "out", config=root / "baimq.toml", quiet=True)
    assert result.files and all(root / "out" in p.parents for p in result.files)


def test_report_refuses_to_write_into_the_data(project):
    report = pytest.importorskip("baimq.report")
    root, raw = project
    with pytest.raises(ValueError, match="拒绝写入原始数据目录") as info:
        report.build_report(raw / "sample", "2023-06", raw / "out", config=root / "baimq.toml", quiet=True)
    assert not isinstance(info.value, DataError)


def test_snapshot_sees_a_changed_byte_a_new_time_and_a_new_file(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    before = snapshot(tmp_path)
    (tmp_path / "a.xlsx").write_bytes(b"PL")
    assert snapshot(tmp_path) != before
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    os.utime(tmp_path / "a.xlsx", ns=(1, 1))
    assert snapshot(tmp_path) != before
    os.utime(tmp_path / "a.xlsx", ns=(before["a.xlsx"][1],) * 2)
    assert snapshot(tmp_path) == before
    (tmp_path / ".cache").mkdir()
    assert snapshot(tmp_path) != before
