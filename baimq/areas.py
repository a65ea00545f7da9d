"""Resolve the area names people type to Guangdong's divisions.

Names arrive padded for alignment ("霞　山　区"), without suffix ("廉江"), with the city
prefix ("湛江市坡头区"), numbered ("1.赤坎区"), indented, or as totals ("全市合计").
:class:`AreaResolver` turns them into the canonical name, the GB/T 2260 code (a documented
stand-in for 市本级 and functional zones, configured in ``baimq.toml``) and a level.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from .config import DATA_DIR, Project, get_project

DIVISIONS_FILE = DATA_DIR / "gd_divisions_2022.csv"
_LEVELS = {"province": "province", "prefecture": "city", "county": "county", "town": "town"}

# Words that name the total of a table (the scope's own total), and the province-table rows.
CITY_TOTAL_WORDS = ("全市合计", "全市总计", "全市", "合计", "总计", "总合计", "汇总", "全市汇总", "合  计")
PROVINCE_TOTAL_WORDS = ("全省合计", "全省总计", "全省")
SUBTOTAL_WORDS = ("地市小计", "各地市小计", "市县小计", "地市合计")
PROVINCE_OWN_WORDS = ("省本级", "省级")

_SPACE = re.compile(r"[\s\u3000\xa0]+")
_NUMBERING = re.compile(
    r"^(?:[（(]?\d{1,3}[)）]|\d{1,3}[.．、,，]|[（(]?[一二三四五六七八九十]{1,3}[)）、.．]|[①-⑳])\s*"
)
_PREFIX_WORDS = ("其中：", "其中:", "其中")


def normalise_name(text) -> str:
    """Strip padding, numbering and "其中：" from a typed area name."""
    s = _SPACE.sub("", str(text or ""))
    for w in _PREFIX_WORDS:
        if s.startswith(w) and len(s) > len(w):
            s = s[len(w):]
    s = _NUMBERING.sub("", s)
    return s.strip("：:")


@dataclass(frozen=True)
class Area:
    """A resolved area: canonical name, code (string, may be a stand-in) and level."""

    name: str
    code: str
    level: str
    parent: str = ""


def _strip_suffix(name: str) -> str:
    for suf in ("街道办事处", "街道", "自治县", "县", "区", "市", "镇", "乡"):
        if name.endswith(suf) and len(name) > len(suf) + 1:
            return name[: -len(suf)]
    return name


@lru_cache(maxsize=1)
def divisions() -> pd.DataFrame:
    """Guangdong's divisions (国家统计局 统计用区划代码 2022): code, name, level, parent_code."""
    df = pd.read_csv(DIVISIONS_FILE, dtype=str, keep_default_na=False)
    df["level"] = df["level"].map(_LEVELS)
    return df


