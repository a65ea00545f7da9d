"""`baimq report`: the full output folder from the bundled data, consistent and reproducible."""
from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from baimq.cli import main
from baimq.report import build_report

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "raw"
CONFIG = ROOT / "baimq.toml"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return build_report(DATA, "2023-06", out, config=CONFIG, quiet=True)


def _digest(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_output_folder_has_every_part(report):
    names = {p.relative_to(report.folder).as_posix() for p in report.folder.rglob("*") if p.is_file()}
    charts = [c.name for s in report.bulletin.sections for c in s.charts]
    assert {"bulletin.pptx", "tables.xlsx", "bulletin.md"} <= names
    for c in charts:
        assert {f"charts/{c}.png", f"charts/{c}.svg"} <= names
    assert report.folder.name == "2023-06"
    assert [s.key for s in report.bulletin.sections] == ["budget", "bond", "road", "coop", "province"]


def test_bulletin_text_states_the_published_anchors(report):
    text = (report.folder / "bulletin.md").read_text(encoding="utf-8")
    # 2023 1-6月: the mid-year report's 全市一般公共预算收入 (masked *8.4*亿元, 同比增长*.2%)
    assert "1-6月，全市一般公共预算收入68.43亿元，同比增长6.2%" in text
    # roads as of 30 June: 累计开工 258 km (masked 2*8), 累计完工 92 km (masked *2)
    assert "累计开工258.00公里" in text and "累计完工里程92.00公里" in text
    assert "农民合作社8023家" in text                       # masked 802*家
    assert "示例数据" in text


def test_deck_charts_equal_the_tables(report):
    deck = Presentation(report.folder / "bulletin.pptx")
    slides = list(deck.slides)
    n_charts = sum(len(s.charts) for s in report.bulletin.sections)
    assert len(slides) == 1 + n_charts + len(report.bulletin.sections)
    assert deck.slide_width == 12192000 and deck.slide_height == 6858000
    budget = report.bulletin.sections[0].tables["一般公共预算收入"]
    counties = budget.iloc[2:].sort_values("本年累计", ascending=False)        # rows 0, 1: 湛江市, 市本级
    chart = next(sh.chart for sh in slides[1].shapes if sh.has_chart)
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert list(chart.plots[0].categories) == list(counties["地区"])
    assert list(chart.plots[0].series[0].values) == pytest.approx(list(counties["本年累计"]))
    types = {sh.chart.chart_type for s in slides for sh in s.shapes if sh.has_chart}
    assert {XL_CHART_TYPE.LINE_MARKERS, XL_CHART_TYPE.PIE, XL_CHART_TYPE.COLUMN_STACKED} <= types
    xml = slides[1].shapes.title.text_frame._txBody.xml
    assert '<a:ea typeface="' in xml


def test_workbook_reads_back_as_the_tables(report):
    wb = openpyxl.load_workbook(report.folder / "tables.xlsx")
    table = report.bulletin.sections[0].tables["一般公共预算收入"]
    ws = wb["一般公共预算收入"]
    header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "地区")
    areas = [ws.cell(header_row + 1 + i, 1).value for i in range(len(table))]
    values = [ws.cell(header_row + 1 + i, 2).value for i in range(len(table))]
    assert areas == list(table["地区"])
    assert values == pytest.approx(list(table["本年累计"]))


def test_two_runs_are_byte_identical(report, tmp_path):
    again = build_report(DATA, "2023-06", tmp_path, config=CONFIG, quiet=True)
    assert _digest(again.folder) == _digest(report.folder)


def test_report_never_writes_into_the_data(report):
    assert not any("out" in p.parts for p in DATA.rglob("*"))
    assert not list(DATA.rglob("*.tmp"))


def test_command_line_report_latest_period(tmp_path, capsys):
    code = main(["report", "--data", str(DATA), "--out", str(tmp_path), "--quiet", "--config", str(CONFIG)])
    assert code == 0
    assert (tmp_path / "2023-12" / "bulletin.pptx").is_file()      # the latest month in the bundle
    assert "2023-12 通报已生成" in capsys.readouterr().out


def test_command_line_report_stops_on_bad_data(tmp_path, capsys):
    bad = tmp_path / "inbox"
    bad.mkdir()
    (bad / "坏文件.xlsx").write_bytes(b"this is not a workbook")
    code = main(["report", "--data", str(bad), "--out", str(tmp_path / "out"), "--quiet", "--config", str(CONFIG)])
    captured = capsys.readouterr()
    assert code == 1
    assert "坏文件.xlsx" in captured.err and "Traceback" not in captured.err
    assert not (tmp_path / "out").exists()
    assert main(["report", "--data", str(tmp_path / "missing"), "--quiet"]) == 2


def test_province_paragraph_states_the_comparable_rate_across_the_2025_basis_change():
    import baimq
    from baimq.bulletin import build_section

    df = baimq.load(DATA / "real", config=CONFIG)
    section = build_section(df, "province", "2025-12", config=CONFIG)
    text = section.paragraphs[0]
    # 湛江市2025年预算执行情况：一般公共预算收入215.10亿元，可比增长6.9%；2024年164.96亿元为旧口径
    assert text.startswith("2025年，湛江市一般公共预算收入215.10亿元")
    assert "可比增长6.9%（口径调整，名义增速不可比）" in text
    assert "30.4%" not in text          # the nominal 215.10 / 164.96 − 1 must never be shown


def test_processed_tidy_table_is_written_as_csv(tmp_path, capsys):
    import pandas as pd

    code = main(["report", "--data", str(DATA / "real"), "--out", str(tmp_path / "out"), "--period", "2025-12",
                 "--processed", str(tmp_path / "processed"), "--quiet", "--config", str(CONFIG)])
    assert code == 0
    table = pd.read_csv(tmp_path / "processed" / "indicators.csv", dtype=str, encoding="utf-8-sig")
    row = table[(table["indicator"] == "bond_new") & (table["area"] == "湛江市") & (table["period"] == "2025")]
    assert set(row["value"].astype(float)) == {213.27}                 # 表68 and the official table agree
    assert list(table.columns[:7]) == ["indicator", "area", "area_code", "period", "value", "unit", "source"]
    findings = pd.read_csv(tmp_path / "processed" / "findings.csv", dtype=str, encoding="utf-8-sig")
    assert sorted(findings["cell"]) == ["C5", "C5", "E5", "E5"]       # the 2021/2022 debt balances
    assert "processed" in capsys.readouterr().out


def test_bond_section_from_a_whole_year_table_without_batches(tmp_path):
    # real data only: 表68 and the official table give 湛江 2025 新增债券 213.27 (一般 11.77, 专项 201.50), no batches
    result = build_report(DATA / "real", "2025-12", tmp_path, config=CONFIG, quiet=True)
    bond = next(s for s in result.bulletin.sections if s.key == "bond")
    assert bond.paragraphs[0].startswith("2025年，全市新增债券213.27亿元")
    table = bond.tables["新增债券"]
    assert list(table["地区"]) == ["湛江市"]                   # the other 20 cities of 表68 are not 湛江's areas
    assert table["一般债券"].iloc[0] == 11.77 and table["专项债券"].iloc[0] == 201.50
    assert pd.isna(table["占全市比重"].iloc[0])                # the city is not a share of itself
    assert list(bond.tables) == ["新增债券"] and bond.charts == []
