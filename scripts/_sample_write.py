"""Write hand-laid-out sheets to .xlsx (openpyxl) and .xls (xlwt), byte-stable.

A :class:`Sheet` is a grid of plain values (str, int, float or None) with merged ranges,
number formats and a visibility flag. ``write_workbook`` picks the writer from the file
suffix. Every .xlsx is rewritten with fixed zip timestamps and a fixed modification date in
``docProps/core.xml`` so that two builds give identical bytes.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

FIXED_DATE = datetime(2024, 1, 15, 9, 0, 0)
AUTHOR = "baimq 示例数据生成脚本"

PCT_FORMAT = "0.0%"


@dataclass
class Sheet:
    """One worksheet laid out as a grid of plain values.

    ``merges`` holds zero-based inclusive ranges ``(row0, col0, row1, col1)``;
    ``formats`` maps ``(row, col)`` to an Excel number format; ``bold_rows`` are drawn bold
    (titles and headers); ``hidden`` hides the sheet.
    """

    name: str
    rows: list = field(default_factory=list)
    merges: list = field(default_factory=list)
    formats: dict = field(default_factory=dict)
    bold_rows: set = field(default_factory=set)
    hidden: bool = False
    widths: dict = field(default_factory=dict)

    def add(self, values=(), fmts=None, *, bold: bool = False) -> int:
        """Append a row; ``fmts`` is one format for every number or a list per column."""
        r = len(self.rows)
        self.rows.append(list(values))
        for c, v in enumerate(values):
            f = fmts[c] if isinstance(fmts, (list, tuple)) else fmts
            if f and isinstance(v, (int, float)) and not isinstance(v, bool):
                self.formats[(r, c)] = f
        if bold:
            self.bold_rows.add(r)
        return r

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.merges.append((r0, c0, r1, c1))

    def title(self, text: str, ncols: int) -> int:
        """A title row merged across the table's width."""
        r = self.add([text], bold=True)
        self.merge(r, 0, r, ncols - 1)
        return r

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def write_workbook(path: Path, sheets: list[Sheet]) -> None:
    """Write *sheets* to *path* (.xlsx with openpyxl, .xls with xlwt)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for sh in sheets:
        _check_plain(sh, path)
    if path.suffix == ".xls":
        _write_xls(path, sheets)
    else:
        _write_xlsx(path, sheets)


def _check_plain(sheet: Sheet, path: Path) -> None:
    for row in sheet.rows:
        for v in row:
            if v is not None and not isinstance(v, (str, int, float)):
                raise TypeError(f"{path.name}!{sheet.name}: not a plain value: {v!r}")
            if isinstance(v, str) and v.startswith("="):
                raise ValueError(f"{path.name}!{sheet.name}: formula text {v!r}")


def _width(sheet: Sheet, c: int) -> float:
    if c in sheet.widths:
        return sheet.widths[c]
    return 8.0 if c == 0 else 13.0


def _write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is None:
                    continue
                cell = ws.cell(row=r, column=c, value=v)
                fmt = sh.formats.get((r - 1, c - 1))
                if fmt:
                    cell.number_format = fmt
                if (r - 1) in sh.bold_rows:
                    cell.font = bold
                    cell.alignment = centre
        for r0, c0, r1, c1 in sh.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
        for c in range(sh.ncols):
            ws.column_dimensions[get_column_letter(c + 1)].width = _width(sh, c)
        if sh.hidden:
            ws.sheet_state = "hidden"
    first_visible = next(i for i, s in enumerate(sheets) if not s.hidden)
    wb.active = first_visible
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.created = FIXED_DATE
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_stable_zip(buf.getvalue()))


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _stable_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx archive with fixed timestamps (zip entries and core.xml)."""
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def _xls_style(fmt: str | None, is_bold: bool, cache: dict):
    import xlwt

    key = (fmt, is_bold)
    if key not in cache:
        spec = "font: bold on; align: horiz centre, vert centre, wrap on" if is_bold else ""
        cache[key] = xlwt.easyxf(spec, num_format_str=fmt or "General")
    return cache[key]


def _write_xls(path: Path, sheets: list[Sheet]) -> None:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    cache: dict = {}
    for sh in sheets:
        ws = wb.add_sheet(sh.name, cell_overwrite_ok=True)
        merged_tail = set()
        for r0, c0, r1, c1 in sh.merges:
            v = sh.rows[r0][c0] if c0 < len(sh.rows[r0]) else None
            style = _xls_style(sh.formats.get((r0, c0)), r0 in sh.bold_rows, cache)
            ws.write_merge(r0, r1, c0, c1, v, style)
            merged_tail |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, row in enumerate(sh.rows):
            for c, v in enumerate(row):
                if v is None or (r, c) in merged_tail:
                    continue
                ws.write(r, c, v, _xls_style(sh.formats.get((r, c)), r in sh.bold_rows, cache))
        for c in range(sh.ncols):
            ws.col(c).width = int(_width(sh, c) * 256)
        if sh.hidden:
            ws.visibility = 1
    wb.save(str(path))
