"""Cell-level reading: numbers, rates, units, periods (expected values by hand)."""
from __future__ import annotations

import pandas as pd
import pytest

from baimq.parse import (basis_in, batch_in, cell_index, cell_name, norm, parse_number, parse_rate,
                         parse_when, units_in)

UNITS = {"亿元": 1, "万元": 1, "元": 1, "公里": 1, "千米": 1, "km": 1, "家": 1, "个": 1}


def test_norm_full_width_and_padding():
    assert norm("霞　山　区") == "霞山区"
    assert norm("（亿元）") == "(亿元)"
    assert norm("１－６月") == "1-6月"


@pytest.mark.parametrize("a1, rc", [("A1", (0, 0)), ("B7", (6, 1)), ("Z1", (0, 25)), ("AA10", (9, 26))])
def test_cell_names_round_trip(a1, rc):
    assert cell_name(*rc) == a1
    assert cell_index(a1) == rc


@pytest.mark.parametrize("raw, value, decimals", [
    ("62,391.5", 62391.5, 1), ("６２３９１．５", 62391.5, 1), (" 1 234 ", 1234.0, 0),
    (5439.23, 5439.23, 2), (12, 12.0, 0), ("-12.50", -12.5, 2),
])
def test_numbers_typed_as_text(raw, value, decimals):
    n = parse_number(raw)
    assert (n.value, n.decimals, n.bad) == (value, decimals, False)


@pytest.mark.parametrize("raw", ["", None, "-", "—", "/", "－", "——", " "])
def test_placeholders_are_no_value(raw):
    n = parse_number(raw)
    assert n.value is None and not n.bad


@pytest.mark.parametrize("raw", ["约3.9万", "3.9万", "待定", "12..5"])
def test_words_in_number_cell_are_bad(raw):
    assert parse_number(raw).bad


@pytest.mark.parametrize("raw, frac, dec", [
    ("45.2%", 0.452, 1), ("45.2％", 0.452, 1), (6.2, 0.062, 1), ("下降3.4%", -0.034, 1), ("持平", 0.0, 0),
])
def test_rates_as_fractions(raw, frac, dec):
    n = parse_rate(raw)
    assert n.value == pytest.approx(frac) and n.decimals == dec


@pytest.mark.parametrize("text, units", [
    ("单位：万元", ["万元"]), ("单位：公里、%", ["公里", "%"]), ("一般公共预算收入（亿元）", ["亿元"]),
    ("开工率（％）", ["%"]), ("填报单位：湛江市财政局", []), ("填报单位：某局    单位：千米", ["千米"]),
])
def test_units_declared(text, units):
    assert units_in(text, UNITS) == units


@pytest.mark.parametrize("text, period, to_date, as_of", [
    ("2023年1-6月各县（市、区）一般公共预算收入", "2023-06", True, ""),
    ("截至2023年6月30日农村公路建设进度", "2023-06", True, "2023-06-30"),
    ("2023年上半年", "2023-06", True, ""),
    ("2023.6", "2023-06", False, ""),
    ("2022年底", "2022", False, ""),
    ("2023年6月底", "2023-06", True, ""),
    ("2022年", "2022", False, ""),
    ("2023年目标任务分解表", "2023", False, ""),
])
def test_periods_from_text(text, period, to_date, as_of):
    w = parse_when(text)
    expected = pd.Period(period, freq="Y" if len(period) == 4 else "M")
    assert (w.period(), w.to_date, w.as_of) == (expected, to_date, as_of)


def test_month_only_header_takes_year_from_context():
    assert parse_when("6月").period(2023) == pd.Period("2023-06", freq="M")
    assert parse_when("本年累计") is None


def test_batch_and_basis_words():
    assert batch_in("2023年提前批次新增债券分配表") == "提前批次"
    assert batch_in("第一批") == "第一批"
    assert batch_in("一般公共预算收入") == ""
    assert basis_in("一般公共预算收入（新口径）") == "新口径"
    assert basis_in("口径调整后") == "新口径"
