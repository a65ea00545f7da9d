"""Reading single cells: text normalisation, numbers, percentages, units and periods.

Everything here is a pure function of one cell's content (or one title), so the layout
recogniser and the loader can share it and the tests can check it case by case.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

_SPACE = re.compile(r"[\s\u3000\xa0]+")
# Cells that mean "no value".
BLANKS = frozenset({"", "-", "--", "—", "——", "–", "/", "－", "\\", "无", "空", "…", "...", "#N/A", "nan"})
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_COL_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def norm(text) -> str:
    """Normalise typed text for matching: NFKC (full-width → ASCII), no whitespace.

    ``"（亿元）"`` → ``"(亿元)"``, ``"１－６月"`` → ``"1-6月"``, ``"霞　山　区"`` → ``"霞山区"``.
    Strings are memoised: headers and area names repeat across returns.
    """
    if type(text) is str and len(text) <= 256:
        return _norm_short(text)
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return _norm_str(str(text))


@lru_cache(maxsize=1 << 16)
def _norm_short(text: str) -> str:
    return _norm_str(text)


def _norm_str(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = s.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")
    return _SPACE.sub("", s)


def cell_name(row: int, col: int) -> str:
    """A1 name of a zero-based (row, col): ``cell_name(6, 1) == "B7"``."""
    letters = _LETTERS.get(col) if type(col) is int else None
    if letters is None:
        letters = ""
        n = col + 1
        while n:
            n, rem = divmod(n - 1, 26)
            letters = _COL_LETTERS[rem] + letters
        if type(col) is int and 0 <= col < 16384:
            _LETTERS[col] = letters
    return f"{letters}{row + 1}"


_LETTERS: dict[int, str] = {}


def cell_index(name: str) -> tuple[int, int]:
    """Zero-based (row, col) of an A1 name: ``cell_index("B7") == (6, 1)``."""
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if not m:
        raise ValueError(f"not an A1 cell name: {name!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + (ord(ch) - 64)
    return int(m.group(2)) - 1, col - 1


@dataclass(frozen=True)
class Number:
    """A parsed cell: ``value`` (None when blank), ``decimals`` shown, ``percent`` when typed with %.

    ``bad`` is True when the cell holds words that are not a number ("约3.9万").
    """

    value: float | None
    decimals: int = 0
    percent: bool = False
    bad: bool = False


_INFS = (math.inf, -math.inf)


def _decimals_of(x: float) -> int:
    """Decimals a float shows once representation noise is removed (62391.5 → 1)."""
    if not math.isfinite(x) or x == int(x):
        return 0
    if -262144.0 < x < 262144.0:
        # Below 2**18 a double is within 1.5e-11 of its shortest repr, so when that repr has
        # at most 10 decimals (and no exponent) the 10-decimal rendering below shows exactly
        # those decimals: the same answer, in a third of the time.
        s = repr(x)
        if "e" not in s:
            k = len(s) - s.index(".") - 1
            if k <= 10:
                return min(k, 6)
    s = f"{x:.10f}".rstrip("0")
    return min(len(s) - s.index(".") - 1, 6)


def parse_number(raw) -> Number:
    """Read one value cell.

    Numbers pass through; text numbers ("62,391.5", "６２３９１．５", "45.2%") are read;
    blanks and placeholders ("", "-", "—", "/") give ``value=None``; anything else is ``bad``.
    """
    if type(raw) is float:   # the usual cell: the float branch below, without the type tests
        if raw != raw:
            return Number(None)
        if raw in _INFS:
            return Number(None, bad=True)
        return Number(raw, _decimals_of(raw))
    if raw is None or isinstance(raw, bool):
        return Number(None, bad=isinstance(raw, bool))
    if isinstance(raw, (int, float)):
        try:
            x = float(raw)
        except OverflowError:  # an integer beyond any double
            return Number(None, bad=True)
        if math.isnan(x):
            return Number(None)
        if math.isinf(x):  # written by a program, or "1e400": no figure is that large
            return Number(None, bad=True)
        return Number(x, _decimals_of(x))
    if isinstance(raw, (_dt.date, _dt.time, _dt.timedelta)):
        return Number(None, bad=True)
    s = norm(raw)
    if s in BLANKS:
        return Number(None)
    percent = s.endswith("%")
    core = s[:-1] if percent else s
    if not _NUMBER.fullmatch(core) or not any(ch.isdigit() for ch in core):
        return Number(None, bad=True)
    x = float(core.replace(",", ""))
    if math.isinf(x):
        return Number(None, bad=True)
    dec = len(core.split(".")[1]) if "." in core and "e" not in core.lower() else 0
    return Number(x, dec, percent)


# ----------------------------------------------------------------------------- units
def units_in(text, known) -> list[str]:
    """Unit words declared in *text*: a unit line ("单位：公里、%") or a header "(亿元)".

    *known* is the catalogue's unit table (word → [family, factor]). "%" is returned as "%".
    """
    s, known = norm(text), tuple(known)
    return list(_units_in_cached(s, known) if len(s) <= 256 else _units_in(s, known))


@lru_cache(maxsize=16)
def _unit_words(known: tuple) -> tuple[dict, list]:
    lookup = {norm(k): k for k in known}
    return lookup, sorted(lookup, key=len, reverse=True)


def _units_in(s: str, known: tuple) -> tuple[str, ...]:
    found: list[str] = []
    chunks = _BRACKETED.findall(s)
    at = s.rfind("单位")
    if at >= 0 and not s[:at].endswith("填报"):
        chunks.insert(0, s[at + 2:].lstrip(":"))
    lookup, words = _unit_words(known)
    for chunk in chunks:
        for word in re.split(r"[、,/;;和及与]", chunk):
            word = word.strip("()")
            if word.startswith(("%", "百分比")):
                found.append("%")
                continue
            hit = next((w for w in words if word == w or (len(word) > len(w) and word.startswith(w))), None)
            if hit and (word == hit or not chunk.startswith("(")):
                found.append(lookup[hit])
    return tuple(found)


_units_in_cached = lru_cache(maxsize=1 << 14)(_units_in)


_UNITISH = re.compile(r"(?:单位:?)?[%‰元万亿千百公里米家个户所座条项kmKM、,/]*")


def strip_units(text) -> str:
    """Header text without bracketed units: "一般公共预算收入（亿元）" → "一般公共预算收入".

    Other bracketed words stay ("一般债务限额（新增）" keeps "(新增)"): they change the meaning.
    """
    s = norm(text)
    s = _BRACKETED.sub(lambda m: "" if _UNITISH.fullmatch(m.group(1)) else m.group(0), s)
    return s.strip(":")


# ----------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class When:
    """A period read from text.

    ``year`` may be None for month-only column headers ("6月"); ``month`` None for annual
    figures. ``to_date`` marks cumulative-to-date wording (1-6月, 截至, 上半年, 6月底).
    """

    year: int | None
    month: int | None
    to_date: bool = False
    as_of: str = ""

    def period(self, year: int | None = None) -> pd.Period | None:
        y = self.year or year
        if y is None:
            return None
        if self.month is None:
            return pd.Period(str(y), freq="Y")
        return pd.Period(f"{y}-{self.month:02d}", freq="M")


_QUARTERS = {"上半年": 6, "一季度": 3, "第一季度": 3, "前三季度": 9, "三季度": 9, "第三季度": 9,
             "二季度": 6, "第二季度": 6, "1季度": 3, "前3季度": 9, "下半年": 12, "四季度": 12}
_Y = r"((?:19|20)\d{2})"
_PERIOD_PATTERNS = [
    # 截至2023年6月30日 / 截止2023年6月底
    (re.compile(_Y + r"年(\d{1,2})月(\d{1,2})日"), "day"),
    (re.compile(_Y + r"年(?:1|一)?月?[-~至到—–](\d{1,2})月"), "range"),
    (re.compile(_Y + r"年(" + "|".join(sorted(_QUARTERS, key=len, reverse=True)) + ")"), "quarter"),
    (re.compile(_Y + r"年(\d{1,2})月(?:份)?(底|末)?"), "month"),
    (re.compile(_Y + r"[.\-/](\d{1,2})(?!\d)"), "month"),
    (re.compile(r"(?<!\d)" + _Y + r"(0[1-9]|1[0-2])(?!\d)"), "month"),
    (re.compile(_Y + r"年(?:度|底|末|全年)?"), "year"),
]
_MONTH_ONLY = [
    (re.compile(r"^(?:1|一)月?[-~至到—–](\d{1,2})月"), True),
    (re.compile(r"^(\d{1,2})月(?:份)?(底|末)?"), False),
]


def parse_when(text) -> When | None:
    """The period a title, sheet name or column header states, or None.

    >>> parse_when("2023年1-6月各县一般公共预算收入")
    When(year=2023, month=6, to_date=True, as_of='')
    """
    s = norm(text)
    if not s:
        return None
    to_date_word = "截至" in s or "截止" in s or "累计" in s
    for pattern, how in _PERIOD_PATTERNS:
        m = pattern.search(s)
        if not m:
            continue
        y = int(m.group(1))
        if how == "day":
            mo, d = int(m.group(2)), int(m.group(3))
            if 1 <= mo <= 12 and 1 <= d <= 31:
                return When(y, mo, True, f"{y:04d}-{mo:02d}-{d:02d}")
        elif how == "range":
            mo = int(m.group(2))
            if 1 <= mo <= 12:
                return When(y, mo, True)
        elif how == "quarter":
            return When(y, _QUARTERS[m.group(2)], True)
        elif how == "month":
            mo = int(m.group(2))
            if 1 <= mo <= 12:
                end = bool(m.lastindex and m.lastindex >= 3 and m.group(3))
                return When(y, mo, to_date_word or end)
        else:
            return When(y, None, to_date_word)
    for pattern, ranged in _MONTH_ONLY:
        m = pattern.search(s)
        if m:
            mo = int(m.group(1))
            if 1 <= mo <= 12:
                return When(None, mo, ranged or bool(m.lastindex and m.lastindex >= 2 and m.group(2)))
    return None


# ----------------------------------------------------------------------------- words
_BATCH = re.compile(r"(提前批次?|提前下达|第[一二三四五六七八九十\d]+批(?:次)?)")
_BASIS = re.compile(r"(新口径|口径调整|调整后口径|口径变化)")


def batch_in(text) -> str:
    """A bond batch named in *text* ("提前批次", "第一批"), else ""."""
    m = _BATCH.search(norm(text))
    if not m:
        return ""
    word = m.group(1)
    return "提前批次" if word.startswith("提前") else word.rstrip("次")


def basis_in(text) -> str:
    """"新口径" when *text* announces a new statistical basis, else ""."""
    return "新口径" if _BASIS.search(norm(text)) else ""


def parse_rate(raw) -> Number:
    """Read a stated rate as a fraction: "6.2%" / 6.2 (under a % header) → 0.062.

    "增长6.2%" and "下降3.4%" are read with their sign; "持平" is 0. ``decimals`` counts the
    decimals of the percentage as shown (6.2 → 1). A bare number is read as percentage
    points (Chinese tables write 6.2 for 6.2%).
    """
    s = norm(raw) if isinstance(raw, str) else raw
    sign = 1.0
    if isinstance(s, str):
        if s == "持平":
            return Number(0.0, 0, True)
        for word, sg in (("增长", 1.0), ("提高", 1.0), ("上升", 1.0), ("下降", -1.0), ("减少", -1.0)):
            if s.startswith(word):
                s, sign = s[len(word):], sg
                break
    n = parse_number(s)
    if n.value is None:
        return n
    return Number(sign * n.value / 100.0, n.decimals, True)
