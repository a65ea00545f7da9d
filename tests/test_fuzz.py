"""Fuzzing: odd but plausible workbooks and damaged copies of real ones never crash or hang.

Two families of input:

* **Generated layouts** (:func:`layouts`): machine rows, title rows with a period, a unit
  line, one to three header rows with merged cells, catalogue header words, area names
  (湛江's counties padded, numbered, prefixed, suffix-less; totals; 市本级; junk), cells that
  are numbers, text numbers, percent strings, blanks, dashes, huge, negative, NaN-like text,
  note rows, a hidden sheet, written as .xlsx (openpyxl) or .xls (xlwt).
* **Mutated bytes**: a small workbook of ``data/raw`` (copied to tmp first, never touched in
  place) with bytes flipped, cut off or inserted.

What must hold: :func:`baimq.load` returns a DataFrame or raises :class:`baimq.DataError`
(nothing else), every finding names the file, and ``baimq check`` (``cli.main``) exits 0, 1
or 2 without printing a traceback.

Profiles (tests/conftest.py): ``default`` is short and derandomised (``make test``);
``HYPOTHESIS_PROFILE=long`` runs thousands of examples (``make fuzz``; benchmarks/FUZZ.md).
"""
from __future__ import annotations

import contextlib
import io
import math
import shutil
import warnings
import zipfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from baimq import cli
from baimq.config import get_project
from baimq.errors import DataError
from baimq.loader import check, load

from workbooks import write_book

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "baimq.toml"
RAW = ROOT / "data" / "raw"
PROJECT = get_project(CONFIG)

# The fixtures used inside @given are session-scoped (tmp_path_factory), so the health check
# about function-scoped fixtures does not apply; each example makes its own folder.
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ----------------------------------------------------------------------------- vocabulary
def mostly(common, rare, percent: int = 85):
    """*common* most of the time, else *rare*: plausible returns with odd cells in them."""
    return st.integers(0, 99).flatmap(lambda i: common if i < percent else rare)


def _words(*keys) -> list[str]:
    return sorted({w for k in keys for w in PROJECT.indicators[k].synonyms})


# Indicator families: the unit lines and header words that belong together.
FAMILIES = {
    "money": (["单位：万元", "单位：亿元", "单位：万元、%", "金额单位：亿元", "（单位：万元）", "单位：元"],
              _words("budget_revenue", "tax_revenue", "nontax_revenue", "bond_new", "bond_new_general",
                     "bond_new_special", "debt_limit_general", "debt_balance_special")
              + ["一般公共预算收入（亿元）", "新增债券（万元）"]),
    "length": (["单位：公里、%", "单位：公里", "单位：千米", "单位：km"],
               _words("road_planned_km", "road_started_km", "road_completed_km") + ["完工率（%）"]),
    "count": (["单位：家", "单位：个", "单位：户"], _words("coop_count", "coop_model_national", "coop_model_provincial")),
}
ALL_UNITS = sorted({u for units, _ in FAMILIES.values() for u in units}) + ["单位：吨", "单位：", "单位：亿元/万元"]
ALL_WORDS = sorted({w for _, words in FAMILIES.values() for w in words})

COUNTIES = ["赤坎区", "霞山区", "坡头区", "麻章区", "遂溪县", "徐闻县", "廉江市", "雷州市", "吴川市"]
TOTALS = ["全市", "全市合计", "合计", "总计", "地市小计", "市本级", "本级", "经开区", "高新区", "湛江市", "广东省",
          "茂名市", "全省"]
JUNK_AREAS = ["", " ", "备注", "填报单位：湛江市财政局", "北京市", "廉", "??", "#REF!", "0", "1.", "其中：",
              "=HYPERLINK(\"http://x\",\"点\")", "\u200b赤坎区", "赤坎区赤坎区", "A" * 300]
