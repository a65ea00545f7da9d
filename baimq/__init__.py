"""baimq: indicator tracking for Guangdong's 百县千镇万村高质量发展工程.

Load messy county returns into one tidy, checked table (:func:`load`, :func:`check`),
compare the way official reports do, and chart and report the results.
"""
from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# Public names and the module that defines each; imported on first use so that
# ``baimq check`` starts quickly.
_EXPORTS = {
    "Slide": "deck", "build_deck": "deck", "slide_from_table": "deck",
    "write_tables": "tables", "write_csv": "tables",
    "atomic_path": "outputs", "guard": "outputs", "register_sources": "outputs", "normalise_zip": "outputs",
    "DataError": "errors", "Finding": "errors", "findings": "loader",
    "get_project": "config", "Project": "config", "Indicator": "config",
    "AreaResolver": "areas",
    "inspect_file": "safety", "inspect_workbook": "safety", "Limits": "safety",
    "load": "loader", "check": "loader",
    "collect": "inbox", "CollectResult": "inbox",
    "make_templates": "template", "write_template": "template", "read_template": "template",
    "yoy": "compare", "monthly": "compare", "mom": "compare", "share": "compare",
    "contribution": "compare", "rank": "compare", "avg_growth": "compare",
    "progress": "compare", "LightRule": "compare",
    "describe": "narrative", "describe_facts": "narrative",
    "save_figure": "plots", "new_figure": "plots", "use_style": "plots",
}


# Submodules reachable as attributes (``baimq.words.fmt_pct``) without an explicit import.
_SUBMODULES = {"words", "plots", "compare", "fonts", "areas", "schema", "config", "deck", "tables",
               "outputs", "report", "template", "inbox", "narrative", "safety", "cache"}


def __getattr__(name):
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'baimq' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
