"""A cache of loaded returns, so that re-running a notebook does not re-read unchanged files.

Each source file's tidy rows and findings are stored once, keyed by the file's content
hash, the catalogue/config fingerprint and the package version; a changed file or
catalogue simply misses. Files are stored outside ``data/raw`` (by default in
``.cache/baimq`` under the project root, or ``BAIMQ_CACHE``), written atomically.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from . import __version__

_FORMAT = 1


def file_digest(path: str | os.PathLike) -> str:
    """BLAKE2b digest of a file's bytes (fast, 1 MiB chunks)."""
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_cache_dir(project_root: Path | None = None) -> Path:
    env = os.environ.get("BAIMQ_CACHE")
    if env:
        return Path(env)
    return Path(project_root or Path.cwd()) / ".cache" / "baimq"


class FileCache:
    """Per-file cache of ``(rows, findings)`` pickles.

    Entries are keyed by ``(content digest, config fingerprint, package version)``; a quick
    in-memory stat table ``(size, mtime_ns) -> digest`` spares re-hashing unchanged files
    within one process.
    """

    def __init__(self, directory: str | os.PathLike, fingerprint: str = ""):
        self.dir = Path(directory)
        self.fingerprint = fingerprint
        self._digests: dict[tuple[str, int, int], str] = {}
        self.hits = 0
        self.misses = 0

    def _digest(self, path: Path) -> str:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
        if key not in self._digests:
            self._digests[key] = file_digest(path)
        return self._digests[key]

    def _entry(self, path: Path) -> Path:
        key = f"{self._digest(path)}-{self.fingerprint}-{__version__}-{_FORMAT}"
        name = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        return self.dir / name[:2] / f"{name}.pkl"

    def get(self, path: str | os.PathLike):
        """The cached value for *path*, or None on a miss (or an unreadable entry)."""
        entry = self._entry(Path(path))
        try:
            with open(entry, "rb") as fh:
                value = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, path: str | os.PathLike, value) -> None:
        """Store *value* for *path* (atomic: temp file, then rename). Failures are ignored."""
        entry = self._entry(Path(path))
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        except OSError:
            pass
