"""Recognise the table on a sheet by meaning: header band, area column, value columns.

Nothing here depends on fixed row or column numbers. The area column is found by its
header word (地区, 县（市、区）, 单位名称, 区县 …) or, failing that, by the column whose cells
resolve as areas; the header band is the rows from that header down to the first data
row; each value column is named by the catalogue words in its header path (merged cells
filled), the title, or the sheet name. :func:`recognise` returns a :class:`Layout` that the
loader turns into tidy rows and that the template/collect feature can reuse.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from .config import Project
from .parse import When, basis_in, batch_in, norm, parse_when, strip_units, units_in
from .reader import Sheet

AREA_HEADER_WORDS = frozenset({
    "地区", "区县", "县区", "县市区", "市县区", "县市", "市县", "单位名称", "单位", "地市", "市别",
    "城市", "区域", "地区名称", "县市区名称", "行政区划", "区划名称", "各地区", "地级市", "地市名称",
    "县区名称", "区县名称", "名称", "县市区单位", "各县市区", "镇街", "镇名称", "乡镇",
})
NOTE_WORDS = ("注:", "注：", "说明:", "说明：", "备注:", "填报单位", "填报人", "填表人", "审核人", "制表",
              "负责人", "联系电话", "联系人", "填报日期", "数据来源", "资料来源", "单位负责人")
MACHINE = re.compile(r"^(?:[A-Z][A-Z0-9_]*#|VALID#)")
_FORMULA_ROW = re.compile(r"^(?:[A-Z](?:[=+\-*/×÷()\dA-Z.%]*)|\d{1,2}|[甲乙丙丁]|栏次|行次)$")
BASE_WORDS = ("上年同期", "去年同期", "上年同期数", "同期数", "上年同期累计")
BASE_EXACT = ("上年", "去年", "同期")
SINGLE_MONTH_WORDS = ("当月", "本月", "当月数", "本月数")
TARGET_TITLE_WORDS = ("目标", "任务分解")
SKIP_HEADERS = ("序号", "备注", "说明", "责任单位", "联系人", "排名", "位次", "名次")
# Derived amounts (增减额, 差额, 增量) are not figures of the indicator itself.
DERIVED = re.compile(r"(?:增减|增加|减少|差|变动)额$|增量$|^增减$|差额")


@dataclass(frozen=True)
class Column:
    """How one value column reads.

    ``indicator`` is a catalogue key ("" for a rate column); ``rate`` the [rates] key of a
    rate column ("" otherwise) and ``rate_of`` the indicator that rate speaks of.
    ``period`` is None when neither header, title nor sheet name gives one.
    """

    col: int
    header: str
    indicator: str = ""
    rate: str = ""
    rate_of: str = ""
    kind: str = "actual"
    period: pd.Period | None = None
    to_date: bool = False
    single_month: bool = False
    as_of: str = ""
    unit: str = ""
    percent: bool = False
    basis: str = ""
    batch: str = ""


@dataclass(frozen=True)
class Layout:
    """A recognised table: where its parts are, and what each value column holds."""

    sheet: str
    title: str
    header_rows: tuple[int, ...]
    area_col: int
    data_rows: tuple[int, ...]
    columns: tuple[Column, ...]
    units_declared: tuple[str, ...] = ()
    is_target: bool = False
    notes: tuple[str, ...] = ()
    ignored: tuple[str, ...] = field(default=())

    @property
    def value_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.indicator and not c.rate)

    @property
    def rate_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.rate)


# ----------------------------------------------------------------------------- matching
class _Memo:
    """Results that depend only on header text and the project's catalogue, kept per project.

    Headers repeat from one return to the next, so each distinct text is matched once.
    """

    def __init__(self, project: Project):
        self.ref = weakref.ref(project)
        self.tables = (project.indicators, project.rates, project.units)
        ind_words = tuple((k, (*i.synonyms, i.name)) for k, i in project.indicators.items())
        rate_words = tuple((k, (*r.get("synonyms", ()), r.get("name", k))) for k, r in project.rates.items())
        self.matchers = _build_matchers(ind_words, rate_words)
        self.indicator: dict[str, str] = {}
        self.rate: dict[str, str] = {}
        self.classify: dict = {}

    def valid_for(self, project: Project) -> bool:
        return self.ref() is project and all(
            a is b for a, b in zip(self.tables, (project.indicators, project.rates, project.units)))


_MEMOS: dict[int, _Memo] = {}
_MEMO_TEXTS = 1 << 14   # a memo forgets its texts beyond this many (hostile files)


def _memo(project: Project) -> _Memo:
    memo = _MEMOS.get(id(project))
    if memo is None or not memo.valid_for(project):
        if len(_MEMOS) > 32:
            _MEMOS.clear()
        memo = _MEMOS[id(project)] = _Memo(project)
    return memo


def _remember(table: dict, key, value):
    if len(table) >= _MEMO_TEXTS:
        table.clear()
    table[key] = value
    return value


def _matchers(project: Project):
    return _memo(project).matchers


@lru_cache(maxsize=8)
def _build_matchers(ind_words, rate_words):
    def table(words):
        pairs = {(_clean_part(w), k) for k, ws in words for w in ws}
        return sorted(pairs, key=lambda t: (-len(t[0]), t[0], t[1]))

    return table(ind_words), table(rate_words)


def _clean_part(text: str) -> str:
    s = strip_units(text)
    for w in ("其中:", "其中"):
        if s.startswith(w):
            s = s[len(w):]
    return s


def _find(words, s: str) -> str:
    if not s:
        return ""
    for w, key in words:
        if s == w:
            return key
    for w, key in words:
        if w and w in s:
            return key
    return ""


def match_indicator(text: str, project: Project) -> str:
    """The catalogue key a header or title names ("" if none); exact words first, then the
    longest catalogue word contained in the text."""
    memo = _memo(project)
    hit = memo.indicator.get(text)
    if hit is None:
        hit = _remember(memo.indicator, text, _find(memo.matchers[0], _clean_part(text)))
    return hit


def match_rate(text: str, project: Project) -> str:
    """The [rates] key a header names ("" if none). Amount columns (…额, …数) are no rates."""
    memo = _memo(project)
    hit = memo.rate.get(text)
    if hit is None:
        s = _clean_part(text)
        hit = "" if s.endswith(("额", "数", "量", "里程")) else _find(memo.matchers[1], s)
        _remember(memo.rate, text, hit)
    return hit


def is_area_header(text: str) -> bool:
    return _is_area_header(norm(text))


@lru_cache(maxsize=4096)
def _is_area_header(s: str) -> bool:
    return re.sub(r"[()、,:/]", "", s) in AREA_HEADER_WORDS


_NOTE_PREFIXES = tuple(norm(w) for w in NOTE_WORDS)


def is_note(text: str) -> bool:
    return norm(text).startswith(_NOTE_PREFIXES)


# ----------------------------------------------------------------------------- the grid
class _Grid:
    """Normalised text of a sheet with merged ranges filled from their top-left cell."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.rows = sheet.rows
        self.height = len(self.rows)
        self.width = max((len(r) for r in self.rows), default=0)
        self.anchor = {}
        self._texts: dict = {}
        for (r0, c0), (r1, c1) in sheet.merged:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.anchor[(r, c)] = (r0, c0)

    def raw(self, r, c):
        return self.sheet.value(r, c)

    def text(self, r, c, filled=True) -> str:
        if filled and self.anchor:
            r, c = self.anchor.get((r, c), (r, c))
        if 0 <= r < self.height:
            row = self.rows[r]
            if 0 <= c < len(row):
                v = row[c]
                return norm(v) if isinstance(v, str) else ""
        return ""

    def row_texts(self, r) -> list[str]:
        """Non-empty texts of row *r*, left to right (unfilled; worked out once per row)."""
        texts = self._texts.get(r)
        if texts is None:
            row = self.rows[r] if 0 <= r < self.height else ()
            texts = self._texts[r] = [t for v in row if isinstance(v, str) and (t := norm(v))]
        return list(texts)

    def has_number(self, r, start=0) -> bool:
        row = self.rows[r] if r < self.height else []
        return any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row[start:])

    def merged_bottom(self, r, c) -> int:
        for (r0, c0), (r1, c1) in self.sheet.merged:
            if r0 == r and c0 <= c <= c1:
                return r1
        return r