AREA_HEADERS = ["地区", "县（市、区）", "单位名称", "区县", "地   区", "地区名称"]
ODD_AREA_HEADERS = ["单位", "项目", "", "序号", "备注", "地区地区", "=A1"]
SUB_HEADERS = ["本年累计", "上年同期", "同比增长（%）", "同比增长", "增减%", "本月", "累计", "金额", "（亿元）",
               "（万元）", "年度任务", "完成率", "占比", "A=B+C", "B", "", "1-6月", "2023年", "2022年底",
               "目标任务", "其中：税收收入", "比上年增减", "备注", "可比增长（%）", "2025年（新口径）"]
TITLES = ["2023年1-6月各县（市、区）一般公共预算收入完成情况表", "截至2023年6月30日农村公路建设进度",
          "2023年上半年新增债券分配情况", "2022年底农民合作社情况", "2023年目标任务分解表", "2023年1-12月完成情况",
          "2021年", "2023年6月底"]
ODD_TITLES = ["各地完成情况", "2023.6", "20231301", "9999年99月", "1-13月", "示例数据", "2023年2月30日",
              "0000年1月", "2023年1-6月 2022年1-6月", "截至2023年13月"]
NOTES = ["注：本表为示例数据", "说明：数据来源于财政局", "填报单位：××县  填报日期：2023-07-05", "AD_CODE#",
         "VALID#", "资料来源：统计年鉴"]
# Text a worksheet can hold (XML 1.0 forbids most control characters; openpyxl refuses them).
TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n"), max_size=8)


def _area_variants(name: str) -> list[str]:
    short = name[:-1] if len(name) == 3 else name
    return [name, short, "　".join(name), f"1.{name}", f"（三）{name}", f"湛江市{name}", f"  {name}",
            f"{name}\n", f"其中：{name}"]


AREAS = mostly(st.sampled_from(COUNTIES).flatmap(lambda n: st.sampled_from(_area_variants(n))),
               st.one_of(st.sampled_from(TOTALS), st.sampled_from(JUNK_AREAS), TEXT), 75)
NUMBERS = st.one_of(
    st.floats(0, 1e5, allow_nan=False).map(lambda x: round(x, 2)), st.integers(0, 10**5),
    st.floats(-1e6, 1e7, allow_nan=False), st.integers(-10**6, 10**9),
    st.sampled_from([0, 0.0, -0.0, 1e300, -1e300, 1e-300, 5e-324, 2**63, -(2**53), float("inf")]))
NUMBER_TEXT = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(lambda x: f"{x:,.2f}"),
    st.floats(-300, 300, allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.1f}%"),
    st.floats(-300, 300, allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.1f}％"),
    st.sampled_from(["-", "—", "/", "－", "——", "NaN", "nan", "#N/A", "#DIV/0!", "inf", "-inf", "1e400",
                     "１２３．４", "62,391.5", "(12.5)", "1.2.3", "五十", "待报", "0x1F", "1_000", "  8.5  ",
                     "+5", "--3", "%", "12%%", "∞", "١٢٣", "½", "1e-400", "9" * 400, "1,2,3", "1e5%"]))
CELLS = mostly(NUMBERS, st.one_of(NUMBER_TEXT, st.none(), st.just(""), TEXT, st.booleans()), 70)


@st.composite
def header_block(draw, words: list[str]):
    """1-3 header rows over ``n`` value columns, with the merges that group them."""
    n = draw(st.integers(1, 5))
    depth = draw(st.integers(1, 3))
    lead = [draw(mostly(st.sampled_from(AREA_HEADERS), st.sampled_from(ODD_AREA_HEADERS)))]
    if draw(st.booleans()):
        lead = ["序号"] + lead
    top = [draw(mostly(st.sampled_from(words), st.sampled_from(ALL_WORDS + SUB_HEADERS))) for _ in range(n)]
    rows = [lead + top]
    for _ in range(depth - 1):
        rows.append([None] * len(lead) + [draw(st.sampled_from(SUB_HEADERS)) for _ in range(n)])
    merges = []
    if depth > 1:
        # the lead cells span the header rows; one group word spans some columns of the top row
        merges += [(0, c, depth - 1, c) for c in range(len(lead)) if draw(st.booleans())]
        span = draw(st.integers(1, n))
        if span > 1:
            for c in range(len(lead) + 1, len(lead) + span):
                rows[0][c] = None
            merges.append((0, len(lead), 0, len(lead) + span - 1))
    return rows, merges, len(lead), n


