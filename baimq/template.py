"""Fill-in templates for the counties' monthly returns, and reading them back.

A template is an ordinary return (title with the period, unit line, header with catalogue
words, an area column), so :func:`baimq.load` reads a filled one like any other return. It
also carries, on a very-hidden sheet ``_baimq``, key/value rows saying which indicators,
period, kind and areas it was made for and where each input cell is. :func:`read_template`
uses them to read a filled template with certainty (and :mod:`baimq.inbox` to detect a
template filled for the wrong period).

Layout of the sheet ``填报表`` (rows are 1-based as Excel shows them)::

    1  2023年1-7月廉江市一般公共预算收入完成情况表      (title, merged)
    2  单位：亿元                                      (or units in the header when mixed)
    3  县（市、区） | 一般公共预算收入 | 税收收入 ...   (header, locked)
    4  廉江市       | <input>          | <input>        (area locked, inputs unlocked)
    …
       注：……                                          (note row)

The header and labels are locked (sheet protection without a password); the input cells are
unlocked and validated (a number, not negative, at most the unit's decimals).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .areas import AreaResolver
from .config import Project, get_project
from .errors import DataError, Finding
from .outputs import atomic_path
from .parse import cell_index, cell_name, parse_number
from .schema import empty_tidy, tidy_frame, to_period

TEMPLATE_VERSION = "1"
META_SHEET = "_baimq"
DATA_SHEET = "填报表"
HELP_SHEET = "填报说明"
AREA_HEADER = "县（市、区）"
DECIMALS = {"亿元": 4, "万元": 2, "公里": 2, "家": 0, "个": 0, "户": 0, "所": 0}
_FIRST_ROW = 4  # 1-based row of the first area


# ----------------------------------------------------------------------------- helpers
_RESOLVERS: dict[tuple, AreaResolver] = {}


def resolver_for(project: Project) -> AreaResolver:
    """One :class:`AreaResolver` per project configuration (building one reads the divisions)."""
    key = (project.fingerprint, project.city, str(project.path))
    if key not in _RESOLVERS:
        _RESOLVERS[key] = AreaResolver(project)
    return _RESOLVERS[key]


def default_areas(project: Project | None = None) -> list[str]:
    """The areas expected to report: the city's counties in code order, then 市本级."""
    resolver = resolver_for(get_project(project))
    names = [a.name for a in resolver.counties()]
    if resolver.resolve("市本级") is not None:
        names.append("市本级")
    return names


def _col_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    return cell_name(0, index)[:-1]


def period_words(period, indicators, kind: str = "actual") -> str:
    """The period as a title states it.

    Targets: ``2023年``; all indicators cumulative: ``2023年1-7月`` (``2023年1月`` in January);
    otherwise the month end: ``截至2023年7月31日``.
    """
    p = to_period(period)
    if kind == "target":
        return f"{p.year}年"
    if p.freqstr.startswith("Y"):
        return f"{p.year}年"
    if all(ind.cumulative for ind in indicators):
        return f"{p.year}年{p.month}月" if p.month == 1 else f"{p.year}年1-{p.month}月"
    return f"截至{p.year}年{p.month}月{p.days_in_month}日"


def as_of_date(period, indicators, kind: str = "actual") -> str:
    """``YYYY-MM-DD`` when the title states a day (``截至2023年7月31日``), else ""."""
    words = period_words(period, indicators, kind)
    if not words.startswith("截至"):
        return ""
    p = to_period(period)
    return f"{p.year:04d}-{p.month:02d}-{p.days_in_month:02d}"


def template_period(period, kind: str = "actual") -> pd.Period:
    """Monthly for returns, annual for targets (``2023-07`` → ``2023`` for a target template)."""
    p = to_period(period)
    if kind == "target" and not p.freqstr.startswith("Y"):
        return pd.Period(str(p.year), freq="Y")
    return p


def _title(indicators, period, kind: str, area: str | None) -> str:
    scope = area if area else "各县（市、区）"
    names = "、".join(ind.name for ind in indicators)
    suffix = "目标任务分解表" if kind == "target" else "完成情况表"
    return f"{period_words(period, indicators, kind)}{scope}{names}{suffix}"