def _find_area_header(g: _Grid) -> tuple[int, int] | None:
    for r in range(min(g.height, 40)):
        for c in range(min(g.width, 12)):
            if is_area_header(g.text(r, c, filled=False)):
                return r, c
    return None


def _find_area_column(g: _Grid, resolver) -> tuple[int, int] | None:
    """Fallback: the column whose cells resolve as areas; header is the row above them."""
    if resolver is None:
        return None
    best = None
    for c in range(min(g.width, 8)):
        hits = [r for r in range(g.height) if (t := g.text(r, c, False)) and resolver.resolve(t) is not None]
        if len(hits) >= 3 and (best is None or len(hits) > len(best[1])):
            best = (c, hits)
    if best is None or best[1][0] == 0:
        return None
    return best[1][0] - 1, best[0]


def _is_formula_row(g: _Grid, r: int, area_col: int) -> bool:
    cells = [g.raw(r, c) for c in range(area_col + 1, g.width)]
    texts = [norm(v) for v in cells if v not in ("", None)]
    if not texts:
        return False
    area = g.text(r, area_col, filled=False)
    if area and area not in ("栏次", "行次", "甲", "乙"):
        return False
    if all(_FORMULA_ROW.match(t) and not t.isdigit() for t in texts):
        return True
    nums = [v for v in cells if v not in ("", None)]
    ints = [int(float(v)) for v in nums if str(v).replace(".0", "").isdigit()]
    return len(ints) == len(nums) and len(ints) >= 2 and ints == list(range(ints[0], ints[0] + len(ints)))


