"""The tidy-table contract: defaults, periods, findings that travel with a table."""
import copy

import pandas as pd

import baimq
from baimq.errors import Finding, FindingSet
from baimq.schema import TIDY_COLUMNS, tidy_frame


def test_missing_values_in_present_columns_take_the_defaults():
    df = tidy_frame([
        dict(indicator="coop_count", area="赤坎区", period="2023", value=1, unit="家", kind="target", level="county"),
        dict(indicator="coop_count", area="霞山区", period="2023-06", value=2, unit="家"),
    ])
    assert list(df.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert list(df["kind"]) == ["target", "actual"]
    assert list(df["level"]) == ["county", "county"]
    assert [str(p) for p in df["period"]] == ["2023", "2023-06"]


def test_findings_survive_copies_and_concat():
    found = FindingSet([Finding("warning", "total_mismatch", "合计与分项之和不符", "a.xlsx", "Sheet1", "B5")])
    df = tidy_frame([dict(indicator="coop_count", area="赤坎区", period="2023", value=1, unit="家")])
    df.attrs["findings"] = found
    assert copy.deepcopy(df).attrs["findings"] is found
    both = pd.concat([df[["area"]], df[["value"]]], axis=1)   # failed with a DataFrame in attrs
    assert list(baimq.findings(both)["cell"]) == ["B5"]
    assert baimq.findings(df.iloc[0:0].copy())["code"].tolist() == ["total_mismatch"]
