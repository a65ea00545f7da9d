"""Read a workbook into grids of cells that keep their true sheet coordinates.

python-calamine does the reading (FINDINGS.md: 4-13x faster than openpyxl). A grid row 0
is sheet row 1 and column 0 is column A, so every number can name its cell. Merged ranges,
sheet visibility and formula cells that carry no cached value (calamine reads them as "")
come with each sheet. Nothing is ever written next to the data.
"""
from __future__ import annotations

import html
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import python_calamine as pc

from .errors import DataError

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# Table files a folder may hold that are not read: reported, never skipped in silence.
OTHER_TABLE_SUFFIXES = (".xlsb", ".ods", ".csv", ".et", ".ett", ".xlt", ".xltx", ".xltm", ".numbers", ".wps")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    """One visible or hidden worksheet.

    ``rows[r][c]`` is the value of the cell at zero-based (r, c); rows may be shorter than
    the widest one. ``merged`` holds ((r0, c0), (r1, c1)) inclusive ranges;
    ``formulas_without_value`` the (r, c) of formula cells whose result was never stored
    (found on first use: the sheet XML is scanned only when someone asks).
    """

    name: str
    index: int
    visible: bool
    rows: list[list] = field(default_factory=list)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    formulas: "frozenset | _FormulaScan" = frozenset()

    @property
    def formulas_without_value(self) -> frozenset:
        if not isinstance(self.formulas, frozenset):
            self.formulas = self.formulas.of(self.name)
        return self.formulas

    def value(self, r: int, c: int):
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return ""


@dataclass
class Book:
    """A workbook read into memory: ``name`` is the file as reported in ``source``."""

    path: Path
    name: str
    format: str
    sheets: list[Sheet]
    warnings: tuple = ()   # file-level findings from the safety checks (macros)


class _FormulaScan:
    """The formula scan of one workbook, run once when a sheet first asks for it."""

    def __init__(self, path: Path):
        self.path, self._found = path, None

    def of(self, sheet: str) -> frozenset:
        if self._found is None:
            self._found = _missing_formula_cells(self.path)
        return frozenset(self._found.get(sheet, ()))


def _minimal_inspect(path: Path) -> str:
    """Fallback format check used until :mod:`baimq.safety` is available."""
    size = path.stat().st_size
    if size == 0:
        raise DataError("文件是空的（0 字节），不是电子表格", file=path.name, code="not_spreadsheet")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            raise DataError("文件已损坏或不完整（压缩包无法打开），请重新导出后再报",
                            file=path.name, code="damaged") from None
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            raise DataError("文件不是 Excel 工作簿（压缩包中没有工作簿）", file=path.name, code="not_spreadsheet")
        return "xlsm" if path.suffix.lower() == ".xlsm" else "xlsx"
    if head == _OLE_MAGIC:
        return "xls"
    raise DataError("文件不是电子表格（无法识别的文件格式）", file=path.name, code="not_spreadsheet")


def inspect(path: Path) -> str:
    """The workbook format, after the safety checks of :mod:`baimq.safety` when present."""
    return _inspect(path, path.name)[0]


def _inspect(path: Path, name: str) -> tuple[str, tuple, dict]:
    """The workbook format, the safety checks' warnings (macros) and the zip members they read
    in full (name → bytes), or DataError."""
    try:
        from .safety import inspect_workbook
    except ImportError:
        return _minimal_inspect(path), (), {}
    try:
        found = inspect_workbook(path, name=name)
        return found.format, tuple(found.warnings), found.members
    except DataError:
        raise
    except Exception:  # noqa: BLE001 - a fault in the checker must not hide the file
        return _minimal_inspect(path), (), {}


# The suffixes python-calamine's from_path reads as each format (it goes by the extension).
_SUFFIX_FORMAT = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".xlsb": "xlsb", ".ods": "ods"}