def _header_band(g: _Grid, top: int, area_col: int) -> tuple[list[int], int]:
    """Header rows from *top*, and the first row after them (formula rows skipped)."""
    end = g.merged_bottom(top, area_col)
    while end + 1 < g.height and end - top < 2:
        r = end + 1
        if g.text(r, area_col, filled=False) or g.has_number(r, area_col + 1) or not g.row_texts(r):
            break
        if _is_formula_row(g, r, area_col):
            break
        end = r
    first = end + 1
    while first < g.height and _is_formula_row(g, first, area_col):
        first += 1
    return list(range(top, end + 1)), first


def _data_rows(g: _Grid, first: int, area_col: int) -> tuple[list[int], list[str]]:
    rows, notes = [], []
    for r in range(first, g.height):
        texts = g.row_texts(r)
        if texts and is_note(texts[0]):
            notes.extend(g.row_texts(rr)[0] for rr in range(r, g.height) if g.row_texts(rr))
            break
        if texts or g.has_number(r):
            rows.append(r)
    return rows, notes


def _context(g: _Grid, top: int) -> tuple[str, list[str]]:
    """Title text above the header (machine rows left out) and the texts declaring units."""
    title_parts, unit_texts = [], []
    for r in range(top):
        texts = g.row_texts(r)
        if texts and texts[0].startswith("VALID#"):
            texts = texts[1:]   # a first column of row markers: the rest of the row is real
        if not texts or any(MACHINE.match(t) for t in texts):
            continue            # export codes (AD_CODE# …)
        for t in texts:
            (unit_texts if "单位" in t and not t.startswith("填报单位") else title_parts).append(t)
    return " ".join(title_parts), unit_texts


# ----------------------------------------------------------------------------- columns
@dataclass(frozen=True)
class _Ctx:
    title: str
    when: When | None
    indicator: str
    is_target: bool
    batch: str
    basis: str
    units: tuple[str, ...]


def _column_when(path) -> tuple[When | None, str, bool]:
    """Period words of a header path (deepest first), 上年同期 → base, 当月 → single month."""
    kind, single = "actual", False
    when = None
    for part in reversed(path):
        if any(w in part for w in BASE_WORDS) or part in BASE_EXACT:
            kind = "base"
        if part in SINGLE_MONTH_WORDS:
            single = True
        when = when or parse_when(part)
    return when, kind, single


def _resolve_period(when: When | None, kind: str, ctx: _Ctx):
    """The column's Period, to-date flag and as-of day, given the title's period."""
    base_when = ctx.when
    year = base_when.year if base_when else None
    w = when or base_when
    if w is None or (w.year is None and year is None):
        return None, False, "", kind
    period = w.period(year)
    as_of = w.as_of
    if when is None and kind == "base":
        period = period - (12 if period.freqstr.startswith("M") else 1)
        as_of = ""
    elif when is not None and base_when and base_when.month and when.month == base_when.month \
            and when.year and base_when.year and when.year == base_when.year - 1:
        kind = "base"
    return period, w.to_date, as_of, kind


def _classify(c: int, path: list[str], ctx: _Ctx, project: Project, left: str) -> Column | None:
    """How column *c* with header *path* reads (memoised: only ``col`` depends on *c*)."""
    memo = _memo(project)
    # Every field of _Ctx but the title (which _classify_path does not read): keep in step.
    key = (tuple(path), ctx.when, ctx.indicator, ctx.is_target, ctx.batch, ctx.basis, ctx.units, left)
    col = memo.classify.get(key, False)
    if col is False:
        col = _remember(memo.classify, key, _classify_path(-1, path, ctx, project, left))
    if col is None:
        return None
    out = object.__new__(Column)            # copy.copy (dataclasses.replace), without their set-up
    out.__dict__.update(col.__dict__)
    out.__dict__["col"] = c
    return out


