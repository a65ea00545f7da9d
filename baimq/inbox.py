"""Collect a month's returns from a folder: status, missing, resubmissions, one table, a receipt.

:func:`collect` reads every file in an inbox folder — filled templates (:mod:`baimq.template`)
or free-form returns of the kinds :func:`baimq.load` reads — and returns a
:class:`CollectResult`. One bad file never stops the run.

Rules
-----
* **Status** of a file: ``退回`` when it cannot be read, is not a spreadsheet, holds no
  recognisable indicator table, belongs to another period, or has any error (a word in a
  number cell, a negative number, a changed area label …): none of its numbers are used and
  the office sends it back. ``已接收（有提示）`` when it loads with warnings (a blank input cell,
  a number typed as text …); ``已接收`` otherwise.
* **Templates** are read by their hidden metadata (indicator, period, area and input cells
  are certain); a template made for another period is ``退回``. Other files go through
  :func:`baimq.load`, keeping the rows of the period collected (targets: of its year; 上年同期
  bases: of the same month a year earlier).
* **Resubmissions**: when several accepted files give the same number (indicator, area,
  period, kind, batch), the newest file wins. Newest means: later file modification time;
  on equal times, the higher version in the file name (``_v2``, ``第2版`` → 2; ``（更正）``,
  ``修订``, ``重报`` add one, ``（更正2）`` adds two; no mark → 1); then a date in the name
  (``20230805``); then the name. Earlier figures are kept in ``revisions``
  (old value, new value, both files).
* **Missing** (未报送): for each indicator asked for (or found in the inbox), the expected
  areas — the city's counties and 市本级 (or *areas*) — without a number in the table.
* **Outputs** (only when *out* is given; the CLI defaults to ``out/collect/<period>`` under
  the working folder): ``回执_<period>.xlsx`` (receipt: summary, file status, problems, missing,
  duplicates, revisions, the consolidated figures) and ``汇总_<period>.csv`` (the tidy
  table). Files are written atomically; *out* may not be the inbox or inside it.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from .config import Project, get_project
from .errors import FINDING_COLUMNS, DataError, Finding, FindingSet, findings_frame
from .schema import KEY, TIDY_COLUMNS, empty_tidy, to_period
from .template import TEMPLATE_VERSION, default_areas, read_template, read_template_meta, resolver_for

ACCEPTED = "已接收"
ACCEPTED_WITH_FINDINGS = "已接收（有提示）"
REJECTED = "退回"
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
STATUS_COLUMNS = ["file", "status", "reason", "location", "errors", "warnings", "template",
                  "areas", "indicators", "rows", "used", "modified", "note"]
MISSING_COLUMNS = ["indicator", "name", "kind", "area", "area_code", "reason"]
DUPLICATE_COLUMNS = ["indicator", "area", "period", "kind", "batch", "count", "files", "used_file"]
REVISION_COLUMNS = ["indicator", "area", "period", "kind", "batch", "old_value", "new_value",
                    "changed", "old_file", "new_file"]
_VERSION = re.compile(r"(?:^|[^a-z])v(\d{1,3})(?!\d)|第(\d{1,3})版|版本(\d{1,3})", re.IGNORECASE)
_CORRECTION = re.compile(r"(?:更正|修正|修订|修改|重报|更新)(\d{0,2})")
_DATE = re.compile(r"(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


# ----------------------------------------------------------------------------- one file
@dataclass
class FileReturn:
    """What one file of the inbox gave: status, reason, tidy rows, findings, metadata."""

    file: str
    status: str
    reason: str = ""
    location: str = ""
    table: pd.DataFrame = field(default_factory=empty_tidy)
    findings: list[Finding] = field(default_factory=list)
    meta: dict | None = None
    mtime: float = 0.0
    #: (kind, indicator, area) the file meant to give: a template's cells, a return's rows
    #: (of any period, before errors were judged); tells 退回 from 未报送 for missing areas.
    covers: frozenset = frozenset()

    @property
    def order_key(self) -> tuple:
        """Sort key, oldest first: (modification time, version in name, date in name, name)."""
        return (self.mtime, *name_version(self.file), self.file)


def name_version(name: str) -> tuple[int, str]:
    """The version a file name states and a date in it: ``("廉江_v2（更正）.xlsx") → (3, "")``.

    ``_v2``/``第2版``/``版本2`` give the number (default 1); ``更正``/``修正``/``修订``/
    ``修改``/``重报``/``更新`` add one, or the number right after them (``更正2`` adds 2).
    The date is ``YYYYMMDD`` (``2023-08-05``, ``20230805``) or "".
    """
    stem = Path(name).stem
    m = _VERSION.search(stem)
    version = int(next(g for g in m.groups() if g)) if m else 1
    for c in _CORRECTION.finditer(stem):
        version += int(c.group(1)) if c.group(1) else 1
    d = _DATE.search(stem)
    return version, ("".join(d.groups()) if d else "")


def _rejected(file: str, reason: str, findings=(), location: str = "", **kw) -> FileReturn:
    return FileReturn(file, REJECTED, reason, location, findings=list(findings), **kw)


def _inspect(path: Path, rel: str) -> list[Finding]:
    """Content checks before any parser (:mod:`baimq.safety`): raises DataError for a file that
    is not a workbook, is damaged, encrypted or a zip bomb; returns warnings (macros)."""
    try:
        from .safety import inspect_workbook
    except ImportError:  # the checker is optional: fall back on the extension
        if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            raise DataError(f"不是电子表格文件（{path.suffix or '无扩展名'}），请报送Excel文件", file=rel,
                            code="not_spreadsheet") from None
        return []
    return list(inspect_workbook(path, name=rel).warnings)


def _judge(ret: FileReturn, extra: list[Finding] = ()) -> FileReturn:
    """Set status, reason and location from the findings (errors reject the whole file).

    *extra* findings (file-level warnings such as macros) are added first.
    """
    ret.findings = list(extra) + [f for f in ret.findings if f not in extra]
    errors = [f for f in ret.findings if f.severity == "error"]
    warnings = [f for f in ret.findings if f.severity != "error"]
    if errors:
        ret.status, ret.reason, ret.location = REJECTED, errors[0].message, errors[0].location
        if len(errors) > 1:
            ret.reason += f"（共{len(errors)}处错误）"
        ret.table = empty_tidy()
    elif ret.table.empty:
        ret.status, ret.location = REJECTED, ""
        ret.reason = "模板未填写任何数字" if ret.meta else "未找到可识别的指标数据"
    elif warnings:
        ret.status, ret.reason, ret.location = ACCEPTED_WITH_FINDINGS, warnings[0].message, warnings[0].location
        if len(warnings) > 1:
            ret.reason += f"（共{len(warnings)}处提示）"
    else:
        ret.status, ret.reason, ret.location = ACCEPTED, "", ""
    return ret


def _wanted_period(kind: str, period: pd.Period) -> pd.Period:
    if kind == "target":
        return pd.Period(str(period.year), freq="Y")
    if kind == "base":
        return period - 12
    return period


def _read_template_file(path: Path, rel: str, meta: dict, period: pd.Period, project: Project,
                        mtime: float) -> FileReturn:
    kind = meta.get("kind", "actual")
    made_for, wanted = to_period(meta.get("period", "")), _wanted_period(kind, period)
    if made_for != wanted:
        covers = frozenset((kind, i, a) for i in meta.get("indicators", "").split(",") if i
                           for a in meta.get("areas", "").split(",") if a)
        return _rejected(rel, f"模板所属期别为{made_for}，与本次收集的{wanted}不符（可能用错了模板）",
                         meta=meta, mtime=mtime, covers=covers)
    back = read_template(path, name=rel, config=project, meta=meta)
    findings = list(back.findings)
    covers = frozenset((kind, i, a) for i in back.indicators for a in meta.get("areas", "").split(",") if a)
    if meta.get("template_version", TEMPLATE_VERSION).isdigit() and \
            int(meta.get("template_version", TEMPLATE_VERSION)) > int(TEMPLATE_VERSION):
        findings.append(Finding("warning", "template_version",
                                f"模板版本{meta['template_version']}比本程序支持的{TEMPLATE_VERSION}新，请升级baimq后核对",
                                rel))
    if meta.get("city", project.city) != project.city:
        findings.append(Finding("warning", "template_city", f"模板为{meta.get('city')}制作，不是{project.city}",
                                rel))
    return _judge(FileReturn(rel, "", table=back.table, findings=findings, meta=meta, mtime=mtime,
                             covers=covers))


def _load_free_form(path: Path, rel: str, period: pd.Period, project: Project, mtime: float) -> FileReturn:
    from .loader import load

    df = load(path, errors="skip", config=project)
    findings = [replace(f, file=rel) for f in df.attrs.get("findings", ())]
    covers = frozenset((k, i, a) for k, i, a in zip(df["kind"], df["indicator"], df["area"]) if k != "base")
    if df.empty:
        return _judge(FileReturn(rel, "", findings=findings, mtime=mtime))
    keep = pd.Series([p == _wanted_period(k, period) for p, k in zip(df["period"], df["kind"])],
                     index=df.index, dtype=bool)
    if not keep.any():
        stated = "、".join(sorted({str(p) for p, k in zip(df["period"], df["kind"]) if k != "base"}))
        return _rejected(rel, f"报表期别为{stated}，与本次收集的{period}不符", findings, mtime=mtime,
                         covers=covers)
    table = df.loc[keep, TIDY_COLUMNS].copy()
    table["source"] = [rel + "!" + s.split("!", 1)[1] if "!" in s else rel for s in table["source"]]
    return _judge(FileReturn(rel, "", table=table.reset_index(drop=True), findings=findings, mtime=mtime,
                             covers=covers))


def read_return(path, period, *, name: str | None = None, config=None) -> FileReturn:
    """Read one file of the inbox and judge it; never raises for a bad file.

    Parameters
    ----------
    path : path-like
    period : str or pandas.Period
        The month collected (``"2023-07"``).
    name : str, optional
        The name to report (relative to the inbox); default: the file's name.
    config : path or Project, optional
    """
    path, project, period = Path(path), get_project(config), to_period(period)
    rel = name or path.name
    mtime = path.stat().st_mtime
    meta = None
    try:
        notes = _inspect(path, rel)
        try:
            meta = read_template_meta(path)
        except Exception as exc:  # any reader failure: damaged or disguised file
            return _rejected(rel, f"文件已损坏或不是有效的电子表格，无法打开（{type(exc).__name__}）", mtime=mtime)
        ret = (_read_template_file(path, rel, meta, period, project, mtime) if meta is not None
               else _load_free_form(path, rel, period, project, mtime))
        return _judge(ret, notes) if notes and ret.status != REJECTED else ret
    except DataError as exc:
        findings = [Finding(f.severity, f.code, f.message, rel, f.sheet, f.cell, f.value) for f in exc.findings]
        first = next((f for f in findings if f.severity == "error"), findings[0])
        return _rejected(rel, first.message, findings, first.location, meta=meta, mtime=mtime)
    except ImportError:
        return _rejected(rel, "无法识别的报表格式（通用报表读取模块不可用）", meta=meta, mtime=mtime)
    except Exception as exc:  # one bad file never stops the run
        return _rejected(rel, f"读取失败：{type(exc).__name__}: {exc}", meta=meta, mtime=mtime)


# ----------------------------------------------------------------------------- many files
def resolve_resubmissions(returns: list[FileReturn]):
    """The newest number for each key; earlier ones as revisions; keys given more than once.

    Parameters
    ----------
    returns : list of FileReturn
        Accepted returns (any order; sorted here by :attr:`FileReturn.order_key`).

    Returns
    -------
    (table, revisions, duplicates) : three DataFrames
    """
    ordered = sorted(returns, key=lambda r: r.order_key)
    parts = [r.table.assign(rfile=r.file, rorder=i) for i, r in enumerate(ordered) if not r.table.empty]
    if not parts:
        return empty_tidy(), pd.DataFrame(columns=REVISION_COLUMNS), pd.DataFrame(columns=DUPLICATE_COLUMNS)
    rows = pd.concat(parts, ignore_index=True)
    # Group on the period's text: monthly and annual Periods do not compare with each other.
    rows["pkey"] = rows["period"].astype(str)
    key = [("pkey" if k == "period" else k) for k in KEY]
    # Within one file the last row of a key stands; across files the newest file.
    rows = rows.drop_duplicates(key + ["rfile"], keep="last").sort_values("rorder", kind="stable")
    groups = rows.groupby(key, sort=False, dropna=False)
    earlier = rows.assign(old_value=groups["value"].shift(), old_file=groups["rfile"].shift())
    earlier = earlier[earlier["old_file"].notna()].sort_values(key + ["rorder"], kind="stable")
    revisions = earlier.assign(new_value=earlier["value"], new_file=earlier["rfile"],
                               changed=earlier["old_value"] != earlier["value"])[REVISION_COLUMNS]
    many = rows[groups["rfile"].transform("size") > 1]
    duplicates = (many.groupby(key, sort=True, dropna=False)
                  .agg(period=("period", "first"), count=("rfile", "size"), files=("rfile", "；".join),
                       used_file=("rfile", "last"))
                  .reset_index())[DUPLICATE_COLUMNS]
    table = rows.drop_duplicates(key, keep="last")
    table = table.sort_values(["kind", "indicator", "area_code", "area", "pkey"], kind="stable")
    table = table[TIDY_COLUMNS].reset_index(drop=True)
    return table, revisions.reset_index(drop=True), duplicates


def _covered(returns: list[FileReturn]) -> dict[tuple, str]:
    """(kind, indicator, area) a file meant to give → that file's status (accepted files win)."""
    cover: dict[tuple, str] = {}
    for r in sorted(returns, key=lambda r: r.status != REJECTED):
        cover.update(dict.fromkeys(r.covers, r.status))
    return cover


