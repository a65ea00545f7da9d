"""Safe, reproducible writing of everything baimq produces.

* :func:`atomic_path` — write to a temporary file in the target folder, then ``os.replace``:
  a reader never sees half a file, and a failed run leaves the old file in place.
* :func:`guard` — refuse to write inside a ``data/raw`` folder or over a file that was
  loaded as a source (:func:`register_sources`): "don't ever edit your raw data".
* :func:`normalise_zip` — rewrite an OOXML container (xlsx, pptx, docx) so that two runs
  over the same data give byte-identical files: fixed member timestamps, stable member
  order, fixed ``docProps/core.xml`` dates, embedded workbooks normalised too.
* :func:`escape_formula` — text that a spreadsheet would run as a formula (``=``, ``+``,
  ``-``, ``@``, tab, CR at the start) is prefixed with a single quote for CSV.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

#: The timestamp written into every container: members, docProps created/modified.
FIXED_DATETIME = datetime(2000, 1, 1)
_ZIP_DATE = FIXED_DATETIME.timetuple()[:6]
_W3C_DATE = FIXED_DATETIME.strftime("%Y-%m-%dT%H:%M:%SZ")

#: First characters that make a spreadsheet treat a text cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_SOURCES: set[str] = set()


# --------------------------------------------------------------------------- guard
def _key(path: str | os.PathLike) -> str:
    return os.path.normcase(str(Path(path).expanduser().resolve()))


def register_sources(paths: Iterable[str | os.PathLike], *, resolved: bool = False) -> None:
    """Remember files that were loaded as sources: :func:`guard` refuses to write over them.

    *resolved*: the paths are already absolute and free of symbolic links (the loader knows
    this of the files it found under a resolved folder), which spares a ``resolve`` per file.
    """
    _SOURCES.update(os.path.normcase(os.fspath(p)) if resolved else _key(p) for p in paths)


def clear_sources() -> None:
    """Forget every registered source (tests, or a new session)."""
    _SOURCES.clear()


def is_raw_path(path: str | os.PathLike) -> bool:
    """True when *path* lies inside a folder named ``raw`` that is inside a folder named ``data``."""
    parts = [p.lower() for p in Path(path).expanduser().resolve().parts[:-1]]
    return "data" in parts and "raw" in parts[parts.index("data") + 1:]


def guard(path: str | os.PathLike) -> Path:
    """Return *path* as a Path if baimq may write it, else raise ValueError.

    Raises
    ------
    ValueError
        (Chinese message) when *path* is inside ``data/raw`` or is a registered source file.
    """
    p = Path(path)
    if is_raw_path(p):
        raise ValueError(f"拒绝写入原始数据目录 data/raw：{p}。原始报表只读，请把输出写到 out/ 或 data/processed/。")
    if _key(p) in _SOURCES:
        raise ValueError(f"拒绝覆盖已作为数据来源读入的文件：{p}。请换一个输出文件名。")
    return p


# --------------------------------------------------------------------------- atomic writes
@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside *path*; on success move it over *path* with ``os.replace``.

    The temporary name keeps the suffix (``.name-XXXX.xlsx``) so that writers choosing a
    format by extension (matplotlib) still work. On an exception the temporary file is
    removed and *path* is left untouched. The folder is created if missing.

    Examples
    --------
    >>> with atomic_path("out/report.xlsx") as tmp:  # doctest: +SKIP
    ...     workbook = xlsxwriter.Workbook(tmp)
    """
    target = guard(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        try:
            os.replace(tmp, target)
        except PermissionError as exc:  # Windows: the file is open in Excel / PowerPoint
            raise PermissionError(f"无法写入 {target}：文件可能正被 Excel 或 PowerPoint 打开，请关闭后重试。") from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write *data* to *path* atomically (after :func:`guard`); return the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write *text* to *path* atomically with ``\\n`` line ends; return the path."""
    return write_bytes(path, text.encode(encoding))


# --------------------------------------------------------------------------- zip normalisation
def _member_order(names: list[str]) -> list[str]:
    """``mimetype`` (ODF) and ``[Content_Types].xml`` first, ``_rels/`` next, then by name."""
    def rank(name: str) -> tuple:
        first = {"mimetype": 0, "[Content_Types].xml": 1}.get(name, 3)
        if first == 3 and name.startswith("_rels/"):
            first = 2
        return (first, name)
    return sorted(names, key=rank)


_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def _normalise_member(name: str, data: bytes) -> bytes:
    if name == "docProps/core.xml":
        return _CORE_DATE.sub(lambda m: m.group(1) + _W3C_DATE.encode() + m.group(3), data)
    if data[:4] == b"PK\x03\x04":  # an embedded workbook (chart data in a pptx)
        try:
            return normalise_zip_bytes(data)
        except zipfile.BadZipFile:
            return data
    return data


def normalise_zip_bytes(data: bytes) -> bytes:
    """Return the zip container *data* rewritten deterministically (pure function).

    Members keep their content (except ``docProps/core.xml`` dates, set to 2000-01-01) and
    are written in a stable order with a fixed timestamp, fixed attributes and deflate at
    level 6; ``mimetype`` is stored uncompressed as ODF requires.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        members = {i.filename: src.read(i) for i in src.infolist() if not i.is_dir()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in _member_order(list(members)):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.create_system = 0
            info.external_attr = 0
            stored = name == "mimetype"
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            dst.writestr(info, _normalise_member(name, members[name]),
                         compresslevel=None if stored else 6)
    return out.getvalue()


def normalise_zip(path: str | os.PathLike) -> Path:
    """Rewrite the OOXML zip at *path* deterministically, in place and atomically.

    See :func:`normalise_zip_bytes`. Returns the path.
    """
    p = Path(path)
    return write_bytes(p, normalise_zip_bytes(p.read_bytes()))


# --------------------------------------------------------------------------- formula injection
def is_formula_like(value) -> bool:
    """True when *value* is text a spreadsheet would run as a formula (starts with = + - @ tab CR)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def escape_formula(value):
    """Prefix formula-like text with a single quote (for CSV); anything else is returned as is."""
    return "'" + value if is_formula_like(value) else value
