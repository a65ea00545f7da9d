"""The main job: the monthly bulletin for one period, written to ``out/<period>/``.

``out/2023-06/`` receives ``charts/*.png`` and ``charts/*.svg``, ``bulletin.pptx`` (native,
editable charts), ``tables.xlsx`` and ``bulletin.md`` (the 通报 text with its tables). Every
number comes from the section tables of :func:`baimq.bulletin.build_bulletin`. All files are
written atomically and are byte-identical for the same data.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import words as w
from .bulletin import Bulletin, Chart, Section, build_bulletin
from .config import get_project
from .outputs import write_text


@dataclass
class ReportResult:
    """What :func:`build_report` wrote."""

    period: pd.Period
    folder: Path
    files: list[Path]
    bulletin: Bulletin


class _Progress:
    """A step counter on stderr ("[3/9] 绘制图表 …"), silent when *quiet*."""

    def __init__(self, total: int, quiet: bool):
        self.total, self.quiet, self.n, self.t0 = total, quiet, 0, time.perf_counter()

    def step(self, text: str) -> None:
        self.n += 1
        if not self.quiet:
            print(f"[{self.n}/{self.total}] {text}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- charts
def draw_chart(chart: Chart, source: str):
    """Draw one chart on a new full-slide figure; return the figure."""
    from . import plots

    fig, ax = plots.new_figure("full")
    getattr(plots, chart.plot)(chart.data, ax=ax, source=source, **chart.options)
    return fig


def chart_title(fig) -> str:
    """The finding the chart states (its title, on one line)."""
    return fig.axes[0].get_title(loc="left").replace("\n", "")


def write_charts(bulletin: Bulletin, folder: Path, progress: _Progress) -> tuple[list[Path], dict]:
    import matplotlib.pyplot as plt

    from .plots import save_figure

    files, titles = [], {}
    for section in bulletin.sections:
        for chart in section.charts:
            progress.step(f"绘制图表 {chart.name}")
            fig = draw_chart(chart, section.source)
            titles[chart.name] = chart_title(fig)
            for suffix in ("png", "svg"):
                files.append(save_figure(fig, folder / "charts" / f"{chart.name}.{suffix}"))
            plt.close(fig)
    return files, titles


# --------------------------------------------------------------------------- deck
def deck_slides(bulletin: Bulletin, titles: dict, chart_dir: Path) -> list:
    """One slide per chart: native where python-pptx can draw it, else the PNG."""
    from .deck import CHART_TYPES, Slide

    slides = []
    for section in bulletin.sections:
        text = "".join(section.paragraphs)
        for chart in section.charts:
            spec = dict(chart.slide)
            title = titles.get(chart.name, section.heading)
            if spec.get("kind") in CHART_TYPES:
                slides.append(Slide(title, notes=text, source=section.source, **spec))
            else:
                slides.append(Slide(title, kind="picture", image=chart_dir / f"{chart.name}.png",
                                    notes=text, source=section.source))
        slides.append(Slide(f"{section.heading}：通报", kind="text", text=text, source=section.source))
    return slides


# --------------------------------------------------------------------------- text
def _md_cell(v, col: str) -> str:
    if isinstance(v, str):
        return w.light_words(v) if col == "亮灯" and v else (v or "—")
    if v is None or pd.isna(v):
        return "—"
    if any(k in col for k in ("增长", "比重", "占比", "率", "进度", "贡献")) and "百分点" not in col:
        return w.fmt_pct(v, signed=True)
    if "排名" in col:
        return (f"{int(v):+d}" if v else "0") if "变化" in col else f"{int(v)}"
    if "百分点" in col:  # 拉动 to two decimals (0.06 is not 0.1), gaps to one, as the text writes them
        return w.fmt_number(v, 2 if "拉动" in col else 1)
    if float(v).is_integer() and abs(v) >= 100 and "亿" not in col:
        return w.fmt_number(v, 0)
    return w.fmt_number(v, 2)


def markdown_table(t: pd.DataFrame, unit: str | None = None) -> str:
    """A display table as GitHub markdown, formatted as :func:`format_table` does."""
    shown = format_table(t, unit)
    cols = [str(c) for c in shown.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in shown.itertuples(index=False):
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _is_amount(col: str) -> bool:
    """True for a column of plain figures (not a rate, a rank or points)."""
    rate = any(k in col for k in ("增长", "比重", "占比", "率", "进度", "贡献")) and "百分点" not in col
    return not (rate or "排名" in col or "百分点" in col)


def _amount_digits(values: pd.Series, col: str, unit) -> int:
    """Decimals for a column of figures, so that one column never mixes 420 and 16.10."""
    if unit:
        return w.UNIT_DIGITS.get(unit, 2)
    nums = pd.to_numeric(values, errors="coerce").dropna()
    whole = len(nums) > 0 and bool((nums == nums.round()).all()) and "亿" not in col
    return 0 if whole else 2


def format_table(t: pd.DataFrame, unit: str | None = None) -> pd.DataFrame:
    """A display table with every figure as text, the way the bulletin shows it.

    Rates as percentages (half-up), ranks as whole numbers, lights in Chinese, "—" where a
    figure is undefined. Figures take the decimals of their unit as the 通报 text writes
    them (:data:`baimq.words.UNIT_DIGITS`: 家 0, others 2): the unit is *unit* (a section's
    ``units[name]``), else each row's ``单位`` column; without either, a column whose figures
    are all whole shows none and any other two, the same down the column. For notebooks:
    the HTML is the same on every machine. The input is not modified.
    """
    cols = list(t.columns)
    units = [unit] * len(t) if unit or "单位" not in cols else list(t["单位"])
    out = {}
    for c in cols:
        values = t[c]
        if _is_amount(str(c)) and pd.api.types.is_numeric_dtype(values):
            out[c] = ["—" if pd.isna(v) else w.fmt_number(v, _amount_digits(values, str(c), u))
                      for v, u in zip(values, units)]
        else:
            out[c] = [_md_cell(v, str(c)) for v in values]
    return pd.DataFrame(out, columns=cols)


def bulletin_markdown(bulletin: Bulletin) -> str:
    """The 通报 as markdown: title, one part per section with its paragraph and tables."""
    out = [f"# {bulletin.title}", ""]
    if bulletin.sample:
        out += ["> 本通报含示例数据（标注「示例数据」的报表为模拟数据，仅供演示）。", ""]
    numerals = "一二三四五六七八九十"
    for i, s in enumerate(bulletin.sections):
        out += [f"## {numerals[i]}、{s.heading}", ""]
        out += [p for p in s.paragraphs] + [""]
        for name, t in s.tables.items():
            out += [f"**{name}**（单位：{s.units.get(name, '')}）", "", markdown_table(t, s.units.get(name)), ""]
        out += [f"*{s.source}*", ""]
    return "\n".join(out).rstrip() + "\n"


def _excel_tables(bulletin: Bulletin) -> tuple[dict, dict, dict]:
    tables, titles, units = {}, {}, {}
    when = w.period_words(bulletin.period, True)
    for s in bulletin.sections:
        for name, t in s.tables.items():
            tables[name] = t.reset_index(drop=True)
            titles[name] = f"{bulletin.period.year}年{when}{name}情况表" + ("（示例数据）" if bulletin.sample else "")
            units[name] = f"单位：{s.units.get(name, '')}"
    return tables, titles, units


# --------------------------------------------------------------------------- main job
def write_processed(df: pd.DataFrame, folder) -> list[Path]:
    """The tidy table and its findings as CSV in *folder* (``indicators.csv``, ``findings.csv``).

    UTF-8 with a BOM (Excel shows the Chinese), periods as text ("2023-06", "2023"), text
    that could run as a formula quoted; written atomically. *df* is not modified.
    """
    from .errors import findings_frame
    from .tables import write_csv

    folder = Path(folder)
    table = df.assign(period=df["period"].astype(str))
    return [write_csv(table, folder / "indicators.csv"),
            write_csv(findings_frame(df.attrs.get("findings", ())), folder / "findings.csv")]


def build_report(data="data/raw", period=None, out="out", *, config=None, cache: bool = True,
                 quiet: bool = False, processed=None) -> ReportResult:
    """Load *data*, compute the bulletin for *period* (default: latest) and write it.

    With *processed* (a folder such as ``data/processed``), the tidy table and its findings
    are also written there as CSV (:func:`write_processed`). Raises :class:`baimq.DataError`
    (with every error of every return) when the data cannot be trusted; nothing is written then.
    """
    from .deck import build_deck
    from .loader import load
    from .tables import write_tables

    proj = get_project(config, start=data)
    steps = _Progress(5, quiet)
    steps.step(f"读取 {data} …")
    df = load(data, config=proj, cache=cache)  # registers every file read: no output may overwrite one
    found = df.attrs.get("findings", ())
    if found and not quiet:
        print(f"数据已读入，有 {len(found)} 条提示（不影响生成，请核对）：", file=sys.stderr)
        for f in found:
            print("  " + f.line(), file=sys.stderr)
    steps.step("计算同比、占比、贡献率、排名和进度 …")
    bulletin = build_bulletin(df, period, config=proj)
    extra = write_processed(df, processed) if processed is not None else []
    folder = Path(out) / str(bulletin.period)
    steps.total += sum(len(s.charts) for s in bulletin.sections)
    files, titles = write_charts(bulletin, folder, steps)
    steps.step("生成演示文稿 bulletin.pptx …")
    subtitle = f"{proj.city}百千万工程指挥部办公室" + ("　示例数据" if bulletin.sample else "")
    files.append(build_deck(deck_slides(bulletin, titles, folder / "charts"), folder / "bulletin.pptx",
                            title=bulletin.title, subtitle=subtitle))
    steps.step("生成表格 tables.xlsx …")
    tables, ttl, units = _excel_tables(bulletin)
    files.append(write_tables(tables, folder / "tables.xlsx", titles=ttl, units=units))
    steps.step("写出通报 bulletin.md …")
    files.append(write_text(folder / "bulletin.md", bulletin_markdown(bulletin)))
    return ReportResult(bulletin.period, folder, files + extra, bulletin)


# --------------------------------------------------------------------------- CLI
def add_report(sub) -> None:
    p = sub.add_parser("report", help="生成月度通报（图表、演示文稿、表格、通报文字）")
    p.add_argument("--period", help="通报月份，如 2023-06；默认为数据中最新的月份")
    p.add_argument("--data", default="data/raw", help="报表文件夹（默认 data/raw）")
    p.add_argument("--out", default="out", help="输出文件夹（默认 out/，结果写入 out/<月份>/）")
    p.add_argument("--processed", help="同时把整理后的数据表（indicators.csv、findings.csv）写入此文件夹，"
                   "如 data/processed")
    p.add_argument("--config", help="项目配置文件 baimq.toml")
    p.add_argument("--no-cache", action="store_true", help="不使用读取缓存")
    p.add_argument("--quiet", action="store_true", help="不显示进度")


def cmd_report(args) -> int:
    from .errors import DataError

    if not Path(args.data).exists():
        print(f"找不到数据文件夹：{args.data}", file=sys.stderr)
        return 2
    try:
        result = build_report(args.data, args.period, args.out, config=args.config, processed=args.processed,
                              cache=not args.no_cache, quiet=args.quiet)
    except DataError as exc:
        print("数据有错误，未生成通报。请先修正以下问题（baimq check 可再次核对）：", file=sys.stderr)
        for f in exc.findings:
            print(f.line(), file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"无法生成通报：{exc}", file=sys.stderr)
        return 2
    print(f"{result.period} 通报已生成：{result.folder}{os.sep}")
    for f in sorted(result.files):
        if f.suffix == ".svg":
            continue
        inside = f.is_relative_to(result.folder)
        print(f"  {f.relative_to(result.folder).as_posix() if inside else f.as_posix()}")
    return 0