def find_missing(table: pd.DataFrame, returns: list[FileReturn], areas: list[str],
                 indicators: list[tuple[str, str]], project: Project) -> pd.DataFrame:
    """Expected (kind, indicator) × area without a number in *table*, with the reason.

    Reasons: ``未报送`` (nothing received), ``报表被退回`` (a template covering it was
    rejected), ``留空未填`` (an accepted template left the cell empty).
    """
    resolver = resolver_for(project)
    have = set(zip(table["kind"], table["indicator"], table["area"]))
    cover = _covered(returns)
    rows = []
    for kind, ind in indicators:
        for name in areas:
            if (kind, ind, name) in have:
                continue
            status = cover.get((kind, ind, name))
            reason = "未报送" if status is None else ("报表被退回" if status == REJECTED else "留空未填")
            area = resolver.resolve(name)
            rows.append({"indicator": ind, "name": project.indicator(ind).name, "kind": kind, "area": name,
                         "area_code": area.code if area else "", "reason": reason})
    return pd.DataFrame(rows, columns=MISSING_COLUMNS)


def _expected_indicators(indicators, returns: list[FileReturn], table: pd.DataFrame) -> list[tuple[str, str]]:
    if indicators:
        keys = [indicators] if isinstance(indicators, str) else list(indicators)
        kinds = {"actual"}
        kinds |= {k for k in table["kind"] if k != "base"}
        kinds |= {k for r in returns for k, _, _ in r.covers}
        return [(k, i) for k in sorted(kinds) for i in keys]
    pairs = {(k, i) for k, i in zip(table["kind"], table["indicator"]) if k != "base"}
    pairs |= {(k, i) for r in returns for k, i, _ in r.covers}
    return sorted(pairs)