def _classify_path(c: int, path: list[str], ctx: _Ctx, project: Project, left: str) -> Column | None:
    header = "/".join(path)
    if not path or any(_clean_part(p) in SKIP_HEADERS or DERIVED.search(_clean_part(p)) for p in path):
        return None
    rate = next((k for p in reversed(path) if (k := match_rate(p, project))), "")
    indicator = _path_indicator(path, project)
    units = [u for p in reversed(path) for u in units_in(p, project.units)]
    percent = "%" in units or any("%" in p for p in path)
    batch = next((b for p in reversed(path) if (b := batch_in(p))), "") or ctx.batch
    basis = next((b for p in path if (b := basis_in(p))), "") or ctx.basis
    when, kind, single = _column_when(path)
    if rate:
        return Column(c, header, rate=rate, rate_of=indicator or left or ctx.indicator, percent=percent,
                      batch=batch, basis=basis)
    indicator = indicator or ctx.indicator
    if not indicator:
        return None
    if any("目标" in _clean_part(p) and "目标" not in _syn_hit(p, project) for p in path):
        kind = "target"
    period, to_date, as_of, kind = _resolve_period(when, kind, ctx)
    if kind == "target" or ctx.is_target:
        kind = "target"
        y = (when.year if when and when.year else None) or (ctx.when.year if ctx.when else None)
        period, to_date, as_of = (pd.Period(str(y), freq="Y") if y else None), False, ""
    unit = next((u for u in units if u != "%"), "") or _unit_for(indicator, ctx.units, project)
    return Column(c, header, indicator=indicator, kind=kind, period=period, to_date=to_date,
                  single_month=single, as_of=as_of, unit=unit, percent=percent, basis=basis, batch=batch)


def _path_indicator(path: list[str], project: Project) -> str:
    """The indicator a header path names: an exact catalogue word in the joined lower parts
    ("一般债务" over "限额" → 一般债务限额), else the deepest part that names one (exactly, or
    by the longest catalogue word it contains)."""
    words = _matchers(project)[0]
    exact = {w: k for w, k in reversed(words)}
    cleaned = [_clean_part(p) for p in path]
    for k in range(len(cleaned) - 1):
        hit = exact.get("".join(cleaned[k:]))
        if hit:
            return hit
    return next((k for p in reversed(path) if (k := match_indicator(p, project))), "")


def root_indicator(key: str, project: Project) -> str:
    """The top of an indicator's parent chain (税收收入 → 一般公共预算收入)."""
    seen = set()
    while key and key not in seen and project.indicators.get(key) and project.indicators[key].parent:
        seen.add(key)
        key = project.indicators[key].parent
    return key


def _syn_hit(part: str, project: Project) -> str:
    s = _clean_part(part)
    for w, _key in _matchers(project)[0]:
        if w and w in s:
            return w
    return ""


def _unit_for(indicator: str, declared, project: Project) -> str:
    family = project.units.get(project.indicators[indicator].unit, [""])[0]
    fitting = [u for u in declared if u != "%" and project.units.get(u, [""])[0] == family]
    if fitting:
        return fitting[0]
    others = [u for u in declared if u != "%"]
    return others[0] if len(others) == 1 else ""


def recognise(sheet: Sheet, project: Project, resolver=None) -> Layout | None:
    """Recognise the table on *sheet*; None when the sheet holds no indicator table.

    Parameters
    ----------
    sheet : Sheet
        As read by :func:`baimq.reader.read_book`.
    project : Project
        Gives the catalogue words (indicators, rates, units).
    resolver : AreaResolver, optional
        Used to find the area column by its contents when no header word names it.
    """
    g = _Grid(sheet)
    found = _find_area_header(g) or _find_area_column(g, resolver)
    if found is None:
        return None
    top, area_col = found
    header_rows, first = _header_band(g, top, area_col)
    data_rows, notes = _data_rows(g, first, area_col)
    title, unit_texts = _context(g, top)
    units = [u for t in unit_texts for u in units_in(t, project.units)]
    units += [u for r in header_rows for t in g.row_texts(r) if "单位" in t for u in units_in(t, project.units)]
    when = parse_when(title) or parse_when(sheet.name)
    ctx = _Ctx(title, when, match_indicator(title, project) or match_indicator(sheet.name, project),
               any(w in norm(title) for w in TARGET_TITLE_WORDS), batch_in(title) or batch_in(sheet.name),
               basis_in(title), tuple(units))
    columns, ignored, left = [], [], ""
    for c in range(area_col + 1, g.width):
        path = []
        for r in header_rows:
            t = g.text(r, c)
            if t and (not path or path[-1] != t) and not (c != area_col and "单位" in t and units_in(t, project.units)):
                path.append(t)
        col = _classify(c, path, ctx, project, left)
        if col is None:
            if path:
                ignored.append("/".join(path))
            continue
        left = root_indicator(col.indicator, project) or left
        columns.append(col)
    if not any(c.indicator for c in columns):
        return None
    return Layout(sheet.name, title, tuple(header_rows), area_col, tuple(data_rows), tuple(columns),
                  tuple(dict.fromkeys(units)), ctx.is_target, tuple(notes), tuple(ignored))