@dataclass(frozen=True)
class TemplateSpec:
    """What one template asks for (resolved against the catalogue)."""

    indicators: tuple
    period: pd.Period
    areas: tuple[str, ...]
    kind: str = "actual"
    area: str = ""  # the one area of a per-area template; "" for all areas

    @property
    def units(self) -> list[str]:
        return list(dict.fromkeys(ind.unit for ind in self.indicators))

    def header(self, ind) -> str:
        """The column header: a catalogue word for the indicator (its name when listed)."""
        word = ind.name if ind.name in ind.synonyms else ind.synonyms[0]
        return word if len(self.units) == 1 else f"{word}（{ind.unit}）"


def _spec(indicators, period, areas, kind, project) -> TemplateSpec:
    if kind not in ("actual", "target"):
        raise ValueError(f"kind 只能是 actual 或 target，不是「{kind}」")
    keys = [indicators] if isinstance(indicators, str) else list(indicators)
    if not keys:
        raise ValueError("请至少指定一个指标（--indicator）")
    inds = tuple(project.indicator(k) for k in keys)
    resolver = resolver_for(project)
    names = []
    for a in (areas or default_areas(project)):
        hit = resolver.resolve(a)
        if hit is None:
            raise ValueError(f"无法识别地区「{a}」；相近的名称：{'、'.join(resolver.suggest(a)) or '无'}")
        names.append(hit.name)
    return TemplateSpec(inds, template_period(period, kind), tuple(dict.fromkeys(names)), kind)


# ----------------------------------------------------------------------------- writing
def _formats(wb):
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14, "align": "center"}),
        "unit": wb.add_format(base),
        "head": wb.add_format({**base, "bold": True, "border": 1, "align": "center",
                               "text_wrap": True, "bg_color": "#D9D9D9"}),
        "label": wb.add_format({**base, "border": 1, "bg_color": "#F2F2F2"}),
        "note": wb.add_format({**base, "font_size": 10, "font_color": "#595959"}),
        "help": wb.add_format({**base, "text_wrap": True}),
    }


def _input_format(wb, unit: str):
    """The unlocked, shaded format of an input cell, with the unit's decimals shown."""
    places = DECIMALS.get(unit, 2)
    num = "0" if places == 0 else "0." + "0" * places
    return wb.add_format({"font_name": "宋体", "font_size": 11, "border": 1, "locked": False,
                          "num_format": num, "bg_color": "#FFFFE0"})


def _validation(unit: str, cell: str) -> dict:
    """Excel data validation for one input column: a number ≥ 0 with the unit's decimals."""
    places = DECIMALS.get(unit, 2)
    if places == 0:
        rule = {"validate": "integer", "criteria": ">=", "value": 0}
        words = "非负整数"
    else:
        rule = {"validate": "custom",
                "value": f"=AND(ISNUMBER({cell}),{cell}>=0,ROUND({cell},{places})={cell})"}
        words = f"不小于0的数字，最多{places}位小数"
    return {**rule, "ignore_blank": True,
            "input_title": "请填写数字",
            "input_message": f"单位：{unit}；{words}。未发生请填0，不要填文字。",
            "error_title": "填写有误",
            "error_message": f"此处只能填写{words}（单位：{unit}）。"}


def _write_data_sheet(wb, spec: TemplateSpec, fmt) -> dict:
    ws = wb.add_worksheet(DATA_SHEET)
    ncols = 1 + len(spec.indicators)
    title = _title(spec.indicators, spec.period, spec.kind, spec.area)
    ws.merge_range(0, 0, 0, max(ncols - 1, 1), title, fmt["title"])
    ws.set_row(0, 30)
    unit_line = f"单位：{spec.units[0]}" if len(spec.units) == 1 else "单位：见各列"
    ws.write(1, 0, unit_line, fmt["unit"])
    ws.write(2, 0, AREA_HEADER, fmt["head"])
    ws.set_column(0, 0, 16)
    columns = {}
    last = _FIRST_ROW - 1 + len(spec.areas) - 1  # 0-based last data row
    inputs = {unit: _input_format(wb, unit) for unit in spec.units}
    for j, ind in enumerate(spec.indicators, start=1):
        ws.write(2, j, spec.header(ind), fmt["head"])
        ws.set_column(j, j, 16)
        first_cell = f"{_col_letter(j)}{_FIRST_ROW}"
        ws.data_validation(_FIRST_ROW - 1, j, last, j, _validation(ind.unit, first_cell))
        columns[ind.key] = _col_letter(j)
    for i, name in enumerate(spec.areas):
        ws.write(_FIRST_ROW - 1 + i, 0, name, fmt["label"])
        for j, ind in enumerate(spec.indicators, start=1):
            ws.write_blank(_FIRST_ROW - 1 + i, j, None, inputs[ind.unit])
    ws.write(last + 2, 0, "注：请只在黄色单元格填写数字；未发生的填0，无法提供的留空并在报送时说明。",
             fmt["note"])
    ws.freeze_panes(3, 1)
    ws.protect("", {"format_columns": True, "format_rows": True})
    ws.activate()
    return columns