def status_frame(returns: list[FileReturn], table: pd.DataFrame) -> pd.DataFrame:
    """One row per file: status, reason, first location, counts, what it covered."""
    used = table["source"].str.split("!").str[0].value_counts() if not table.empty else pd.Series(dtype=int)
    rows = []
    for r in sorted(returns, key=lambda r: r.file):
        n_used = int(used.get(r.file, 0))
        note = ""
        if r.status != REJECTED and len(r.table) and n_used < len(r.table):
            note = "已被更新的报送全部替代" if n_used == 0 else f"{len(r.table) - n_used}个数已被更新的报送替代"
        rows.append({
            "file": r.file, "status": r.status, "reason": r.reason, "location": r.location,
            "errors": sum(f.severity == "error" for f in r.findings),
            "warnings": sum(f.severity != "error" for f in r.findings),
            "template": r.meta is not None,
            "areas": "、".join(dict.fromkeys(r.table["area"])) or (r.meta or {}).get("areas", "").replace(",", "、"),
            "indicators": ",".join(dict.fromkeys(r.table["indicator"])) or (r.meta or {}).get("indicators", ""),
            "rows": len(r.table), "used": n_used,
            "modified": datetime.fromtimestamp(r.mtime).strftime("%Y-%m-%d %H:%M:%S"), "note": note})
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