# A tidy sheet: right words and units, county rows and totals, numbers or blanks. Half the
# sheets are tidy so that the checks behind a clean table (totals, rates, magnitudes) run too.
TIDY_CELLS = st.one_of(NUMBERS, st.sampled_from([None, "", "-", "—", "/", "1,234.5"]))


@st.composite
def sheet_grid(draw):
    """One sheet: machine rows, titles, unit line, header, data rows, notes; plus its merges."""
    units, words = FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))]
    if draw(st.booleans()):
        return draw(tidy_grid(units, words))
    grid = []
    if draw(st.integers(0, 9)) == 0:
        grid.append([draw(st.sampled_from(["AD_CODE#", "VALID#", "表68"]))])
    grid += [[draw(mostly(st.sampled_from(TITLES), st.sampled_from(ODD_TITLES)))]
             for _ in range(draw(mostly(st.just(1), st.integers(0, 2))))]
    if draw(mostly(st.just(True), st.booleans())):
        grid.append([draw(mostly(st.sampled_from(units), st.sampled_from(ALL_UNITS)))])
    head, head_merges, n_lead, n_val = draw(header_block(words))
    top = len(grid)
    grid += head
    merges = [(r0 + top, c0, r1 + top, c1) for r0, c0, r1, c1 in head_merges]
    for i in range(draw(st.integers(0, 10))):
        lead = [i + 1] if n_lead == 2 else []
        grid.append(lead + [draw(AREAS)] + [draw(CELLS) for _ in range(n_val)])
    grid += [[draw(st.sampled_from(NOTES))] for _ in range(draw(st.integers(0, 2)))]
    return grid, merges


@st.composite
def tidy_grid(draw, units: list[str], words: list[str]):
    n = draw(st.integers(1, 4))
    grid = [[draw(st.sampled_from(TITLES))], [draw(st.sampled_from(units))],
            [draw(st.sampled_from(AREA_HEADERS))] + draw(st.lists(st.sampled_from(words), min_size=n, max_size=n))]
    areas = [draw(st.sampled_from(_area_variants(a)))
             for a in draw(st.lists(st.sampled_from(COUNTIES), min_size=1, max_size=9, unique=True))]
    areas += draw(st.lists(st.sampled_from(["全市合计", "市本级", "经开区"]), max_size=3, unique=True))
    grid += [[a] + [draw(TIDY_CELLS) for _ in range(n)] for a in draw(st.permutations(areas))]
    return grid, []


def _a1(r0, c0, r1, c1) -> str:
    from openpyxl.utils import get_column_letter as col

    return f"{col(c0 + 1)}{r0 + 1}:{col(c1 + 1)}{r1 + 1}"


def _for_xls(value):
    """xlwt writes numbers as IEEE doubles and text up to 32,767 characters; bools as bools."""
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


@st.composite
def workbook_spec(draw):
    """{sheet name: grid}, merges per sheet, hidden sheets and the suffix."""
    suffix = draw(st.sampled_from([".xlsx", ".xls"]))
    names = draw(st.lists(st.sampled_from(["Sheet1", "2023.6", "填表说明", "一般公共预算收入", "表1", "Sheet 2"]),
                          min_size=1, max_size=3, unique=True))
    sheets, merged = {}, {}
    for name in names:
        grid, merges = draw(sheet_grid())
        if suffix == ".xls":
            grid = [[_for_xls(v) for v in row] for row in grid]
        sheets[name] = grid
        merged[name] = [_a1(*m) for m in merges]
    hidden = [n for n in names[1:] if draw(st.booleans())]
    return sheets, merged, hidden, suffix


