"""Collecting a month's returns: status, missing areas, resubmissions, receipt."""
from __future__ import annotations

import hashlib
import io
import os
import re

import openpyxl
import pandas as pd
import pytest

from baimq.inbox import (
    ACCEPTED, ACCEPTED_WITH_FINDINGS, REJECTED, FileReturn, Progress, collect, inbox_files,
    name_version, resolve_resubmissions,
)
from baimq.schema import tidy_frame
from baimq.template import make_templates, write_template

T0 = 1_690_000_000  # 2023-07-22, a fixed modification time for the returns


def _fill(template, dest, values: dict, mtime: float = T0):
    """A county fills its template (openpyxl does not enforce validation) and saves it as *dest*."""
    wb = openpyxl.load_workbook(template)
    ws = wb["填报表"]
    for cell, value in values.items():
        ws[cell] = value
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    os.utime(dest, (mtime, mtime))
    return dest


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.fixture
def month(tmp_path):
    """A July inbox as the office receives it (see the comments for what each file is)."""
    tpl = {p.name.split("_")[1]: p for p in
           make_templates(["budget_revenue", "tax_revenue"], "2023-07", tmp_path / "templates",
                          areas=["赤坎区", "霞山区", "坡头区", "麻章区"])}
    inbox = tmp_path / "inbox"
    _fill(tpl["赤坎区"], inbox / "赤坎区.xlsx", {"B4": 12.5, "C4": 8.25})            # clean
    _fill(tpl["霞山区"], inbox / "霞山区.xlsx", {"B4": 30, "C4": "八亿"})             # words in a number cell
    _fill(tpl["坡头区"], inbox / "坡头区.xlsx", {"B4": 7.5})                          # C4 left empty
    _fill(tpl["麻章区"], inbox / "麻章区.xlsx", {"B4": 9, "C4": 4})                   # first submission
    _fill(tpl["麻章区"], inbox / "麻章区（更正）.xlsx", {"B4": 9.5, "C4": 4}, T0 + 3600)  # resubmission
    june = write_template(tmp_path / "june.xlsx", ["budget_revenue", "tax_revenue"], "2023-06", area="遂溪县")
    _fill(june, inbox / "遂溪县.xlsx", {"B4": 20, "C4": 11})                          # last month's template
    (inbox / "损坏.xlsx").write_bytes(b"PK\x03\x04 truncated")                        # damaged
    (inbox / "说明.pdf").write_bytes(b"%PDF-1.4 not a spreadsheet")                   # not a spreadsheet
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["A2"] = "关于召开季度推进会的通知", "请各单位准时参加。"  # unrelated workbook
    wb.save(inbox / "会议通知.xlsx")
    (inbox / "~$赤坎区.xlsx").write_bytes(b"lock")                                     # Excel lock file
    return inbox


def test_round_trip(month, tmp_path):
    before = _digests(month)
    result = collect(month, "2023-07", out=tmp_path / "out", quiet=True)
    status = dict(zip(result.status["file"], result.status["status"]))
    assert status == {
        "赤坎区.xlsx": ACCEPTED, "霞山区.xlsx": REJECTED, "坡头区.xlsx": ACCEPTED_WITH_FINDINGS,
        "麻章区.xlsx": ACCEPTED, "麻章区（更正）.xlsx": ACCEPTED, "遂溪县.xlsx": REJECTED,
        "损坏.xlsx": REJECTED, "说明.pdf": REJECTED, "会议通知.xlsx": REJECTED}
    # The consolidated table is what the counties typed, the resubmission replacing 麻章区's first.
    got = result.table[["indicator", "area", "value"]].values.tolist()
    assert got == [["budget_revenue", "赤坎区", 12.5], ["budget_revenue", "坡头区", 7.5],
                   ["budget_revenue", "麻章区", 9.5],
                   ["tax_revenue", "赤坎区", 8.25], ["tax_revenue", "麻章区", 4.0]]
    assert set(result.table["period"]) == {pd.Period("2023-07", "M")}
    assert result.table.loc[2, "source"] == "麻章区（更正）.xlsx!填报表!B4"
    assert _digests(month) == before  # the inbox is only read