def _open(path: Path, name: str, fmt: str = ""):
    """Open with calamine; by content when the suffix misnames the format (an .xls saved as .xlsx)."""
    try:
        if fmt and _SUFFIX_FORMAT.get(path.suffix.lower()) != {"xlsm": "xlsx"}.get(fmt, fmt):
            with open(path, "rb") as fh:
                return pc.CalamineWorkbook.from_filelike(fh)
        return pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise DataError("工作簿设有打开密码（已加密），无法读取；请取消密码后再报",
                        file=name, code="encrypted") from None
    except (pc.CalamineError, OSError, ValueError) as exc:
        raise DataError(f"文件已损坏或不完整，无法读取（{type(exc).__name__}）",
                        file=name, code="damaged") from None
    except BaseException as exc:
        _reraise_panic(exc, name)


def _reraise_panic(exc: BaseException, name: str, sheet: str = ""):
    """A Rust panic inside calamine reaches Python as pyo3's PanicException, a BaseException
    that ``except Exception`` lets through: it means the file is damaged. Anything else
    (KeyboardInterrupt, MemoryError) is raised again unchanged."""
    if type(exc).__name__ != "PanicException":
        raise exc
    raise DataError("文件已损坏，读取程序无法解析（PanicException）", file=name, sheet=sheet,
                    code="damaged") from None


def read_book(path, name: str | None = None, *, hidden: bool = False) -> Book:
    """Read every sheet of one workbook.

    Parameters
    ----------
    path : path-like
        The .xlsx / .xlsm / .xls file.
    name : str, optional
        The file as it appears in messages and ``source`` (defaults to the file name).
    hidden : bool
        Also read the cells of hidden sheets (they are listed either way).

    Raises
    ------
    DataError
        Not a spreadsheet, encrypted, damaged or truncated.
    """
    path = Path(path)
    name = name or path.name
    try:
        fmt, warnings, members = _inspect(path, name)
    except DataError as exc:
        raise DataError(exc.reason, file=name, code=exc.code) from None
    wb = _open(path, name, fmt)
    try:
        formulas = _FormulaScan(path) if fmt in ("xlsx", "xlsm") else frozenset()
        extent = _ExtentCheck(path, name, members) if fmt in ("xlsx", "xlsm") else None
        sheets = []
        for i, meta in enumerate(wb.sheets_metadata):
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            visible = meta.visible == pc.SheetVisibleEnum.Visible
            sheet = Sheet(meta.name, i, visible, formulas=formulas)
            if visible or hidden:
                if extent is not None:
                    extent.check(meta.name)
                try:
                    ws = wb.get_sheet_by_index(i)
                    sheet.rows = ws.to_python(skip_empty_area=False)
                    merged = ws.merged_cell_ranges or []
                except (pc.CalamineError, ValueError, OSError) as exc:
                    raise DataError(f"工作表已损坏，无法读取（{type(exc).__name__}）",
                                    file=name, sheet=meta.name, code="damaged") from None
                except BaseException as exc:
                    _reraise_panic(exc, name, meta.name)
                sheet.merged = _clip_merged(merged, sheet.rows, name, meta.name)
            sheets.append(sheet)
    finally:
        wb.close()
        if extent is not None:
            extent.close()
    return Book(path, name, fmt, sheets, warnings)


