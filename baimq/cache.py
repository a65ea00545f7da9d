"""A cache of loaded returns, so that re-loading unchanged files costs one unpickle.

Two kinds of entry per loaded target (a folder or one file), both in one cache folder:

* the **result**: the finished tidy table and its findings, valid while the list of files
  with their sizes and modification times (``(name, size, mtime_ns)``) is unchanged;
* the **pack**: every file's rows (with the loader's internal columns) and findings, so that
  when a few files change only those are read again.

Both are keyed by the project's configuration fingerprint (catalogue + ``baimq.toml``), the
package version and a fingerprint of the code and data files that decide how returns read:
a changed catalogue, config or loader misses. The folder is ``BAIMQ_CACHE`` when set, else
``.cache/baimq`` under the project root; it is never inside ``data/raw`` (then nothing is
cached), and a folder that cannot be written simply means no cache. Entries are written
atomically (temporary file, then ``os.replace``). They are pickles: point ``BAIMQ_CACHE`` only
at a folder that nobody else writes to.

A result is valid for a listing of ``(name, size, mtime_ns, digest)``: the digest of the
content is taken only for files changed in the last few seconds (see :func:`listing`).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

from . import __version__

_FORMAT = 2
_PACKAGE = Path(__file__).resolve().parent
# Modules and data files whose content decides what a return loads as.
_CODE_FILES = ("loader.py", "reader.py", "layout.py", "parse.py", "checks.py", "safety.py", "areas.py",
               "schema.py", "config.py", "errors.py", "cache.py", "data")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Digest of the package version, the loading code and its data files (read once per process)."""
    h = hashlib.blake2b(f"{__version__}-{_FORMAT}".encode(), digest_size=12)
    for name in _CODE_FILES:
        path = _PACKAGE / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for p in files:
            h.update(p.relative_to(_PACKAGE).as_posix().encode())
            try:
                h.update(p.read_bytes())
            except OSError:
                h.update(b"?")
    return h.hexdigest()


def default_cache_dir(project_root: Path | None = None) -> Path:
    """``BAIMQ_CACHE`` if set, else ``.cache/baimq`` under *project_root* (or the working folder)."""
    env = os.environ.get("BAIMQ_CACHE")
    if env:
        return Path(env)
    return Path(project_root or Path.cwd()) / ".cache" / "baimq"


_RACY_NS = 3_000_000_000


def listing(files) -> tuple:
    """``((name, size, mtime_ns, digest), ...)`` of ``(path, name)`` pairs: what an entry is valid for.

    File times tick coarsely (a few milliseconds), so a file rewritten with the same size
    just after it was read could keep its time. Files changed in the last few seconds are
    therefore also identified by their content's digest ("racy" files, as git calls them);
    older ones by size and time alone.
    """
    import time

    now = time.time_ns()
    out = []
    for path, name in files:
        try:
            st = os.stat(path)
            racy = abs(now - st.st_mtime_ns) < _RACY_NS
            out.append((name, st.st_size, st.st_mtime_ns, file_digest(path) if racy else ""))
        except OSError:  # gone or unreadable since the folder was listed: the reader says so
            out.append((name, -1, -1, ""))
    return tuple(out)


def file_digest(path) -> str:
    """BLAKE2b digest of a file's bytes."""
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ----------------------------------------------------------------------------- compact frames
def pack_frame(df) -> dict:
    """A DataFrame as plain arrays, object columns as (codes, distinct values).

    Pickling this is many times faster than pickling the frame: a column of 150,000
    ``pandas.Period`` objects holds a few dozen distinct ones.
    """
    import numpy as np
    import pandas as pd

    cols = {}
    for name in df.columns:
        s = df[name]
        if s.dtype == object:
            codes, uniques = pd.factorize(s.to_numpy(), use_na_sentinel=False)
            cols[name] = ("codes", codes.astype(np.int32), np.asarray(uniques, dtype=object))
        else:
            cols[name] = ("values", s.to_numpy(copy=True), str(s.dtype))
    return {"columns": cols, "length": len(df)}


def unpack_frame(packed: dict):
    """The DataFrame :func:`pack_frame` packed (same columns, dtypes and values)."""
    import pandas as pd

    data = {}
    for name, (how, a, b) in packed["columns"].items():
        if how == "codes":
            data[name] = pd.Series(b.take(a) if len(a) else b[:0], dtype=object, copy=False)
        else:
            data[name] = pd.Series(a, dtype=b, copy=False)
    return pd.DataFrame(data, index=pd.RangeIndex(packed["length"]))


# ----------------------------------------------------------------------------- the store
class LoadCache:
    """The cache entries of one load target under one configuration.

    Parameters
    ----------
    directory : path-like
        The cache folder.
    target : path-like
        The folder or file being loaded (its resolved path names the entries).
    fingerprint : str
        The project's configuration fingerprint (:attr:`baimq.config.Project.fingerprint`).
    """

    def __init__(self, directory, target, fingerprint: str = ""):
        self.dir = Path(directory)
        key = f"{Path(target).resolve()}\0{fingerprint}\0{code_fingerprint()}"
        self.key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        self.hits = self.misses = 0

    @classmethod
    def for_project(cls, project, target) -> "LoadCache | None":
        """The cache for *target* under *project*, or None where nothing may be cached
        (a cache folder inside ``data/raw``)."""
        from .outputs import is_raw_path

        directory = default_cache_dir(project.root)
        if is_raw_path(directory / "x"):
            return None
        return cls(directory, target, project.fingerprint)

    def _path(self, kind: str) -> Path:
        return self.dir / self.key[:2] / f"{self.key}.{kind}.pkl"

    def _get(self, kind: str, valid_for):
        try:
            with open(self._path(kind), "rb") as fh:
                stamp, value = pickle.load(fh)
        except Exception:  # noqa: BLE001 - missing, partial or stale entry: a miss
            self.misses += 1
            return None
        if stamp != valid_for:
            self.misses += 1
            return None
        self.hits += 1
        return value

    def _put(self, kind: str, valid_for, value) -> bool:
        """Store *value* atomically; False (and nothing stored) when the folder is not writable."""
        entry = self._path(kind)
        tmp = None
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((valid_for, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
            return True
        except OSError:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
            return False

    # The finished result of one load: valid for one listing and one `errors` mode.
    def get_result(self, files: tuple, errors: str):
        """``(packed frame, findings)`` stored for exactly these files, or None."""
        return self._get(f"result-{errors}", files)

    def put_result(self, files: tuple, errors: str, packed: dict, found: list) -> bool:
        return self._put(f"result-{errors}", files, (packed, list(found)))

    # Every file's rows and findings: reused for the files that did not change.
    def get_pack(self):
        """``(files, packed frame, findings per file)`` of the last load, or None."""
        value = self._get("pack", "pack")
        return value

    def put_pack(self, files: tuple, packed: dict, per_file: list) -> bool:
        return self._put("pack", "pack", (files, packed, per_file))