def test_faulty_returns_are_reported_with_their_cells(month):
    result = collect(month, "2023-07", quiet=True)
    row = result.status.set_index("file")
    assert row.loc["霞山区.xlsx", "location"] == "霞山区.xlsx!填报表!C4"
    assert "应填写数字" in row.loc["霞山区.xlsx", "reason"]
    assert row.loc["坡头区.xlsx", "location"] == "坡头区.xlsx!填报表!C4"
    assert "未填写" in row.loc["坡头区.xlsx", "reason"]
    cells = set(zip(result.findings["file"], result.findings["cell"], result.findings["severity"]))
    assert ("霞山区.xlsx", "C4", "error") in cells and ("坡头区.xlsx", "C4", "warning") in cells
    assert "期别为2023-06" in row.loc["遂溪县.xlsx", "reason"]
    assert re.search("不完整|损坏|无法打开", row.loc["损坏.xlsx", "reason"])
    assert re.search("不是.*(电子表格|工作簿)|PDF", row.loc["说明.pdf", "reason"])


def test_missing_areas_per_indicator(month):
    result = collect(month, "2023-07", quiet=True)
    miss = {ind: dict(zip(g["area"], g["reason"])) for ind, g in result.missing.groupby("indicator")}
    # Ten expected areas; budget: 赤坎, 坡头, 麻章 reported → seven missing.
    assert miss["budget_revenue"] == {
        "霞山区": "报表被退回", "遂溪县": "报表被退回", "徐闻县": "未报送", "廉江市": "未报送",
        "雷州市": "未报送", "吴川市": "未报送", "市本级": "未报送"}
    # Tax: 赤坎, 麻章 reported; 坡头区 left its cell empty → eight missing.
    assert miss["tax_revenue"] == {**miss["budget_revenue"], "坡头区": "留空未填"}


def test_resubmission_kept_as_revision_history(month):
    result = collect(month, "2023-07", quiet=True)
    rev = result.revisions[["indicator", "area", "old_value", "new_value", "changed", "old_file", "new_file"]]
    assert rev.values.tolist() == [
        ["budget_revenue", "麻章区", 9.0, 9.5, True, "麻章区.xlsx", "麻章区（更正）.xlsx"],
        ["tax_revenue", "麻章区", 4.0, 4.0, False, "麻章区.xlsx", "麻章区（更正）.xlsx"]]
    assert result.duplicates["used_file"].tolist() == ["麻章区（更正）.xlsx"] * 2
    assert result.status.set_index("file").loc["麻章区.xlsx", "note"] == "已被更新的报送全部替代"


def test_receipt_and_table_written_outside_the_inbox(month, tmp_path):
    result = collect(month, "2023-07", out=tmp_path / "out", quiet=True)
    assert [p.name for p in result.outputs] == ["回执_2023-07.xlsx", "汇总_2023-07.csv"]
    wb = openpyxl.load_workbook(result.outputs[0])
    assert wb.sheetnames == ["回执", "收文情况", "问题清单", "未报送", "重复报送", "更正记录", "汇总表"]
    summary = {r[0]: r[1] for r in wb["回执"].iter_rows(min_row=3, values_only=True)}
    assert summary["退回"].startswith("5个")
    assert summary["未报送：税收收入"] == "霞山区、坡头区、遂溪县、徐闻县、廉江市、雷州市、吴川市、市本级"
    wide = [r for r in wb["汇总表"].iter_rows(min_row=2, values_only=True)]
    assert wide == [("赤坎区", 12.5, 8.25), ("坡头区", 7.5, "—"), ("麻章区", 9.5, 4)]  # "—": not reported
    csv = pd.read_csv(result.outputs[1], encoding="utf-8-sig")
    assert csv["value"].tolist() == [12.5, 7.5, 9.5, 8.25, 4.0] and set(csv["period"]) == {"2023-07"}
    with pytest.raises(ValueError, match="不能是收件文件夹"):
        collect(month, "2023-07", out=month / "汇总", quiet=True)
    assert not (month / "汇总").exists()


def test_one_template_for_all_areas_and_expected_areas_option(tmp_path):
    (tpl,) = make_templates(["coop_count"], "2023-07", tmp_path / "t", per_area=False,
                            areas=["赤坎区", "霞山区", "坡头区"])
    _fill(tpl, tmp_path / "inbox" / "农业农村局.xlsx", {"B4": 120, "B5": "1,050", "B6": 0})
    result = collect(tmp_path / "inbox", "2023-07", areas=["赤坎", "霞山区", "坡头区", "麻章区"], quiet=True)
    assert result.table[["area", "value"]].values.tolist() == [["赤坎区", 120.0], ["霞山区", 1050.0],
                                                              ["坡头区", 0.0]]
    assert result.status["status"].tolist() == [ACCEPTED_WITH_FINDINGS]  # "1,050" typed as text
    assert result.missing["area"].tolist() == ["麻章区"]