class AreaResolver:
    """Resolve typed names within a project (its city first, then the whole province)."""

    def __init__(self, project: Project | None = None):
        self.project = project or get_project()
        div = divisions()
        self._by_code = {r.code: Area(r.name, r.code, r.level, r.parent_code) for r in div.itertuples()}
        city = div[(div.level == "city") & (div.name == self.project.city)]
        if city.empty:
            raise ValueError(f"项目配置的城市「{self.project.city}」不是广东省的地级市")
        self.city = self._by_code[city.code.iloc[0]]
        self.province = self._by_code["440000"]
        self._exact: dict[str, list[Area]] = {}
        self._short: dict[str, list[Area]] = {}
        for a in self._by_code.values():
            self._exact.setdefault(a.name, []).append(a)
            short = _strip_suffix(a.name)
            if short != a.name:
                self._short.setdefault(short, []).append(a)
        self._special: dict[str, Area] = {}
        for name, spec in self.project.areas.items():
            area = Area(name, str(spec.get("code", "")), spec.get("level", "zone"), self.city.code)
            for alias in (name, *spec.get("aliases", ())):
                self._special[normalise_name(alias)] = area
        self._special.setdefault(
            "省本级", Area("省本级", self.province.code + "BJ", "province_own", self.province.code))
        self._special.setdefault(
            "广东省本级", self._special["省本级"])
        sub = Area("地市小计", self.province.code + "XJ", "subtotal", self.province.code)
        for w in SUBTOTAL_WORDS:
            self._special.setdefault(w, sub)

    # ------------------------------------------------------------------
    def is_total_word(self, text) -> bool:
        s = normalise_name(text)
        return s in CITY_TOTAL_WORDS or s in PROVINCE_TOTAL_WORDS or s.endswith(("合计", "总计"))

    def total_area(self, text, scope: str = "city") -> Area | None:
        """The area a totals row stands for, or None when *text* is no total word."""
        s = normalise_name(text)
        if s in PROVINCE_TOTAL_WORDS or s in ("广东省合计", "广东省"):
            return self.province
        if s in SUBTOTAL_WORDS:
            return self._special[s]
        if s in CITY_TOTAL_WORDS or s in (self.city.name + "合计", _strip_suffix(self.city.name) + "合计"):
            return self.province if scope == "province" else self.city
        return None

    def resolve(self, text, scope: str = "city") -> Area | None:
        """Resolve one typed name; None when no division or configured area matches.

        *scope* is the table's scope: ``"city"`` (the project's counties) or ``"province"``
        (the 21 cities); it decides what a bare 合计 means and which namesake wins.
        """
        s = normalise_name(text)
        if not s:
            return None
        total = self.total_area(s, scope)
        if total is not None:
            return total
        if s in self._special:
            return self._special[s]
        for prefix in (self.province.name, _strip_suffix(self.province.name)):
            if s.startswith(prefix) and len(s) > len(prefix):
                s = s[len(prefix):]
        hit = self._pick(self._exact.get(s))
        if hit:
            return hit
        # city prefix: 湛江市坡头区, 湛江坡头区 (any city of the province)
        for city in self._cities():
            for prefix in (city.name, _strip_suffix(city.name)):
                if s.startswith(prefix) and len(s) > len(prefix):
                    rest = s[len(prefix):]
                    if rest in ("本级", "市本级", "市直"):
                        return self._special.get("市本级") if city.code == self.city.code else None
                    kids = [a for a in self._exact.get(rest, []) + self._short.get(rest, [])
                            if a.parent == city.code or self._by_code.get(a.parent, Area("", "", "")).parent == city.code]
                    if kids:
                        return self._pick(kids)
        return self._pick(self._short.get(s))

    def _cities(self):
        return [a for a in self._by_code.values() if a.level == "city"]

    def _pick(self, cands: list[Area] | None) -> Area | None:
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]
        order = {"city": 0, "county": 1, "town": 2}

        def in_city(a: Area) -> bool:
            if a.parent == self.city.code or a.code == self.city.code:
                return True
            p = self._by_code.get(a.parent)
            return bool(p and p.parent == self.city.code)

        local = [a for a in cands if in_city(a)]
        pool = local or cands
        pool = sorted(pool, key=lambda a: order.get(a.level, 9))
        if len(pool) > 1 and order.get(pool[0].level) == order.get(pool[1].level) and not local:
            return None  # ambiguous namesakes outside the project's city
        return pool[0]

    def suggest(self, text, n: int = 3) -> list[str]:
        """The closest known names, for an error message."""
        s = normalise_name(text)
        names = [a.name for a in self._by_code.values() if a.level in ("city", "county")]
        local = [a.name for a in self._by_code.values()
                 if a.parent == self.city.code or a.code == self.city.code]
        names = local + [n_ for n_ in names if n_ not in local] + sorted({a.name for a in self._special.values()})
        return difflib.get_close_matches(s, names, n=n, cutoff=0.3)

    def code_of(self, name: str) -> str:
        a = self.resolve(name)
        return a.code if a else ""

    def counties(self) -> list[Area]:
        """The project city's county-level divisions, in code order."""
        return sorted((a for a in self._by_code.values() if a.parent == self.city.code and a.level == "county"),
                      key=lambda a: a.code)
