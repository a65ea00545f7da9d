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
    "DataError": "errors", "Finding": "errors",
    "get_project": "config", "Project": "config", "Indicator": "config",
    "AreaResolver": "areas",
    "load": "loader", "check": "loader",
}


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'baimq' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
