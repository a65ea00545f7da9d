"""Read a workbook into grids of cells that keep their true sheet coordinates.

python-calamine does the reading (FINDINGS.md: 4-13x faster than openpyxl). A grid row 0
is sheet row 1 and column 0 is column A, so every number can name its cell. Merged ranges,
sheet visibility and formula cells that carry no cached value (calamine reads them as "")
come with each sheet. Nothing is ever written next to the data.
"""
from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import python_calamine as pc

from .errors import DataError

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Sheet:
    """One visible or hidden worksheet.

    ``rows[r][c]`` is the value of the cell at zero-based (r, c); rows may be shorter than
    the widest one. ``merged`` holds ((r0, c0), (r1, c1)) inclusive ranges;
    ``formulas_without_value`` the (r, c) of formula cells whose result was never stored.
    """

    name: str
    index: int
    visible: bool
    rows: list[list] = field(default_factory=list)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    formulas_without_value: frozenset = frozenset()

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
    try:
        from .safety import inspect_file
    except ImportError:
        return _minimal_inspect(path)
    try:
        return inspect_file(path)
    except DataError:
        raise
    except Exception:  # noqa: BLE001 - a fault in the checker must not hide the file
        return _minimal_inspect(path)


def _open(path: Path, name: str):
    try:
        return pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise DataError("工作簿设有打开密码（已加密），无法读取；请取消密码后再报",
                        file=name, code="encrypted") from None
    except (pc.CalamineError, OSError, ValueError) as exc:
        raise DataError(f"文件已损坏或不完整，无法读取（{type(exc).__name__}）",
                        file=name, code="damaged") from None


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
        fmt = inspect(path)
    except DataError as exc:
        raise DataError(exc.reason, file=name, code=exc.code) from None
    wb = _open(path, name)
    try:
        formulas = _missing_formula_cells(path) if fmt in ("xlsx", "xlsm") else {}
        sheets = []
        for i, meta in enumerate(wb.sheets_metadata):
            if meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            visible = meta.visible == pc.SheetVisibleEnum.Visible
            sheet = Sheet(meta.name, i, visible, formulas_without_value=frozenset(formulas.get(meta.name, ())))
            if visible or hidden:
                try:
                    ws = wb.get_sheet_by_index(i)
                    sheet.rows = ws.to_python(skip_empty_area=False)
                    sheet.merged = list(ws.merged_cell_ranges or [])
                except (pc.CalamineError, ValueError, OSError) as exc:
                    raise DataError(f"工作表已损坏，无法读取（{type(exc).__name__}）",
                                    file=name, sheet=meta.name, code="damaged") from None
            sheets.append(sheet)
    finally:
        wb.close()
    return Book(path, name, fmt, sheets)


# ----------------------------------------------------------------------------- formulas
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_HAS_F = re.compile(rb"<(?:\w+:)?f\b")
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part inside the package."""
    rels = {}
    for m in _REL.finditer(zf.read("xl/_rels/workbook.xml.rels")):
        a = dict(_ATTR.findall(m.group(1)))
        target = a.get(b"Target", b"").decode()
        target = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        rels[a.get(b"Id", b"").decode()] = target
    parts = {}
    for m in _SHEET.finditer(zf.read("xl/workbook.xml")):
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
            for sheet, part in _sheet_parts(zf).items():
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
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}
    return out


def spreadsheet_files(folder: Path) -> list[Path]:
    """Workbooks under *folder*, recursively, in a stable order (Excel lock files skipped)."""
    files = [p for p in folder.rglob("*")
             if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES and not p.name.startswith(("~$", "."))]
    return sorted(files, key=lambda p: p.relative_to(folder).as_posix())
