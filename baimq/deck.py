"""The bulletin deck: a 16:9 PowerPoint file built from a short list of slide specs.

Bar, line and pie charts are native PowerPoint charts (editable in PowerPoint, data in an
embedded workbook); anything else goes in as a picture (PNG from :mod:`baimq.plots`). Every
piece of text carries the East Asian font in ``a:ea`` (PowerPoint picks the Chinese font from
it, not from the Latin name). The file is written atomically and is byte-identical on every
run over the same slides.

Examples
--------
>>> slides = [Slide("廉江市增速全市第一", kind="bar", categories=["廉江市", "遂溪县"],
...                 series={"同比增长": [0.149, 0.104]}, number_format="0.0%",
...                 source="数据来源：市财政局", notes="1-6月，全市一般公共预算收入……")]
>>> build_deck(slides, "out/通报.pptx", title="百千万工程月度通报")  # doctest: +SKIP
"""
from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_AXIS_CROSSES, XL_CHART_TYPE, XL_DATA_LABEL_POSITION, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from .outputs import FIXED_DATETIME, guard, normalise_zip_bytes, write_bytes

DEFAULT_EA_FONT = "Microsoft YaHei"
SLIDE_WIDTH, SLIDE_HEIGHT = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in (16:9)

#: Slide kinds and the native chart type each draws.
CHART_TYPES = {
    "bar": XL_CHART_TYPE.COLUMN_CLUSTERED,    # vertical bars, counties on the horizontal axis
    "barh": XL_CHART_TYPE.BAR_CLUSTERED,      # horizontal bars (rankings), first category on top
    "bar_stacked": XL_CHART_TYPE.COLUMN_STACKED,  # parts of a whole per county (一般/专项债券)
    "line": XL_CHART_TYPE.LINE_MARKERS,
    "pie": XL_CHART_TYPE.PIE,
}
KINDS = (*CHART_TYPES, "picture", "text")
_GREY = RGBColor(0x59, 0x59, 0x59)
_MARGIN = Inches(0.5)
_BODY_TOP, _BODY_HEIGHT = Inches(1.55), Inches(5.1)


@dataclass(frozen=True)
class Slide:
    """One slide: a chart, a picture or text, with the finding as its title.

    Parameters
    ----------
    title : str
        The finding ("廉江市增速全市第一").
    kind : {"bar", "barh", "bar_stacked", "line", "pie", "picture", "text"}
    categories : sequence of str
        Category labels (county names, months).
    series : mapping of series name to values
        One value per category; None or NaN for a missing value. A pie takes one series.
    number_format : str
        Excel number format of the data labels and value axis (``"0.00"``, ``"0.0%"``).
    unit : str
        Shown above the chart as "单位：亿元".
    notes : str
        The 通报 paragraph for the speaker notes.
    text : str
        Text in a box on the slide: beside the chart, or the body of a ``"text"`` slide.
    image : path, bytes or matplotlib Figure
        The PNG of a ``"picture"`` slide (a Figure is saved as PNG at 200 dpi).
    source : str
        The source line under the chart ("数据来源：市财政局").
    """

    title: str
    kind: str = "bar"
    categories: Sequence[str] = ()
    series: Mapping[str, Sequence[float | None]] = field(default_factory=dict)
    number_format: str = "0.00"
    unit: str = ""
    notes: str = ""
    text: str = ""
    image: str | os.PathLike | bytes | object | None = None
    source: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"幻灯片「{self.title}」类型「{self.kind}」不支持；可用：{'、'.join(KINDS)}")
        cats = tuple(str(c) for c in self.categories)
        try:
            series = {str(k): tuple(_clean(v) for v in vals) for k, vals in dict(self.series).items()}
        except (TypeError, ValueError) as exc:
            raise ValueError(f"幻灯片「{self.title}」：数据系列含非数值：{exc}") from None
        object.__setattr__(self, "categories", cats)
        object.__setattr__(self, "series", series)
        if self.kind in CHART_TYPES:
            if not cats or not series:
                raise ValueError(f"幻灯片「{self.title}」：图表需要分类（categories）和数据系列（series）。")
            bad = [k for k, v in series.items() if len(v) != len(cats)]
            if bad:
                raise ValueError(f"幻灯片「{self.title}」：系列「{'、'.join(bad)}」的数值个数与分类个数（{len(cats)}）不符。")
            if self.kind == "pie" and len(series) != 1:
                raise ValueError(f"幻灯片「{self.title}」：饼图只能有一个数据系列，现有{len(series)}个。")
        if self.kind == "picture" and self.image is None:
            raise ValueError(f"幻灯片「{self.title}」：图片幻灯片需要 image（PNG 文件）。")