# ----------------------------------------------------------------------------- sheet extent
#: Most cells (rows x columns, counted from A1) one worksheet may span. python-calamine
#: allocates the whole rectangle before anything can be checked: a 5 KB .xlsx with one cell
#: at XFD1048576 asks for 512 GB and aborts the Python process (measured, calamine 0.9.1);
#: 20,000 x 2,000 cells took 1.5 GB. Real returns span far less than a million cells.
#: (.xls cannot go past 65,536 x 256.)
MAX_CELLS = 10_000_000
_ANY_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{0,3})(\d+)""")
# The screen looks for the usual spelling r="..." only (literal patterns search fast); any
# other spelling of the attribute sends the sheet to the exact count.
_WIDE_REF = re.compile(rb'r="([A-Za-z]{2,3})\d')
_ODD_SPELLING = re.compile(rb"r(?:='| =|[\t\n\r])")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def far_cell(data: bytes, limit: int = MAX_CELLS) -> tuple[int, int] | None:
    """(rows, columns) a worksheet's XML spans when that is more than *limit* cells, else None.

    Cheap first: the widest column named with two or three letters (26 when none) bounds the
    width, and only row numbers long enough to break the limit at that width are looked for;
    the exact extent is computed only when one is found.
    """
    if not _ODD_SPELLING.search(data):
        width = max((_column_number(m) for m in _WIDE_REF.findall(data)), default=26)
        digits = len(str(limit // width + 1))
        if not re.search(rb'r="[A-Za-z]{0,3}\d{%d}' % digits, data):
            return None
    rows = cols = 0
    for letters, number in _ANY_REF.findall(data):
        rows = max(rows, int(number))
        if letters:
            cols = max(cols, _column_number(letters))
    return (rows, cols) if rows * max(cols, 1) > limit else None


#: Most cells merged ranges may cover in one sheet (after clipping them to the cells read).
#: Real returns merge a title row and a few header cells; a range such as A1:XFD1048576
#: or thousands of overlapping ranges would make the layout's cell map exhaust memory.
MAX_MERGED_CELLS = 1_000_000


def _clip_merged(ranges, rows: list, name: str, sheet: str) -> list:
    """Merged ranges cut to the grid that was read (beyond it every cell is empty anyway)."""
    height, width = len(rows), max((len(r) for r in rows), default=0)
    out, area = [], 0
    for (r0, c0), (r1, c1) in ranges:
        r1, c1 = min(r1, height - 1), min(c1, width - 1)
        if r0 > r1 or c0 > c1:
            continue
        area += (r1 - r0 + 1) * (c1 - c0 + 1)
        out.append(((r0, c0), (r1, c1)))
    if area > MAX_MERGED_CELLS:
        raise DataError(f"工作表的合并单元格过多或相互重叠（共覆盖 {area:,} 个单元格，上限 {MAX_MERGED_CELLS:,}），"
                        "疑似恶意或损坏的文件，已拒绝读取", file=name, sheet=sheet, code="sheet_too_large")
    return out


class _ExtentCheck:
    """Refuses a worksheet whose cells span more than :data:`MAX_CELLS` before calamine reads it."""

    def __init__(self, path: Path, name: str, members: dict | None = None):
        self.name, self.path, self.members, self.zf = name, path, members or {}, None
        try:
            self.parts = self._parts()
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, NotImplementedError, zlib.error):
            self.parts = {}   # calamine will say what is wrong

    def _parts(self) -> dict[str, str]:
        """:func:`_sheet_parts`, remembered by the two members' bytes (returns made from one
        template share them)."""
        rels, book = self.members.get(_RELS_PART), self.members.get(_BOOK_PART)
        if rels is None or book is None or len(rels) + len(book) > 16384:
            return _sheet_parts(self.read)
        key = (rels, book)
        parts = _PARTS_SEEN.get(key)
        if parts is None:
            parts = _sheet_parts(self.read)
            if len(_PARTS_SEEN) >= 256:
                _PARTS_SEEN.clear()
            _PARTS_SEEN[key] = parts
        return dict(parts)

    def read(self, part: str) -> bytes:
        """A member's bytes: as the safety checks read it in full, else from the package
        (opened on first need)."""
        if part in self.members:
            return self.members[part]
        if self.zf is None:
            self.zf = zipfile.ZipFile(self.path)
        return self.zf.read(part)

    def check(self, sheet: str) -> None:
        if sheet not in self.parts:
            return
        try:
            data = self.read(self.parts[sheet])
        except (KeyError, OSError, EOFError, ValueError, NotImplementedError, zlib.error, zipfile.BadZipFile):
            return
        far = far_cell(data)
        if far is not None:
            from .parse import cell_name

            rows, cols = far
            raise DataError(f"工作表的数据范围过大（到 {cell_name(rows - 1, max(cols, 1) - 1)}，约 {rows * max(cols, 1):,} "
                            f"个单元格，上限 {MAX_CELLS:,}），疑似恶意或损坏的文件，已拒绝读取；请删除表格外的空白"
                            "行列后另存再报", file=self.name, sheet=sheet, code="sheet_too_large")

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()


# ----------------------------------------------------------------------------- formulas
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_HAS_F = re.compile(rb"<(?:\w+:)?f\b")
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")


_RELS_PART, _BOOK_PART = "xl/_rels/workbook.xml.rels", "xl/workbook.xml"
_PARTS_SEEN: dict = {}


def _sheet_parts(read) -> dict[str, str]:
    """Sheet name → worksheet part inside the package; *read* gives a member's bytes by name
    (``ZipFile.read``)."""
    rels = {}
    for m in _REL.finditer(read(_RELS_PART)):
        a = dict(_ATTR.findall(m.group(1)))
        target = a.get(b"Target", b"").decode()
        target = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        rels[a.get(b"Id", b"").decode()] = target
    parts = {}
    for m in _SHEET.finditer(read(_BOOK_PART)):
        a = dict(_ATTR.findall(m.group(1)))
        rid = next((v for k, v in a.items() if k.endswith(b":id")), b"").decode()
        name = html.unescape(a.get(b"name", b"").decode("utf-8"))
        if rid in rels:
            parts[name] = rels[rid]
    return parts


def _missing_formula_cells(path: Path) -> dict[str, list[tuple[int, int]]]:
    """Formula cells without a cached value, per sheet (a light scan of the sheet XML)."""
    from .parse import cell_index

    out: dict[str, list[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for sheet, part in _sheet_parts(zf.read).items():
                try:
                    data = zf.read(part)
                except KeyError:
                    continue
                if not _HAS_F.search(data):
                    continue
                for m in _CELL.finditer(data):
                    inner = m.group(2) or b""
                    if not _HAS_F.search(inner):
                        continue
                    v = _V.search(inner)
                    if v is None or not v.group(1).strip():
                        ref = _REF.search(m.group(1))
                        if ref:
                            out.setdefault(sheet, []).append(cell_index(ref.group(1).decode()))
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, NotImplementedError, zlib.error):
        return {}   # a part calamine could read but zipfile cannot: no formulas to report
    return out


def spreadsheet_files(folder: Path) -> list[Path]:
    """Workbooks under *folder*, recursively, in a stable order (Excel lock files skipped)."""
    return [p for p, _rel in spreadsheet_targets(folder)]


def spreadsheet_targets(folder: Path, others: list[str] | None = None) -> list[tuple[Path, str]]:
    """``(path, path relative to folder as posix)`` of :func:`spreadsheet_files`, in its order.

    One ``os.scandir`` per folder (as ``Path.rglob`` does in Python 3.11: symbolic links to
    folders are not followed, unreadable folders are skipped), without a ``stat`` per file.
    Files with a table suffix that is not read (:data:`OTHER_TABLE_SUFFIXES`) are appended to
    *others* (relative posix paths, sorted) when a list is given.
    """
    found: list[tuple[str, str]] = []
    skipped: list[str] = []

    def walk(directory: str, rel: str) -> None:
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except PermissionError:
            return
        for e in entries:
            try:
                if e.is_dir() and not e.is_symlink():
                    walk(e.path, f"{rel}{e.name}/")
                elif (os.path.splitext(e.name)[1].lower() in SPREADSHEET_SUFFIXES
                      and not e.name.startswith(("~$", ".")) and e.is_file()):
                    found.append((f"{rel}{e.name}", e.path))
                elif (others is not None and os.path.splitext(e.name)[1].lower() in OTHER_TABLE_SUFFIXES
                      and not e.name.startswith(("~$", "."))):
                    skipped.append(f"{rel}{e.name}")
            except OSError:
                continue

    walk(os.fspath(folder), "")
    found.sort()
    if others is not None:
        others.extend(sorted(skipped))
    return [(Path(path), rel) for rel, path in found]
