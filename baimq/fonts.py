"""Chinese fonts for every chart, the same on every machine.

By default charts use Noto Sans SC (SIL Open Font License), which the pip package
``pylopdf-fonts-zh-cn`` installs: no root, no system fonts, identical output everywhere.
An office may use its own font instead (for example Microsoft YaHei):

* the environment variable ``BAIMQ_FONT``, or
* ``[charts] font = "Microsoft YaHei"`` in the project's ``baimq.toml``,

each naming either an installed font family or a font file (a relative path in ``baimq.toml``
is relative to that file's folder). Noto Sans SC stays in the family list after the office
font, so a character the office font lacks still renders (per-glyph fallback). When the
chosen font has no real minus sign (U+2212, missing from SimHei), ``axes.unicode_minus``
is turned off so matplotlib draws a hyphen instead.

:func:`setup` is idempotent and cheap after the first call; every chart function calls it.
"""
from __future__ import annotations

import os
import tomllib
import warnings
from functools import lru_cache
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from .config import find_config

#: The family name of the bundled default font.
BUNDLED_FAMILY = "Noto Sans SC"
#: Latin fallback after the Chinese fonts (ships with matplotlib).
LATIN_FALLBACK = "DejaVu Sans"
ENV_VAR = "BAIMQ_FONT"
MINUS = "\u2212"

_REGISTERED: dict[str, str] = {}  # resolved font file -> family name


def bundled_font_path() -> Path:
    """The Noto Sans SC file shipped by ``pylopdf-fonts-zh-cn``."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ImportError(
            "缺少中文字体包 pylopdf-fonts-zh-cn，请运行：pip install pylopdf-fonts-zh-cn"
        ) from exc
    return Path(sans_path())


def register_font(path: str | os.PathLike) -> str:
    """Register a font file with matplotlib (once) and return its family name."""
    key = str(Path(path).resolve())
    if key not in _REGISTERED:
        if not Path(key).is_file():
            raise FileNotFoundError(f"找不到字体文件：{path}")
        font_manager.fontManager.addfont(key)
        _REGISTERED[key] = font_manager.FontProperties(fname=key).get_name()
    return _REGISTERED[key]


def configured_font(config: str | os.PathLike | None = None) -> str:
    """The office's font setting: ``BAIMQ_FONT``, else ``[charts] font`` in baimq.toml, else "".

    A relative file path in baimq.toml is returned resolved against that file's folder.
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    path = Path(config) if config else find_config()
    if path is None or not path.is_file():
        return ""
    with open(path, "rb") as fh:
        font = str(tomllib.load(fh).get("charts", {}).get("font", "")).strip()
    if font and _looks_like_file(font) and not Path(font).is_absolute():
        font = str(path.parent / font)
    return font


def _looks_like_file(font: str) -> bool:
    return font.lower().endswith((".ttf", ".otf", ".ttc", ".otc")) or os.sep in font or "/" in font


def _installed(family: str) -> tuple[str, str] | None:
    """(family name as matplotlib spells it, file) of an installed family, or None."""
    for entry in font_manager.fontManager.ttflist:
        if entry.name.lower() == family.lower():
            return entry.name, entry.fname
    return None


@lru_cache(maxsize=32)
def _charmap(path: str) -> frozenset[int]:
    return frozenset(FT2Font(path).get_charmap())


def has_glyph(font_file: str | os.PathLike, char: str) -> bool:
    """True when the font file maps *char* to a glyph."""
    return ord(char) in _charmap(str(font_file))


def _resolve(font: str) -> tuple[str, str]:
    """(family, file) for a font setting; the bundled font when *font* is "" or unusable."""
    bundled = register_font(bundled_font_path())
    if not font:
        return bundled, str(bundled_font_path().resolve())
    if _looks_like_file(font):
        try:
            family = register_font(font)
            return family, str(Path(font).resolve())
        except (FileNotFoundError, RuntimeError, OSError):
            warnings.warn(f"字体文件「{font}」无法使用，图表改用内置字体 {bundled}。", UserWarning, stacklevel=3)
            return bundled, str(bundled_font_path().resolve())
    found = _installed(font)
    if found is None:
        warnings.warn(f"本机没有字体「{font}」，图表改用内置字体 {bundled}。", UserWarning, stacklevel=3)
        return bundled, str(bundled_font_path().resolve())
    return found


def setup(font: str | os.PathLike | None = None, *, config: str | os.PathLike | None = None) -> str:
    """Make matplotlib draw Simplified Chinese; return the family name in use.

    Parameters
    ----------
    font : str or path, optional
        A family name or font file; overrides ``BAIMQ_FONT`` and baimq.toml.
    config : path, optional
        The baimq.toml to read ``[charts] font`` from (default: the one found from the
        working folder).

    Notes
    -----
    Sets ``rcParams["font.family"]`` to ``[chosen, "Noto Sans SC", "DejaVu Sans"]`` (without
    duplicates) and ``axes.unicode_minus`` to whether the chosen font has U+2212. Calling it
    again with the same setting changes nothing.
    """
    choice = str(font) if font else configured_font(config)
    family, file = _resolve(choice)
    families = list(dict.fromkeys([family, BUNDLED_FAMILY, LATIN_FALLBACK]))
    mpl.rcParams["font.family"] = families
    mpl.rcParams["axes.unicode_minus"] = has_glyph(file, MINUS)
    return family


def minus_sign() -> str:
    """The minus sign charts should print: U+2212 when the font has it, else "-"."""
    return MINUS if mpl.rcParams["axes.unicode_minus"] else "-"
