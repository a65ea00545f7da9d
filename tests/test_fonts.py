"""baimq.fonts: Chinese glyphs everywhere, the office font by setting, a real minus or none."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from baimq import fonts  # noqa: E402

# A font that ships with matplotlib and has no U+2212 minus sign (like SimHei on office PCs).
NO_MINUS_FONT = Path(mpl.get_data_path()) / "fonts" / "ttf" / "cmr10.ttf"


@pytest.fixture(autouse=True)
def _isolate(monkeypatch):
    """Each test starts without BAIMQ_FONT and leaves rcParams and figures as it found them."""
    monkeypatch.delenv("BAIMQ_FONT", raising=False)
    with mpl.rc_context():
        yield
    plt.close("all")


def test_default_is_bundled_noto_sans_sc_with_latin_fallback_and_real_minus(tmp_path):
    family = fonts.setup(config=_toml(tmp_path, ""))
    assert family == "Noto Sans SC"
    assert mpl.rcParams["font.family"] == ["Noto Sans SC", "DejaVu Sans"]
    assert mpl.rcParams["axes.unicode_minus"] is True
    assert fonts.minus_sign() == "\u2212"


def test_setup_is_idempotent(tmp_path):
    config = _toml(tmp_path, "")
    fonts.setup(config=config)
    n_fonts = len(font_manager.fontManager.ttflist)
    families = list(mpl.rcParams["font.family"])
    fonts.setup(config=config)
    fonts.setup(config=config)
    assert len(font_manager.fontManager.ttflist) == n_fonts  # the font file is not added again
    assert list(mpl.rcParams["font.family"]) == families


def test_chinese_label_is_drawn_with_noto_sans_sc_and_no_missing_glyph(tmp_path):
    fonts.setup(config=_toml(tmp_path, ""))
    fig, ax = plt.subplots()
    label = ax.set_title("廉江市增速全市第一 −3.4%")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font" would raise here
        fig.canvas.draw()
    used = Path(font_manager.findfont(label.get_fontproperties()))
    assert used.name == "NotoSansSC-Regular.otf"
    assert used == fonts.bundled_font_path().resolve()


def test_env_font_file_without_minus_turns_unicode_minus_off(monkeypatch, tmp_path):
    monkeypatch.setenv("BAIMQ_FONT", str(NO_MINUS_FONT))
    family = fonts.setup(config=_toml(tmp_path, ""))
    assert family == "cmr10"
    assert mpl.rcParams["font.family"] == ["cmr10", "Noto Sans SC", "DejaVu Sans"]
    assert mpl.rcParams["axes.unicode_minus"] is False
    assert fonts.minus_sign() == "-"


def test_toml_font_family_name(tmp_path):
    family = fonts.setup(config=_toml(tmp_path, '[charts]\nfont = "DejaVu Sans"\n'))
    assert family == "DejaVu Sans"
    # the office font first, Noto Sans SC behind it for any character it lacks
    assert mpl.rcParams["font.family"] == ["DejaVu Sans", "Noto Sans SC"]
    assert mpl.rcParams["axes.unicode_minus"] is True  # DejaVu Sans has U+2212


def test_toml_relative_font_path_is_relative_to_the_toml(tmp_path, monkeypatch):
    (tmp_path / "fonts").mkdir()
    shutil.copy(NO_MINUS_FONT, tmp_path / "fonts" / "office.ttf")
    config = _toml(tmp_path, '[charts]\nfont = "fonts/office.ttf"\n')
    monkeypatch.chdir(tmp_path.parent)  # not the toml's folder
    assert fonts.configured_font(config) == str(tmp_path / "fonts" / "office.ttf")
    assert fonts.setup(config=config) == "cmr10"


def test_env_var_wins_over_toml(monkeypatch, tmp_path):
    monkeypatch.setenv("BAIMQ_FONT", "DejaVu Sans")
    config = _toml(tmp_path, f'[charts]\nfont = "{NO_MINUS_FONT.as_posix()}"\n')
    assert fonts.setup(config=config) == "DejaVu Sans"


def test_explicit_argument_wins_over_env(monkeypatch, tmp_path):
    monkeypatch.setenv("BAIMQ_FONT", "DejaVu Sans")
    assert fonts.setup(NO_MINUS_FONT, config=_toml(tmp_path, "")) == "cmr10"


def test_missing_family_warns_in_chinese_and_falls_back(tmp_path):
    with pytest.warns(UserWarning, match="本机没有字体「No Such Font」"):
        family = fonts.setup("No Such Font", config=_toml(tmp_path, ""))
    assert family == "Noto Sans SC"
    assert mpl.rcParams["font.family"][0] == "Noto Sans SC"


def test_missing_font_file_warns_and_falls_back(tmp_path):
    with pytest.warns(UserWarning, match="无法使用"):
        family = fonts.setup(str(tmp_path / "nope.ttf"), config=_toml(tmp_path, ""))
    assert family == "Noto Sans SC"


def test_has_glyph():
    assert fonts.has_glyph(fonts.bundled_font_path(), "湛")
    assert fonts.has_glyph(fonts.bundled_font_path(), "\u2212")
    assert not fonts.has_glyph(NO_MINUS_FONT, "\u2212")


def _toml(folder: Path, text: str) -> Path:
    path = folder / "baimq.toml"
    path.write_text(text, encoding="utf-8")
    return path