def test_target_templates_are_collected_for_the_year(tmp_path):
    (tpl,) = make_templates(["budget_revenue"], "2023", tmp_path / "t", per_area=False, kind="target",
                            areas=["赤坎区", "霞山区"])
    _fill(tpl, tmp_path / "inbox" / "目标.xlsx", {"B4": 25, "B5": 60})
    result = collect(tmp_path / "inbox", "2023-07", areas=["赤坎区", "霞山区"], quiet=True)
    assert result.table[["kind", "area", "value"]].values.tolist() == [["target", "赤坎区", 25.0],
                                                                      ["target", "霞山区", 60.0]]
    assert set(result.table["period"]) == {pd.Period("2023", "Y")}
    assert result.missing.empty


@pytest.mark.parametrize("name, expected", [
    ("廉江.xlsx", (1, "")),
    ("廉江_v2.xlsx", (2, "")),
    ("廉江（更正）.xlsx", (2, "")),
    ("廉江_v2（更正）.xlsx", (3, "")),
    ("廉江（更正2）.xlsx", (3, "")),
    ("廉江_20230805.xlsx", (1, "20230805")),
    ("廉江2023-08-05第2版.xlsx", (2, "20230805")),
    ("review.xlsx", (1, "")),
])
def test_name_version(name, expected):
    assert name_version(name) == expected


def _ret(file, value, mtime):
    table = tidy_frame([{"indicator": "coop_count", "area": "廉江市", "period": "2023-07", "value": value,
                         "unit": "家", "source": f"{file}!填报表!B4"}])
    return FileReturn(file, ACCEPTED, table=table, mtime=mtime)


def test_newest_by_modification_time_then_version_in_name():
    older_v2, newer_plain = _ret("廉江_v2.xlsx", 10, T0), _ret("廉江.xlsx", 11, T0 + 1)
    table, _, _ = resolve_resubmissions([newer_plain, older_v2])
    assert table["value"].tolist() == [11.0]  # modification time first
    same_a, same_b = _ret("廉江（更正）.xlsx", 12, T0), _ret("廉江.xlsx", 13, T0)
    table, rev, dup = resolve_resubmissions([same_a, same_b])
    assert table["value"].tolist() == [12.0]  # equal times: the 更正 version wins
    assert rev[["old_value", "new_value", "changed"]].values.tolist() == [[13.0, 12.0, True]]
    assert dup[["count", "files"]].values.tolist() == [[2, "廉江.xlsx；廉江（更正）.xlsx"]]


def test_resolve_does_not_mutate_inputs():
    a, b = _ret("a.xlsx", 1, T0), _ret("b.xlsx", 2, T0 + 1)
    copies = [a.table.copy(), b.table.copy()]
    resolve_resubmissions([a, b])
    pd.testing.assert_frame_equal(a.table, copies[0])
    pd.testing.assert_frame_equal(b.table, copies[1])


def test_inbox_files_skip_hidden_and_lock_files(tmp_path):
    for name in ("b.xlsx", "a/c.xls", ".DS_Store", "~$b.xlsx", ".git/x.xlsx"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [p.relative_to(tmp_path).as_posix() for p in inbox_files(tmp_path)] == ["a/c.xls", "b.xlsx"]
    with pytest.raises(FileNotFoundError, match="找不到"):
        inbox_files(tmp_path / "nope")


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_line_only_on_a_terminal():
    tty, pipe = _Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = Progress(2, stream=stream)
        bar.update(1, "赤坎区.xlsx")
        bar.close()
    assert tty.getvalue().startswith("\r收集 1/2 赤坎区.xlsx") and tty.getvalue().endswith("\n")
    assert pipe.getvalue() == ""
    quiet = _Tty()
    Progress(2, enabled=False, stream=quiet).update(1)
    assert quiet.getvalue() == ""


def test_summary_reads_like_a_notice(month):
    text = collect(month, "2023-07", quiet=True).summary()
    assert text.splitlines()[0] == ("2023年7月报表收集：共9个文件，已接收3个、已接收（有提示）1个、退回5个；汇总5个数。")


def test_free_form_return_goes_through_the_loader(tmp_path):
    pytest.importorskip("baimq.loader")
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["2023年1-7月各县（市、区）一般公共预算收入完成情况表"], ["单位：万元"],
                ["地区", "一般公共预算收入"], ["赤坎区", 125000], ["霞山区", 300000]):
        ws.append(row)
    (tmp_path / "inbox").mkdir()
    wb.save(tmp_path / "inbox" / "财政局.xlsx")
    result = collect(tmp_path / "inbox", "2023-07", areas=["赤坎区", "霞山区"], quiet=True)
    assert result.status["status"].tolist()[0] != REJECTED
    # 125000 万元 = 12.5 亿元; 300000 万元 = 30 亿元.
    got = result.table[result.table["kind"] == "actual"][["area", "value"]].values.tolist()
    assert got == [["赤坎区", 12.5], ["霞山区", 30.0]]
    assert result.table["source"].str.startswith("财政局.xlsx!").all()