def _clean(value) -> float | None:
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def slide_from_table(df: pd.DataFrame, title: str, *, category: str, columns: Sequence[str],
                     **options) -> Slide:
    """A chart slide whose numbers are the table's: categories from *category*, one series per column.

    ``options`` are the other :class:`Slide` fields (kind, number_format, unit, notes, source …).
    *df* is not modified.
    """
    return Slide(title, categories=list(df[category]),
                 series={c: list(df[c]) for c in columns}, **options)


# --------------------------------------------------------------------------- fonts
@dataclass(frozen=True)
class _Fonts:
    ea: str
    latin: str


def set_font(font, fonts: _Fonts, *, size: float | None = None, bold: bool | None = None,
             color: RGBColor | None = None) -> None:
    """Set the Latin (``a:latin``) and East Asian (``a:ea``) typeface of a python-pptx Font.

    Works on run properties (``a:rPr``) and on the default run properties of chart text
    (``a:defRPr``). python-pptx's ``font.name`` sets only ``a:latin``; PowerPoint takes the
    typeface for Chinese characters from ``a:ea``, which must follow ``a:latin``.
    """
    font.name = fonts.latin
    rpr = font._rPr
    for old in rpr.findall(qn("a:ea")):
        rpr.remove(old)
    ea = OxmlElement("a:ea")
    ea.set("typeface", fonts.ea)
    rpr.find(qn("a:latin")).addnext(ea)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color


def _fill_text(text_frame, text: str, fonts: _Fonts, *, size: float, bold: bool = False,
               color: RGBColor | None = None, align=None) -> None:
    """Put *text* (paragraphs split on newlines) into *text_frame* with the fonts set on every run."""
    text_frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        para = text_frame.paragraphs[0] if i == 0 else text_frame.add_paragraph()
        para.text = line
        if align is not None:
            para.alignment = align
        for run in para.runs:
            set_font(run.font, fonts, size=size, bold=bold, color=color)


def _text_box(shapes, text: str, box: tuple, fonts: _Fonts, **style):
    shape = shapes.add_textbox(*box)
    _fill_text(shape.text_frame, text, fonts, **style)
    return shape


# --------------------------------------------------------------------------- slide parts
def _chart(shapes, spec: Slide, box: tuple, fonts: _Fonts):
    data = CategoryChartData(number_format=spec.number_format)
    data.categories = spec.categories
    for name, values in spec.series.items():
        data.add_series(name, values)
    chart = shapes.add_chart(CHART_TYPES[spec.kind], *box, data).chart
    set_font(chart.font, fonts, size=14)
    plot = chart.plots[0]
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format, labels.number_format_is_linked = spec.number_format, False
    labels.show_value = True
    set_font(labels.font, fonts, size=12)
    chart.has_legend = spec.kind != "pie" and len(spec.series) > 1  # pie labels name the slices
    if chart.has_legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
        set_font(chart.legend.font, fonts, size=12)
    if spec.kind == "pie":
        labels.show_category_name = True
        labels.position = XL_DATA_LABEL_POSITION.OUTSIDE_END
        return chart
    labels.position = {"line": XL_DATA_LABEL_POSITION.ABOVE,
                       "bar_stacked": XL_DATA_LABEL_POSITION.CENTER}.get(spec.kind, XL_DATA_LABEL_POSITION.OUTSIDE_END)
    if spec.kind != "line":
        plot.gap_width = 80
    elif len(spec.series) > 1:  # labels on the latest series only: two labelled lines overlap
        for series in list(plot.series)[:-1]:
            series.data_labels.show_value = False
    if spec.kind == "barh":  # first category on top, value axis kept at the bottom
        chart.category_axis.reverse_order = True
        value_axis_xml = chart.value_axis._element  # valAx/c:crosses: where it meets the category axis
        value_axis_xml._remove_crosses()
        value_axis_xml._add_crosses(val=XL_AXIS_CROSSES.MAXIMUM)
    # county names at the chart's edge, not on the zero line where negative bars would cover them
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    value_axis = chart.value_axis
    value_axis.has_major_gridlines = True
    value_axis.tick_labels.number_format = spec.number_format
    value_axis.tick_labels.number_format_is_linked = False
    values = [v for vals in spec.series.values() for v in vals if v is not None]
    if spec.kind != "line" and values and min(values) >= 0:
        value_axis.minimum_scale = 0  # bars start at zero: an automatic axis may start at 6200
    for axis in (chart.category_axis, value_axis):
        set_font(axis.tick_labels.font, fonts, size=12)
    return chart


def _png_source(image):
    """A file name or stream python-pptx can read: path, PNG bytes, or a matplotlib Figure."""
    if hasattr(image, "savefig"):
        buffer = io.BytesIO()
        image.savefig(buffer, format="png", dpi=200, metadata={"Software": None})
        return io.BytesIO(buffer.getvalue())
    return io.BytesIO(image) if isinstance(image, bytes) else os.fspath(image)