# ----------------------------------------------------------------------------- the run
@dataclass(frozen=True, eq=False)
class CollectResult:
    """What :func:`collect` found. Every frame is a fresh copy owned by the result.

    Attributes
    ----------
    period : pandas.Period
    status : DataFrame
        One row per file (:data:`STATUS_COLUMNS`); ``status`` is 已接收 / 已接收（有提示）/ 退回.
    findings : DataFrame
        Every finding of every file (:data:`baimq.errors.FINDING_COLUMNS`).
    missing : DataFrame
        Expected areas without a number, per indicator (:data:`MISSING_COLUMNS`).
    duplicates : DataFrame
        Numbers given by more than one file, and which file was used.
    revisions : DataFrame
        Earlier figures replaced by a newer file: old value, new value, both files.
    table : DataFrame
        The consolidated tidy table (:mod:`baimq.schema`).
    outputs : tuple of Path
        Files written (empty unless *out* was given).
    """

    period: pd.Period
    status: pd.DataFrame
    findings: pd.DataFrame
    missing: pd.DataFrame
    duplicates: pd.DataFrame
    revisions: pd.DataFrame
    table: pd.DataFrame
    outputs: tuple = ()

    def count(self, status: str) -> int:
        return int((self.status["status"] == status).sum())

    def summary(self) -> str:
        """A few Chinese lines: files by status, missing areas by indicator."""
        lines = [f"{_period_words(self.period)}报表收集：共{len(self.status)}个文件，"
                 f"{ACCEPTED}{self.count(ACCEPTED)}个、{ACCEPTED_WITH_FINDINGS}{self.count(ACCEPTED_WITH_FINDINGS)}个、"
                 f"{REJECTED}{self.count(REJECTED)}个；汇总{len(self.table)}个数。"]
        for (kind, name), group in self.missing.groupby(["kind", "name"], sort=False):
            what = name + ("目标任务" if kind == "target" else "")
            lines.append(f"{what}未报送（{len(group)}个）：{'、'.join(group['area'])}")
        if len(self.revisions):
            lines.append(f"更正记录{len(self.revisions)}条，其中数值有变化的{int(self.revisions['changed'].sum())}条。")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CollectResult {self.period}: {len(self.status)}个文件，{len(self.table)}个数>"