# ----------------------------------------------------------------------------- what must hold
def _load_or_data_error(path: Path):
    """``load`` gives a tidy frame or a DataError naming the file; anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl/xlwt chatter is not under test
        try:
            df = load(path, config=PROJECT)
        except DataError as exc:
            assert exc.findings and all(f.file == path.name for f in exc.findings), str(exc)
            event(f"DataError {exc.code}")
            return None
    assert isinstance(df, pd.DataFrame)
    assert all(math.isfinite(v) for v in df["value"]), "a non-finite value reached the tidy table"
    assert all(f.file in ("", path.name) for f in df.attrs["findings"])
    event("loaded: rows" if len(df) else "loaded: empty")
    return df


def _cli(argv) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = cli.main(argv)
    text = out.getvalue() + err.getvalue()
    assert code in (0, 1, 2), text
    assert "Traceback" not in text and "程序内部错误" not in text, text
    return code, text


def _write(folder: Path, spec) -> Path:
    sheets, merged, hidden, suffix = spec
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return write_book(folder / f"return{suffix}", sheets, merged=merged, hidden=hidden)


@FUZZ
@given(spec=workbook_spec())
def test_generated_workbook_loads_or_raises_data_error(spec, tmp_path_factory):
    path = _write(tmp_path_factory.mktemp("gen"), spec)
    _load_or_data_error(path)


@FUZZ
@given(spec=workbook_spec())
def test_check_on_generated_workbook_exits_0_1_2_without_traceback(spec, tmp_path_factory):
    path = _write(tmp_path_factory.mktemp("gen"), spec)
    code, text = _cli(["check", str(path), "--config", str(CONFIG)])
    found = check(path, config=PROJECT)
    # 0 exactly when check finds nothing; 1 when it finds anything
    assert code == (1 if len(found) else 0), text


# ----------------------------------------------------------------------------- mutated bytes
SEEDS = sorted([p for p in RAW.rglob("*") if p.suffix in (".xlsx", ".xls") and p.stat().st_size < 7000],
               key=lambda p: p.relative_to(RAW).as_posix())


@st.composite
def mutation(draw):
    """(seed file, list of edits): flip a byte, cut the file, insert bytes, zero a run."""
    seed = draw(st.sampled_from(SEEDS))
    size = seed.stat().st_size
    pos = st.integers(0, size - 1)
    edit = st.one_of(
        st.tuples(st.just("flip"), pos, st.integers(1, 255)),
        st.tuples(st.just("cut"), pos, st.just(0)),
        st.tuples(st.just("insert"), pos, st.binary(min_size=1, max_size=16)),
        st.tuples(st.just("zero"), pos, st.integers(1, 64)),
    )
    return seed, draw(st.lists(edit, min_size=1, max_size=4))


def _mutate(data: bytes, edits) -> bytes:
    buf = bytearray(data)
    for kind, at, arg in edits:
        at = min(at, max(len(buf) - 1, 0))
        if kind == "flip" and buf:
            buf[at] ^= arg
        elif kind == "cut":
            del buf[at:]
        elif kind == "insert":
            buf[at:at] = arg
        elif kind == "zero":
            buf[at:at + arg] = bytes(len(buf[at:at + arg]))
    return bytes(buf)


def test_there_are_small_real_workbooks_to_mutate():
    assert len(SEEDS) >= 10 and {p.suffix for p in SEEDS} == {".xlsx", ".xls"}


@FUZZ
@given(m=mutation())
def test_mutated_real_workbook_loads_or_raises_data_error(m, tmp_path_factory):
    seed, edits = m
    folder = tmp_path_factory.mktemp("mut")
    copy = folder / seed.name
    shutil.copyfile(seed, copy)  # the seed itself is only read
    copy.write_bytes(_mutate(copy.read_bytes(), edits))
    _load_or_data_error(copy)
    _cli(["check", str(copy), "--config", str(CONFIG)])


# Inside a valid container: one member's XML edited, then zipped again, so that the damage
# reaches the XML parsers instead of stopping at the zip checks.
XLSX_SEEDS = [p for p in SEEDS if p.suffix == ".xlsx"]
MEMBERS = ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml",
           "xl/styles.xml", "xl/sharedStrings.xml"]
TOKENS = [b'<c r="XFD1048576"><v>1</v></c>', b'<c r="A1048576"><v>1</v></c>', b'<mergeCell ref="A1:XFD1048576"/>',
          b'<mergeCells count="1"><mergeCell ref="B1:A0"/></mergeCells>', b'<c r="A0"><v>1</v></c>',
          b'<c r="ZZZZ1"><v>1</v></c>', b'<v>1e999</v>', b'<v>NaN</v>', b'<v>-inf</v>', b' t="e"', b' t="s"',
          b' t="d"', b'<c r="B5" t="s"><v>99999</v></c>', b'<row r="0">', b'<row r="99999999999">', b"&#0;",
          b"&#xD800;", b"\xff\xfe", b"<!-- -->", b"<![CDATA[]]>", b'<f>1/0</f>', b'<is><t>=1+1</t></is>',
          b'<sheet name="x" sheetId="1" r:id="rId99"/>', b'<sheet name="" sheetId="0" state="veryHidden"/>',
          b'<c r="A5" t="inlineStr"><is><t>' + "廉江市".encode() + b"</t></is></c>", b"</row>", b"<row>", b"<c>"]


@st.composite
def xml_mutation(draw):
    """(seed, member, edits): byte edits or hostile tokens inside one member's XML."""
    seed = draw(st.sampled_from(XLSX_SEEDS))
    member = draw(st.sampled_from(MEMBERS))
    pos = st.integers(0, 20_000)
    edit = st.one_of(
        st.tuples(st.just("insert"), pos, st.sampled_from(TOKENS)),
        st.tuples(st.just("flip"), pos, st.integers(1, 255)),
        st.tuples(st.just("insert"), pos, st.binary(min_size=1, max_size=8)),
        st.tuples(st.just("cut"), pos, st.just(0)),
    )
    return seed, member, draw(st.lists(edit, min_size=1, max_size=3))