def _picture(shapes, image, box: tuple):
    """Add *image* scaled to fit *box* (aspect ratio kept) and centred in it."""
    source = _png_source(image)
    pic = shapes.add_picture(source, box[0], box[1])
    scale = min(box[2] / pic.width, box[3] / pic.height)
    pic.width, pic.height = int(pic.width * scale), int(pic.height * scale)
    pic.left = box[0] + (box[2] - pic.width) // 2
    pic.top = box[1] + (box[3] - pic.height) // 2
    return pic


def _title(slide, text: str, fonts: _Fonts) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = _MARGIN, Inches(0.3), SLIDE_WIDTH - 2 * _MARGIN, Inches(1.0)
    _fill_text(shape.text_frame, text, fonts, size=30, bold=True, align=PP_ALIGN.LEFT)


def _content_slide(prs, spec: Slide, fonts: _Fonts):
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
    _title(slide, spec.title, fonts)
    width = SLIDE_WIDTH - 2 * _MARGIN
    body_width = width if spec.kind == "text" or not spec.text else int(width * 0.64)
    body = (_MARGIN, _BODY_TOP, body_width, _BODY_HEIGHT)
    if spec.unit:
        _text_box(slide.shapes, f"单位：{spec.unit}", (_MARGIN, Inches(1.2), body_width, Inches(0.35)),
                  fonts, size=12, color=_GREY, align=PP_ALIGN.RIGHT)
    if spec.kind in CHART_TYPES:
        _chart(slide.shapes, spec, body, fonts)
    elif spec.kind == "picture":
        _picture(slide.shapes, spec.image, body)
    if spec.kind == "text" or spec.text:
        left = _MARGIN if spec.kind == "text" else _MARGIN + body_width + Inches(0.25)
        box_width = width if spec.kind == "text" else width - body_width - Inches(0.25)
        _text_box(slide.shapes, spec.text or spec.notes, (left, _BODY_TOP, box_width, _BODY_HEIGHT),
                  fonts, size=20 if spec.kind == "text" else 16)
    if spec.source:
        _text_box(slide.shapes, spec.source, (_MARGIN, Inches(6.75), width, Inches(0.4)),
                  fonts, size=12, color=_GREY)
    if spec.notes:
        _fill_text(slide.notes_slide.notes_text_frame, spec.notes, fonts, size=14)
    return slide


def _title_slide(prs, title: str, subtitle: str, fonts: _Fonts):
    slide = prs.slides.add_slide(prs.slide_layouts[0])  # "Title Slide"
    head, sub = slide.placeholders[0], slide.placeholders[1]
    head.left, head.top, head.width, head.height = Inches(0.9), Inches(2.2), SLIDE_WIDTH - Inches(1.8), Inches(1.6)
    sub.left, sub.top, sub.width, sub.height = Inches(0.9), Inches(4.0), SLIDE_WIDTH - Inches(1.8), Inches(1.2)
    _fill_text(head.text_frame, title, fonts, size=40, bold=True, align=PP_ALIGN.CENTER)
    if subtitle:
        _fill_text(sub.text_frame, subtitle, fonts, size=20, color=_GREY, align=PP_ALIGN.CENTER)
    else:
        sub._element.getparent().remove(sub._element)
    return slide


# --------------------------------------------------------------------------- the deck
def build_deck(slides: Sequence[Slide], path: str | os.PathLike, *, title: str, subtitle: str = "",
               ea_font: str = DEFAULT_EA_FONT, latin_font: str | None = None) -> Path:
    """Write a 16:9 deck: a title slide, then one slide per :class:`Slide`.

    Parameters
    ----------
    slides : sequence of Slide
    path : path
        The ``.pptx`` file; written atomically, never inside ``data/raw`` or over a source.
    title, subtitle : str
        The title slide ("百千万工程2023年6月通报", "湛江市百千万工程指挥办　2023年7月").
    ea_font : str
        East Asian typeface of all text (default Microsoft YaHei, on every office PC).
    latin_font : str, optional
        Latin typeface; the East Asian one when not given.

    Returns
    -------
    Path
        *path*; two builds over the same slides give byte-identical files.
    """
    guard(path)
    fonts = _Fonts(ea=ea_font, latin=latin_font or ea_font)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    _title_slide(prs, title, subtitle, fonts)
    for spec in slides:
        _content_slide(prs, spec, fonts)
    props = prs.core_properties
    props.title, props.author, props.last_modified_by = title, "baimq", "baimq"
    props.created = props.modified = FIXED_DATETIME
    props.revision = 1
    buffer = io.BytesIO()
    prs.save(buffer)
    return write_bytes(path, normalise_zip_bytes(buffer.getvalue()))
