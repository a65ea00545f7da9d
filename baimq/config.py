"""Project configuration and the indicator catalogue.

The built-in catalogue lives in ``baimq/data/catalogue.toml``. A project's ``baimq.toml``
(found in the working folder or its parents, or named by ``BAIMQ_CONFIG`` or passed
explicitly) sets the city, its own-level and functional-zone areas, the traffic-light rule,
and adds indicators without touching code.
"""
from __future__ import annotations

import copy
import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
CATALOGUE_FILE = DATA_DIR / "catalogue.toml"
CONFIG_NAME = "baimq.toml"

DEFAULT_LIGHTS = {"yellow_within": 10.0}


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry."""

    key: str
    name: str
    unit: str
    additive: bool = True
    higher_is_better: bool = True
    cumulative: bool = False
    family: str = ""
    source: str = ""
    parent: str = ""
    target_of: str = ""
    synonyms: tuple[str, ...] = ()
    plausible: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Project:
    """A resolved project configuration (built-in catalogue merged with the project's file)."""

    city: str = "湛江市"
    province: str = "广东省"
    areas: dict = field(default_factory=dict)
    lights: dict = field(default_factory=lambda: dict(DEFAULT_LIGHTS))
    indicators: dict[str, Indicator] = field(default_factory=dict)
    rates: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    unit_families: dict = field(default_factory=dict)
    path: Path | None = None
    fingerprint: str = ""

    def indicator(self, key: str) -> Indicator:
        try:
            return self.indicators[key]
        except KeyError:
            raise KeyError(f"未知指标「{key}」；可用指标：{'、'.join(self.indicators)}") from None

    @property
    def root(self) -> Path:
        """The folder of the project's config file (or the working folder)."""
        return self.path.parent if self.path else Path.cwd()


def find_config(start: str | os.PathLike | None = None) -> Path | None:
    """The project config: ``BAIMQ_CONFIG``, else ``baimq.toml`` in *start* or a parent."""
    env = os.environ.get("BAIMQ_CONFIG")
    if env:
        return Path(env)
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _read_toml(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _indicator(key: str, spec: dict) -> Indicator:
    return Indicator(
        key=key,
        name=spec["name"],
        unit=spec["unit"],
        additive=bool(spec.get("additive", True)),
        higher_is_better=bool(spec.get("higher_is_better", True)),
        cumulative=bool(spec.get("cumulative", False)),
        family=spec.get("family", ""),
        source=spec.get("source", ""),
        parent=spec.get("parent", ""),
        target_of=spec.get("target_of", ""),
        synonyms=tuple(spec.get("synonyms", ())) or (spec["name"],),
        plausible=dict(spec.get("plausible", {})),
    )


@lru_cache(maxsize=16)
def _load_project(path: str | None, mtime: float | None) -> Project:
    base = _read_toml(CATALOGUE_FILE)
    user = _read_toml(Path(path)) if path else {}
    merged_ind = dict(base.get("indicators", {}))
    merged_ind.update(user.get("indicators", {}))
    rates = dict(base.get("rates", {}))
    rates.update(user.get("rates", {}))
    units = dict(base.get("units", {}))
    units.update(user.get("units", {}))
    lights = dict(DEFAULT_LIGHTS)
    lights.update(user.get("lights", {}))
    proj = user.get("project", {})
    digest = hashlib.sha256(CATALOGUE_FILE.read_bytes())
    if path:
        digest.update(Path(path).read_bytes())
    return Project(
        city=proj.get("city", "湛江市"),
        province=proj.get("province", "广东省"),
        areas=copy.deepcopy(user.get("areas", {})),
        lights=lights,
        indicators={k: _indicator(k, v) for k, v in merged_ind.items()},
        rates=rates,
        units=units,
        unit_families=dict(base.get("unit_families", {})),
        path=Path(path) if path else None,
        fingerprint=digest.hexdigest()[:16],
    )


def get_project(config: str | os.PathLike | Project | None = None, start=None) -> Project:
    """The project configuration.

    Parameters
    ----------
    config : path, Project or None
        A ``baimq.toml`` path, an already loaded :class:`Project`, or None to search
        ``BAIMQ_CONFIG`` and then the working folder (or *start*) and its parents.
    """
    if isinstance(config, Project):
        return config
    path = Path(config) if config else find_config(start)
    if path is not None and not path.is_file():
        raise FileNotFoundError(f"找不到项目配置文件：{path}")
    key = str(path.resolve()) if path else None
    return _load_project(key, path.stat().st_mtime if path else None)