def test_baimq_collect_is_callable_from_the_package(month):
    import baimq

    result = baimq.collect(month, "2023-07", quiet=True)  # works whether it is the function or the module
    assert isinstance(result, baimq.CollectResult) and len(result.table) == 5


def test_command_line_template_then_collect(tmp_path, capsys):
    from baimq.cli import main

    tpl = tmp_path / "tpl"
    assert main(["template", "--indicator", "coop_count", "--period", "2023-07", "--areas", "廉江", "吴川",
                 "--out", str(tpl)]) == 0
    assert sorted(p.name for p in tpl.iterdir()) == ["2023-07_吴川市_农民合作社.xlsx", "2023-07_廉江市_农民合作社.xlsx"]
    _fill(tpl / "2023-07_廉江市_农民合作社.xlsx", tmp_path / "inbox" / "廉江.xlsx", {"B4": 315})
    out = tmp_path / "out"
    # 1: areas are missing (eight counties and 市本级 have not reported).
    assert main(["collect", str(tmp_path / "inbox"), "--period", "2023-07", "--out", str(out), "--quiet"]) == 1
    printed = capsys.readouterr().out
    assert "农民合作社未报送（9个）" in printed and "回执_2023-07.xlsx" in printed
    assert (out / "回执_2023-07.xlsx").is_file()
    assert main(["collect", str(tmp_path / "inbox"), "--period", "2023-07", "--out", str(out), "--quiet",
                 "--areas", "廉江市"]) == 0


def test_free_form_return_of_another_month_is_sent_back(tmp_path):
    pytest.importorskip("baimq.loader")
    wb = openpyxl.Workbook()
    for row in (["2023年1-6月各县（市、区）一般公共预算收入完成情况表"], ["单位：亿元"],
                ["地区", "一般公共预算收入"], ["赤坎区", 10.5]):
        wb.active.append(row)
    (tmp_path / "inbox").mkdir()
    wb.save(tmp_path / "inbox" / "六月.xlsx")
    result = collect(tmp_path / "inbox", "2023-07", areas=["赤坎区"], quiet=True)
    assert result.status[["status"]].values.tolist() == [[REJECTED]]
    assert "期别为2023-06" in result.status["reason"].iloc[0]
    assert result.table.empty and result.missing["area"].tolist() == ["赤坎区"]


def test_targets_and_monthly_returns_together(tmp_path):
    (target,) = make_templates(["budget_revenue"], "2023", tmp_path / "t", per_area=False, kind="target",
                               areas=["赤坎区"])
    (actual,) = make_templates(["budget_revenue"], "2023-07", tmp_path / "t", per_area=False, areas=["赤坎区"])
    inbox = tmp_path / "inbox"
    _fill(target, inbox / "目标.xlsx", {"B4": 25})
    _fill(target, inbox / "目标_v2.xlsx", {"B4": 26})
    _fill(actual, inbox / "七月.xlsx", {"B4": 14.5})
    result = collect(inbox, "2023-07", areas=["赤坎区"], quiet=True)
    assert result.table[["kind", "value"]].values.tolist() == [["actual", 14.5], ["target", 26.0]]
    assert result.revisions[["kind", "old_value", "new_value"]].values.tolist() == [["target", 25.0, 26.0]]
    assert result.duplicates[["kind", "period", "count"]].values.tolist() == [["target", pd.Period("2023", "Y"), 2]]