def _write_help_sheet(wb, spec: TemplateSpec, fmt) -> None:
    ws = wb.add_worksheet(HELP_SHEET)
    ws.set_column(0, 0, 90, fmt["help"])
    names = "、".join(f"{ind.name}（{ind.unit}）" for ind in spec.indicators)
    what = "目标任务" if spec.kind == "target" else "完成数"
    lines = [
        "填报说明",
        f"1. 本表用于报送{period_words(spec.period, spec.indicators, spec.kind)}{names}的{what}。",
        "2. 只在「填报表」的黄色单元格内填写数字，单位以表头或单位行为准；标题、表头、地区名称已锁定，请勿改动。",
        "3. 不要填写文字、空格或单位；千分位逗号可以省略。未发生的填0，确实无法提供的留空并说明原因。",
        "4. 累计数指自当年1月起累计至本月末的数；存量数指本月末的数。",
        "5. 请勿增删行列、改变工作表名称或另存为其他格式以外的文件；修改后重新报送时，请在文件名末尾加「（更正）」或「_v2」。",
        "6. 本工作簿含有供汇总程序识别的隐藏信息，请直接在本文件上填写后报送。",
    ]
    for i, text in enumerate(lines):
        ws.write(i, 0, text, fmt["help"])
    ws.protect("")


def _write_meta_sheet(wb, spec: TemplateSpec, columns: dict, project: Project, created: str) -> None:
    ws = wb.add_worksheet(META_SHEET)
    meta = {
        "generator": "baimq",
        "template_version": TEMPLATE_VERSION,
        "kind": spec.kind,
        "period": str(spec.period),
        "indicators": ",".join(ind.key for ind in spec.indicators),
        "units": ",".join(ind.unit for ind in spec.indicators),
        "area": spec.area,
        "areas": ",".join(spec.areas),
        "sheet": DATA_SHEET,
        "first_row": str(_FIRST_ROW),
        "area_column": "A",
        "columns": ",".join(f"{k}={v}" for k, v in columns.items()),
        "city": project.city,
        "config": project.fingerprint,
        "created": created,
    }
    for i, (key, value) in enumerate(meta.items()):
        ws.write_string(i, 0, key)
        ws.write_string(i, 1, value)
    ws.very_hidden()


def write_template(path, indicators, period, *, areas=None, area: str = "", kind: str = "actual",
                   config=None, created: str | None = None) -> Path:
    """Write one fill-in workbook.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` file to write (written atomically; parent folders are created).
    indicators : str or list of str
        Catalogue keys, e.g. ``["budget_revenue", "tax_revenue"]``.
    period : str or pandas.Period
        ``"2023-07"``; for ``kind="target"`` the year (``"2023"``; a month is cut to its year).
    areas : list of str, optional
        Rows to prefill; default: the city's counties and 市本级. Typed names are resolved.
    area : str
        The county this workbook is for (stated in the title and metadata); "" for all areas.
    kind : {"actual", "target"}
        Monthly return or annual target breakdown (目标任务分解).
    created : str, optional
        Timestamp stored in the metadata (ISO format); default: now.

    Returns
    -------
    pathlib.Path
    """
    import xlsxwriter

    project = get_project(config)
    spec = _spec(indicators, period, [area] if area and not areas else areas, kind, project)
    if area:
        spec = TemplateSpec(spec.indicators, spec.period, spec.areas, spec.kind,
                            resolver_for(project).resolve(area).name)
    created = created or _dt.datetime.now().isoformat(timespec="seconds")
    path = Path(path)
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp))
        fmt = _formats(wb)
        columns = _write_data_sheet(wb, spec, fmt)
        _write_help_sheet(wb, spec, fmt)
        _write_meta_sheet(wb, spec, columns, project, created)
        wb.set_properties({"title": _title(spec.indicators, spec.period, spec.kind, spec.area),
                           "comments": "baimq template"})
        wb.close()
    return path