def _mutate_member(src: Path, dest: Path, member: str, edits) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, _mutate(data, edits) if info.filename == member else data)
    return dest


@FUZZ
@given(m=xml_mutation())
def test_mutated_xml_inside_a_real_workbook_loads_or_raises_data_error(m, tmp_path_factory):
    seed, member, edits = m
    path = _mutate_member(seed, tmp_path_factory.mktemp("xml") / seed.name, member, edits)
    _load_or_data_error(path)
    _cli(["check", str(path), "--config", str(CONFIG)])


def test_mutation_helper_edits_as_described():
    # flip 0x00^0x0f = 0x0f at 1; insert b"zz" at 0; cut at 3 of "zz?0f..." keeps "zz" + first byte
    assert _mutate(b"\x00\x00\x00", [("flip", 1, 0x0F)]) == b"\x00\x0f\x00"
    assert _mutate(b"abc", [("insert", 0, b"zz"), ("cut", 3, 0)]) == b"zza"
    assert _mutate(b"abcdef", [("zero", 4, 64)]) == b"abcd\x00\x00"


def test_seed_workbooks_themselves_load():
    """The unmutated seeds load cleanly: a fuzz failure is the mutation's doing."""
    for seed in SEEDS[:3]:
        assert len(load(seed, config=PROJECT)) > 0


# ----------------------------------------------------------------------------- found by fuzzing
def test_infinite_numbers_are_refused_not_loaded(tmp_path):
    """Found by the generated-layout fuzzer: an .xls number cell holding inf loaded as inf 亿元."""
    from baimq.parse import parse_number

    for raw in (float("inf"), float("-inf"), "1e400", "9" * 400, 10 ** 400):
        assert parse_number(raw).value is None and parse_number(raw).bad, raw
    path = write_book(tmp_path / "inf.xls", [["2023年1-6月"], ["单位：万元"], ["地区", "一般公共预算收入"],
                                            ["赤坎区", float("inf")], ["霞山区", 50000.0]])
    try:
        load(path, config=PROJECT)
    except DataError as exc:
        assert [(f.code, f.cell) for f in exc.findings] == [("text_in_number", "B4")]
    else:
        raise AssertionError("inf loaded")