def _period_words(period: pd.Period) -> str:
    return f"{period.year}年{period.month}月" if period.freqstr.startswith("M") else f"{period.year}年"


class Progress:
    """A one-line progress counter on stderr (``收集 12/1000 廉江市.xlsx``).

    Silent when *enabled* is False; by default enabled only when stderr is a terminal.
    """

    def __init__(self, total: int, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = self.stream.isatty() if enabled is None else enabled

    def update(self, done: int, name: str = "") -> None:
        if self.enabled:
            self.stream.write(f"\r收集 {done}/{self.total} {name[:40]:<40}")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def inbox_files(inbox) -> list[Path]:
    """The files of *inbox* and its sub-folders, by name; hidden files and Office lock files
    (``~$…``) are skipped."""
    root = Path(inbox)
    if not root.is_dir():
        raise FileNotFoundError(f"找不到报表收件文件夹：{root}")
    return sorted((p for p in root.rglob("*") if p.is_file()
                   and not any(part.startswith((".", "~$")) for part in p.relative_to(root).parts)),
                  key=lambda p: p.relative_to(root).as_posix())


def collect(inbox, period, *, areas=None, indicators=None, out=None, config=None,
            quiet: bool = False) -> CollectResult:
    """Collect the returns of one month from the folder *inbox*.

    Parameters
    ----------
    inbox : path-like
        Folder of returns (sub-folders included). It is only read.
    period : str or pandas.Period
        The month collected, ``"2023-07"``.
    areas : list of str, optional
        Areas expected to report; default: the city's counties and 市本级.
    indicators : list of str, optional
        Indicator keys expected; default: those the templates ask for and the files hold.
    out : path-like, optional
        Folder for the receipt and the consolidated table; nothing is written when None.
    config : path or Project, optional
    quiet : bool
        No progress line (it is also off when stderr is not a terminal).

    Returns
    -------
    CollectResult
    """
    project, period = get_project(config), to_period(period)
    resolver = resolver_for(project)
    expected = [resolver.resolve(a).name if resolver.resolve(a) else str(a) for a in (areas or default_areas(project))]
    root = Path(inbox)
    if out is not None:
        _check_out(out, root)
    files = inbox_files(root)
    bar = Progress(len(files), enabled=False if quiet else None)
    returns = []
    for i, path in enumerate(files, start=1):
        rel = path.relative_to(root).as_posix()
        bar.update(i, rel)
        returns.append(read_return(path, period, name=rel, config=project))
    bar.close()
    accepted = [r for r in returns if r.status != REJECTED]
    table, revisions, duplicates = resolve_resubmissions(accepted)
    table.attrs["findings"] = FindingSet(f for r in accepted for f in r.findings)
    missing = find_missing(table, returns, expected, _expected_indicators(indicators, returns, table), project)
    result = CollectResult(period, status_frame(returns, table),
                           findings_frame([f for r in returns for f in r.findings]),
                           missing, duplicates, revisions, table)
    if out is not None:
        from dataclasses import replace
        result = replace(result, outputs=tuple(write_outputs(result, out)))
    return result


def _check_out(out, inbox: Path) -> None:
    o, i = Path(out).resolve(), inbox.resolve()
    if o == i or i in o.parents:
        raise ValueError(f"输出文件夹不能是收件文件夹或其中的子文件夹：{out}")


# ----------------------------------------------------------------------------- outputs
_KIND_WORDS = {"actual": "完成数", "target": "目标任务", "base": "上年同期"}


def _names(keys, project: Project) -> list[str]:
    return [project.indicators[k].name if k in project.indicators else k for k in keys]


def receipt_tables(result: CollectResult, config=None) -> dict[str, pd.DataFrame]:
    """The receipt's sheets (回执, 收文情况, 问题清单, 未报送, 重复报送, 更正记录, 汇总表) in Chinese."""
    project = get_project(config)
    st, fd, ms, dp, rv = result.status, result.findings, result.missing, result.duplicates, result.revisions
    summary = [("收集期别", _period_words(result.period)), ("收到文件", f"{len(st)}个")]
    for word in (ACCEPTED, ACCEPTED_WITH_FINDINGS, REJECTED):
        files = st.loc[st["status"] == word, "file"].tolist()
        summary.append((word, f"{len(files)}个" + (f"：{'、'.join(files)}" if files and word != ACCEPTED else "")))
    for (kind, name), group in ms.groupby(["kind", "name"], sort=False):
        summary.append((f"未报送：{name}{'目标任务' if kind == 'target' else ''}", "、".join(group["area"])))
    summary.append(("更正记录", f"{len(rv)}条"))
    sheets = {"回执": pd.DataFrame(summary, columns=["事项", "内容"])}
    sheets["收文情况"] = st.assign(template=st["template"].map({True: "是", False: "否"}),
                               indicators=[("、".join(_names(s.split(","), project)) if s else "")
                                           for s in st["indicators"]]).rename(columns=dict(zip(STATUS_COLUMNS, [
        "文件", "状态", "原因", "位置", "错误数", "提示数", "模板", "地区", "指标", "数据个数", "采用个数",
        "修改时间", "备注"])))
    sheets["问题清单"] = fd.assign(severity=fd["severity"].map({"error": "错误"}).fillna("提示")).rename(
        columns=dict(zip(FINDING_COLUMNS, ["级别", "代码", "文件", "工作表", "单元格", "内容", "说明"])))
    sheets["未报送"] = ms.assign(kind=ms["kind"].map(_KIND_WORDS)).drop(columns="indicator").rename(
        columns={"name": "指标", "kind": "类别", "area": "地区", "area_code": "区划代码", "reason": "原因"})
    ident = {"indicator": "指标", "area": "地区", "period": "期别", "kind": "类别", "batch": "批次"}
    sheets["重复报送"] = dp.assign(indicator=_names(dp["indicator"], project), period=dp["period"].astype(str),
                               kind=dp["kind"].map(_KIND_WORDS)).rename(
        columns={**ident, "count": "报送次数", "files": "文件", "used_file": "采用文件"})
    sheets["更正记录"] = rv.assign(indicator=_names(rv["indicator"], project), period=rv["period"].astype(str),
                               kind=rv["kind"].map(_KIND_WORDS),
                               changed=rv["changed"].map({True: "是", False: "否"})).rename(
        columns={**ident, "old_value": "原值", "new_value": "新值", "changed": "数值有变化",
                 "old_file": "原文件", "new_file": "新文件"})
    sheets["汇总表"] = wide_table(result.table, project)
    return sheets


def wide_table(table: pd.DataFrame, config=None) -> pd.DataFrame:
    """Areas down, indicators across (``一般公共预算收入（亿元）``; targets marked 目标任务)."""
    project = get_project(config)
    if table.empty:
        return pd.DataFrame(columns=["地区"])
    t = table[table["kind"] != "base"]
    label = [f"{project.indicators[i].name if i in project.indicators else i}"
             f"{'目标任务' if k == 'target' else ''}（{u}）" for i, k, u in zip(t["indicator"], t["kind"], t["unit"])]
    wide = t.assign(label=label).pivot_table(index=["area_code", "area"], columns="label", values="value",
                                             aggfunc="last", sort=False)
    wide = wide.sort_index(level="area_code").reset_index(level="area_code", drop=True)
    wide.columns.name = None
    return wide.rename_axis("地区").reset_index()


def write_outputs(result: CollectResult, out, config=None) -> list[Path]:
    """Write ``回执_<period>.xlsx`` and ``汇总_<period>.csv`` into *out* (atomically)."""
    from .tables import write_csv, write_tables

    out = Path(out)
    tag = str(result.period)
    sheets = receipt_tables(result, config)
    value_cols = {c: "General" for c in sheets["汇总表"].columns if c != "地区"}
    receipt = write_tables(sheets, out / f"回执_{tag}.xlsx",
                           formats={"汇总表": value_cols, "更正记录": {"原值": "General", "新值": "General"}},
                           titles={"回执": f"{_period_words(result.period)}报表收集回执"})
    table = result.table.assign(period=result.table["period"].astype(str))
    return [receipt, write_csv(table, out / f"汇总_{tag}.csv")]


# ----------------------------------------------------------------------------- command line
def default_out(period) -> Path:
    """The CLI's output folder when none is given: ``out/collect/<period>`` under the working folder."""
    return Path("out") / "collect" / str(to_period(period))


def cli_collect(args) -> int:
    """``baimq collect``: print the summary and the files written; 1 when a file was sent back or
    an area is missing, else 0 (see :mod:`baimq.cli`)."""
    keys = [k for word in (args.indicator or []) for k in word.replace("，", ",").split(",") if k]
    out = Path(args.out) if args.out else default_out(args.period)
    result = collect(args.inbox, args.period, areas=args.areas, indicators=keys or None, out=out,
                     config=args.config, quiet=args.quiet)
    print(result.summary())
    for row in result.status[result.status["status"] != ACCEPTED].itertuples():
        where = f"（{row.location}）" if row.location else ""
        print(f"[{row.status}] {row.file}：{row.reason}{where}")
    for p in result.outputs:
        print(f"已写出：{p}")
    return 1 if result.count(REJECTED) or len(result.missing) else 0