def template_name(spec_or_names, period, area: str = "", kind: str = "actual") -> str:
    """File name: ``2023-07_廉江市_一般公共预算收入等2项.xlsx``; ``2023_全市_目标任务_….xlsx``."""
    names = list(spec_or_names)
    what = names[0] + (f"等{len(names)}项" if len(names) > 1 else "")
    prefix = "目标任务_" if kind == "target" else ""
    return f"{period}_{area or '全市'}_{prefix}{what}.xlsx"


def make_templates(indicators, period, out, *, areas=None, per_area: bool = True,
                   kind: str = "actual", config=None) -> list[Path]:
    """Write the month's templates into *out*: one per area (default) or one for all areas.

    Returns the paths written, in area order. See :func:`write_template` for the parameters.
    """
    project = get_project(config)
    spec = _spec(indicators, period, areas, kind, project)
    names = [ind.name for ind in spec.indicators]
    keys = [ind.key for ind in spec.indicators]
    out = Path(out)
    created = _dt.datetime.now().isoformat(timespec="seconds")
    if not per_area:
        path = out / template_name(names, spec.period, "", kind)
        return [write_template(path, keys, spec.period, areas=list(spec.areas), kind=kind,
                               config=project, created=created)]
    return [write_template(out / template_name(names, spec.period, a, kind), keys, spec.period,
                           area=a, kind=kind, config=project, created=created)
            for a in spec.areas]


# ----------------------------------------------------------------------------- reading
def read_template_meta(path) -> dict | None:
    """The key/value metadata of a baimq template, or None for any other workbook.

    Raises whatever the reader raises for a file that is not a readable spreadsheet.
    """
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        if META_SHEET not in wb.sheet_names:
            return None
        rows = wb.get_sheet_by_name(META_SHEET).to_python()
    finally:
        wb.close()
    meta = {str(r[0]).strip(): ("" if len(r) < 2 else str(r[1]).strip()) for r in rows if r and r[0] != ""}
    return meta if meta.get("generator") == "baimq" else None


@dataclass
class TemplateReturn:
    """A filled template read back: its metadata, the tidy rows and the findings."""

    meta: dict
    table: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)

    @property
    def period(self) -> pd.Period:
        return to_period(self.meta["period"])

    @property
    def indicators(self) -> list[str]:
        return [k for k in self.meta.get("indicators", "").split(",") if k]


def parse_cell(value, places: int = 6):
    """One input cell → ``(number or None, problem code or "")``.

    Numbers pass; blanks and the usual "nothing" marks (``-``, ``—``, ``/``) give
    ``(None, "blank")``; numbers typed as text (``"1,234.5"``) give the number and
    ``"text_number"``; words and percentages give ``(None, "not_number")``; a negative number
    ``"negative"``; more than *places* decimals ``"decimals"``.
    """
    num = parse_number(value)
    if num.bad or num.percent:
        return None, "not_number"
    if num.value is None:
        return None, "blank"
    if num.value < 0:
        return num.value, "negative"
    if num.decimals > places:
        return num.value, "decimals"
    return num.value, ("text_number" if isinstance(value, str) else "")


_CELL_MESSAGES = {
    "blank": ("warning", "blank_cell", "未填写{what}（留空视为未报送）"),
    "text_number": ("warning", "number_as_text", "{what}以文本形式填写，已按数字读取"),
    "not_number": ("error", "not_a_number", "{what}应填写数字，不能填写文字"),
    "negative": ("error", "negative_value", "{what}不能为负数"),
    "decimals": ("warning", "too_many_decimals", "{what}小数位数过多，请核实单位"),
}


