"""Tests for baimq.deck: the 16:9 bulletin deck with native charts."""
from __future__ import annotations

import io
import math
import struct
import zipfile
import zlib

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE, XL_TICK_LABEL_POSITION
from pptx.enum.shapes import MSO_SHAPE_TYPE

from baimq.deck import Slide, build_deck, slide_from_table
from baimq.tables import write_tables

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
COUNTIES = ["廉江市", "遂溪县", "坡头区"]
NOTES = "1-6月，全市一般公共预算收入69.44亿元，同比增长6.2%。分县看，廉江市（14.9%）增速居前。"


def _png(width: int, height: int) -> bytes:
    """A minimal red RGB PNG of the given size (no pHYs chunk: 72 dpi for python-pptx)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def slides(tmp_path):
    png = tmp_path / "map.png"
    png.write_bytes(_png(400, 200))
    return [
        Slide("廉江市增速全市第一", kind="bar", categories=COUNTIES,
              series={"2023年1-6月": [7.125, 4.5, 2.0], "2022年1-6月": [6.2, 4.08, 2.07]},
              unit="亿元", notes=NOTES, source="数据来源：市财政局"),
        Slide("增速排名", kind="barh", categories=COUNTIES, series={"同比增长": [0.149, 0.104, -0.034]},
              number_format="0.0%", text="坡头区同比下降3.4%。"),
        Slide("逐月累计", kind="line", categories=["4月", "5月", "6月"],
              series={"2023年": [44.0, math.nan, 69.44]}),
        Slide("税收占比", kind="pie", categories=["税收收入", "非税收入"], series={"1-6月": [45.1, 24.34]}),
        Slide("各镇分布", kind="picture", image=png, source="数据来源：市农业农村局"),
        Slide("下一步工作", kind="text", text="一、抓收入。\n二、保进度。"),
    ]


@pytest.fixture
def deck(tmp_path, slides):
    path = build_deck(slides, tmp_path / "通报.pptx", title="百千万工程月度通报", subtitle="湛江市指挥办")
    return Presentation(path)


def _charts(prs):
    return [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]


def test_slides_size_and_titles(deck):
    assert (deck.slide_width, deck.slide_height) == (12192000, 6858000)   # 13.333 × 7.5 in
    assert len(deck.slides) == 7                                            # title slide + 6
    titles = [s.shapes.title.text_frame.text for s in deck.slides]
    assert titles == ["百千万工程月度通报", "廉江市增速全市第一", "增速排名", "逐月累计", "税收占比",
                      "各镇分布", "下一步工作"]


def test_native_chart_types_and_values(deck):
    charts = _charts(deck)
    assert [c.chart_type for c in charts] == [XL_CHART_TYPE.COLUMN_CLUSTERED, XL_CHART_TYPE.BAR_CLUSTERED,
                                              XL_CHART_TYPE.LINE_MARKERS, XL_CHART_TYPE.PIE]
    bar = charts[0].plots[0]
    assert list(bar.categories) == COUNTIES
    assert [s.name for s in bar.series] == ["2023年1-6月", "2022年1-6月"]
    assert bar.series[0].values == (7.125, 4.5, 2.0)
    assert bar.series[1].values == (6.2, 4.08, 2.07)
    assert charts[1].plots[0].series[0].values == (0.149, 0.104, -0.034)
    assert charts[2].plots[0].series[0].values == (44.0, None, 69.44)      # NaN → gap, not 0
    assert charts[0].has_legend and not charts[1].has_legend


def test_data_labels_show_values_in_the_number_format(deck):
    bar, barh = _charts(deck)[:2]
    labels = bar.plots[0].data_labels
    assert bar.plots[0].has_data_labels and labels.show_value
    assert (labels.number_format, labels.number_format_is_linked) == ("0.00", False)
    assert barh.plots[0].data_labels.number_format == "0.0%"
    assert barh.category_axis.reverse_order                                 # first county on top
    # names at the edge, clear of the negative bar of 坡头区
    assert barh.category_axis.tick_label_position == XL_TICK_LABEL_POSITION.LOW
    # reversed categories: the value axis meets the last category, i.e. stays at the bottom
    assert barh._chartSpace.xpath("c:chart/c:plotArea/c:valAx/c:crosses/@val") == ["max"]
    pie = _charts(deck)[3]
    assert pie.plots[0].data_labels.show_category_name and not pie.has_legend


def test_east_asian_font_everywhere(deck):
    slide = deck.slides[1]
    title_rpr = slide.shapes.title.text_frame.paragraphs[0].runs[0].font._rPr
    assert title_rpr.find(f"{A}ea").get("typeface") == "Microsoft YaHei"
    boxes = [sh for sh in slide.shapes if sh.has_text_frame and sh != slide.shapes.title]
    for box in boxes:                                                       # unit line and source line
        assert box.text_frame.paragraphs[0].runs[0].font._rPr.find(f"{A}ea").get("typeface") == "Microsoft YaHei"
    space = _charts(deck)[0]._chartSpace
    for where in ("c:txPr", "c:chart/c:plotArea/c:catAx/c:txPr", "c:chart/c:plotArea/c:valAx/c:txPr",
                  "c:chart/c:plotArea/c:barChart/c:dLbls/c:txPr", "c:chart/c:legend/c:txPr"):
        found = space.xpath(f"{where}//a:defRPr/a:ea/@typeface")      # python-pptx knows c: and a:
        assert found == ["Microsoft YaHei"], where


def test_font_is_configurable(tmp_path):
    path = build_deck([Slide("标题", kind="text", text="正文")], tmp_path / "d.pptx", title="封面",
                      ea_font="SimHei", latin_font="Arial")
    with zipfile.ZipFile(path) as z:
        xml = z.read("ppt/slides/slide2.xml").decode()
    assert '<a:latin typeface="Arial"/><a:ea typeface="SimHei"/>' in xml


def test_notes_text_source_and_picture(deck):
    first = deck.slides[1]
    assert first.notes_slide.notes_text_frame.text == NOTES
    texts = [sh.text_frame.text for sh in first.shapes if sh.has_text_frame]
    assert "单位：亿元" in texts and "数据来源：市财政局" in texts
    assert [sh.text_frame.text for sh in deck.slides[2].shapes if sh.has_text_frame][-1] == "坡头区同比下降3.4%。"
    pics = [sh for sh in deck.slides[5].shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pics) == 1
    # 400×200 px at 72 dpi into the 11 277 600 × 4 663 440 EMU body: height limits, aspect 2:1 kept,
    # centred: left = 457 200 + (11 277 600 − 9 326 880) / 2 = 1 432 560.
    pic = pics[0]
    assert pic.height == 4663440 and pic.width == 9326880 and pic.left == 1432560
    body = [sh.text_frame.text for sh in deck.slides[6].shapes if sh.has_text_frame]
    assert "一、抓收入。\n二、保进度。" in body


def test_two_builds_are_byte_identical(tmp_path, slides):
    a = build_deck(slides, tmp_path / "a.pptx", title="通报")
    b = build_deck(slides, tmp_path / "b.pptx", title="通报")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:                   # the chart's embedded workbook has fixed dates too
        inner = zipfile.ZipFile(io.BytesIO(z.read("ppt/embeddings/Microsoft_Excel_Sheet1.xlsx")))
        assert "2000-01-01T00:00:00Z" in inner.read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in z.read("docProps/core.xml").decode()


def test_deck_numbers_equal_table_numbers(tmp_path):
    table = pd.DataFrame({"地区": COUNTIES, "1-6月（亿元）": [7.125, 4.5, 2.0], "同比增长": [0.149, 0.104, -0.034]})
    before = table.copy()
    slide = slide_from_table(table, "廉江市增速全市第一", category="地区", columns=["1-6月（亿元）"],
                             kind="bar", unit="亿元")
    pd.testing.assert_frame_equal(table, before)
    prs = Presentation(build_deck([slide], tmp_path / "d.pptx", title="通报"))
    ws = openpyxl.load_workbook(write_tables({"收入": table}, tmp_path / "t.xlsx"))["收入"]
    plot = _charts(prs)[0].plots[0]
    assert list(plot.categories) == [c.value for c in ws["A"][1:]]
    assert list(plot.series[0].values) == [c.value for c in ws["B"][1:]]


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="bar", categories=["甲", "乙"], series={"s": [1.0]}), "个数"),
    (dict(kind="pie", categories=["甲"], series={"a": [1.0], "b": [2.0]}), "饼图"),
    (dict(kind="picture"), "image"),
    (dict(kind="radar", categories=["甲"], series={"a": [1.0]}), "不支持"),
    (dict(kind="line"), "categories"),
    (dict(kind="bar", categories=["甲"], series={"a": ["多"]}), "非数值"),
])
def test_bad_specs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Slide("标题", **kwargs)


def test_slide_keeps_its_own_copy(tmp_path):
    cats, values = ["甲", "乙"], [1.0, 2.0]
    slide = Slide("标题", categories=cats, series={"s": values})
    cats.append("丙")
    values[0] = 99.0
    assert slide.categories == ("甲", "乙") and slide.series["s"] == (1.0, 2.0)


def test_refuses_to_write_into_raw_data(tmp_path):
    with pytest.raises(ValueError, match="data/raw"):
        build_deck([], tmp_path / "data" / "raw" / "d.pptx", title="通报")


def test_picture_from_a_matplotlib_figure(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 2))
    fig.add_subplot().bar(["a", "b"], [1, 2])                         # Latin: no font set-up needed
    path = build_deck([Slide("图", kind="picture", image=fig)], tmp_path / "f.pptx", title="通报")
    again = build_deck([Slide("图", kind="picture", image=fig)], tmp_path / "g.pptx", title="通报")
    assert path.read_bytes() == again.read_bytes()
    pic = [sh for sh in Presentation(path).slides[1].shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE][0]
    assert pic.image.content_type == "image/png"
    assert pic.width == pytest.approx(2 * pic.height, abs=2)            # 4 × 2 in figure keeps 2:1
