"""Numbers and phrases: half-up rounding, signs, 个百分点, rank changes, period words."""
from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
import pytest

from baimq import words as w


@pytest.mark.parametrize("x, digits, expected", [
    (0.0625 * 100, 1, Decimal("6.3")),   # stored as 6.25: half-up gives 6.3, banker's 6.2
    (6.25, 1, Decimal("6.3")),
    (6.35, 1, Decimal("6.4")),           # 6.35 is 6.3499999… in binary; repr reads 6.35
    (-6.25, 1, Decimal("-6.3")),         # half away from zero, as 四舍五入 of the magnitude
    (69.435, 2, Decimal("69.44")),
    (2.675, 2, Decimal("2.68")),         # Python's round(2.675, 2) gives 2.67
])
def test_round_half_up(x, digits, expected):
    assert w.round_half_up(x, digits) == expected


@pytest.mark.parametrize("fraction, signed, expected", [
    (0.0625, False, "6.3%"),
    (-0.0625, True, "-6.3%"),    # tables and Excel: ASCII hyphen-minus
    (-0.0625, False, "6.3%"),    # magnitude only: text words the sign
    (0.062, False, "6.2%"),
    (1.5, False, "150.0%"),
    (-0.0004, True, "0.0%"),     # rounds to zero: no "-0.0%"
    (float("nan"), True, "—"),
    (float("inf"), True, "—"),
    (None, False, "—"),
])
def test_fmt_pct(fraction, signed, expected):
    assert w.fmt_pct(fraction, signed=signed) == expected


def test_signed_percent_is_readable_by_float():
    # the table form must parse back as a number (Excel, CSV readers)
    assert float(w.fmt_pct(-0.0625, signed=True).rstrip("%")) == -6.3


@pytest.mark.parametrize("fraction, expected", [
    (0.0625, "增长6.3%"),
    (-0.0625, "下降6.3%"),
    (0.062, "增长6.2%"),
    (-0.034, "下降3.4%"),
    (0.0004, "持平"),            # 0.04% shows as 0.0%
    (-0.0004, "持平"),
    (-0.0005, "下降0.1%"),       # −0.05% rounds half-up (away from zero) to −0.1%
    (float("nan"), "—"),
])
def test_growth_words(fraction, expected):
    assert w.growth_words(fraction) == expected


def test_amounts_and_changes():
    assert w.fmt_amount(69.44, "亿元") == "69.44亿元"
    assert w.fmt_amount(69.435, "亿元") == "69.44亿元"
    assert w.fmt_amount(math.nan, "亿元") == "—"
    assert w.fmt_number(1234.5, 2, thousands=True) == "1,234.50"
    assert w.fmt_amount(8021.0, "家") == "8021家"          # counts are whole numbers
    assert w.change_words(-12.0, "家") == "减少12家"
    assert w.change_words(50.27, "亿元") == "增加50.27亿元"
    assert w.change_words(-3.1, "亿元") == "减少3.10亿元"
    assert w.change_words(0.001, "亿元") == "持平"


@pytest.mark.parametrize("cur, prev, expected", [
    (0.062, 0.051, "提高1.1个百分点"),
    (0.043, 0.051, "回落0.8个百分点"),
    (-0.034, -0.085, "降幅收窄5.1个百分点"),
    (-0.085, -0.034, "降幅扩大5.1个百分点"),
    (-0.01, 0.02, "回落3.0个百分点"),
    (0.0621, 0.0619, "持平"),                 # both show 6.2%
    # the difference is of the displayed rates: 6.25% → 6.3, 5.14% → 5.1 → 1.2 points,
    # although the unrounded difference is 1.11
    (0.0625, 0.0514, "提高1.2个百分点"),
    (math.nan, 0.05, "—"),
])
def test_pace_words(cur, prev, expected):
    assert w.pace_words(cur, prev) == expected


def test_pp_words():
    assert w.pp_words(1.2) == "提高1.2个百分点"
    assert w.pp_words(-0.8) == "回落0.8个百分点"
    assert w.pp_words(0.04) == "持平"


@pytest.mark.parametrize("change, expected", [
    (2, "上升2位"), (-1, "下降1位"), (0, "位次不变"), (2.0, "上升2位"), (math.nan, "—"),
])
def test_rank_change_words(change, expected):
    assert w.rank_change_words(change) == expected


def test_light_words():
    assert [w.light_words(x) for x in ("green", "yellow", "red", "", None)] == \
        ["绿灯", "黄灯", "红灯", "—", "—"]


@pytest.mark.parametrize("period, cumulative, as_of, kw, expected", [
    ("2023-06", True, "", {}, "1-6月"),
    ("2023-01", True, "", {}, "1月"),
    ("2022", True, "", {}, "2022年"),
    ("2023-06", False, "", {}, "截至6月底"),
    ("2023-06", True, "2023-06-15", {}, "截至6月15日"),
    ("2023-06", True, "", {"with_year": True}, "2023年1-6月"),
    ("2023-03", True, "", {"quarter_names": True}, "一季度"),
    ("2023-06", True, "", {"quarter_names": True}, "上半年"),
    ("2023-09", True, "", {"quarter_names": True}, "前三季度"),
    ("2023-05", True, "", {"quarter_names": True}, "1-5月"),
])
def test_period_words(period, cumulative, as_of, kw, expected):
    assert w.period_words(pd.Period(period), cumulative, as_of, **kw) == expected