def _meta_columns(meta: dict) -> dict[str, str]:
    pairs = (p.split("=", 1) for p in meta.get("columns", "").split(",") if "=" in p)
    return {k: v for k, v in pairs}


def _col_index(letters: str) -> int:
    """Excel letters → 0-based column index (A → 0)."""
    return cell_index(f"{letters}1")[1]


def read_template(path, *, name: str | None = None, config=None,
                  meta: dict | None = None) -> TemplateReturn | None:
    """Read a filled template by its metadata; None when *path* is no baimq template.

    Every input cell of the template is looked at: numbers become tidy rows (``source`` is
    ``name!填报表!B5``), blanks are warnings, words and negative numbers are errors naming
    the cell. An area label changed by hand is an error as well.

    Parameters
    ----------
    path : path-like
    name : str, optional
        The file name to report (relative to the folder collected); default: the file's name.
    config : path or Project, optional
    meta : dict, optional
        The metadata when already read by :func:`read_template_meta` (saves opening twice).
    """
    from python_calamine import CalamineWorkbook

    meta = meta or read_template_meta(path)
    if meta is None:
        return None
    project = get_project(config)
    name = name or Path(path).name
    sheet = meta.get("sheet", DATA_SHEET)
    wb = CalamineWorkbook.from_path(str(path))
    try:
        if sheet not in wb.sheet_names:
            raise DataError(f"模板的工作表「{sheet}」已被删除或改名", file=name, code="template_changed")
        cells = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()
    rows, findings = _template_rows(meta, cells, name, project)
    table = tidy_frame(rows) if rows else empty_tidy()
    return TemplateReturn(meta, table, findings)


def _template_rows(meta: dict, cells, name: str, project: Project):
    resolver = resolver_for(project)
    sheet = meta.get("sheet", DATA_SHEET)
    kind = meta.get("kind", "actual")
    period = to_period(meta["period"])
    first = int(meta.get("first_row", _FIRST_ROW))
    area_col = _col_index(meta.get("area_column", "A"))
    columns = _meta_columns(meta)
    as_of = as_of_date(period, [project.indicator(k) for k in columns], kind)
    rows, findings = [], []

    def at(r, c):
        return cells[r][c] if r < len(cells) and c < len(cells[r]) else ""

    for i, area_name in enumerate(a for a in meta.get("areas", "").split(",") if a):
        r = first - 1 + i
        typed = str(at(r, area_col)).strip()
        area = resolver.resolve(area_name)
        if resolver.resolve(typed) != area:
            findings.append(Finding("error", "template_changed",
                                    f"地区名称被改动：应为「{area_name}」", name, sheet,
                                    f"{meta.get('area_column', 'A')}{r + 1}", typed))
            continue
        for key, letters in columns.items():
            ind = project.indicator(key)
            cell = f"{letters}{r + 1}"
            raw = at(r, _col_index(letters))
            number, problem = parse_cell(raw, DECIMALS.get(ind.unit, 6))
            if problem:
                sev, code, msg = _CELL_MESSAGES[problem]
                findings.append(Finding(sev, code, msg.format(what=f"{area.name}{ind.name}"),
                                        name, sheet, cell, "" if raw is None else str(raw)))
            if number is None or problem == "negative":
                continue
            rows.append({"indicator": key, "area": area.name, "area_code": area.code, "period": period,
                         "value": number, "unit": ind.unit, "source": f"{name}!{sheet}!{cell}",
                         "kind": kind, "level": area.level,
                         "cumulative": ind.cumulative and kind == "actual", "unit_sent": ind.unit,
                         "as_of": as_of})
    return rows, findings


# ----------------------------------------------------------------------------- command line
def cli_template(args) -> int:
    """``baimq template``: write the templates and list them (see :mod:`baimq.cli`)."""
    keys = [k for word in args.indicator for k in word.replace("，", ",").split(",") if k]
    paths = make_templates(keys, args.period, args.out, areas=args.areas, per_area=not args.one_file,
                           kind="target" if args.target else "actual", config=args.config)
    for p in paths:
        print(p)
    print(f"已生成{len(paths)}个填报模板：{args.out}")
    return 0
