"""Build the bundled sample workbooks in data/raw (real published figures + 示例数据).

Usage: ``.venv/bin/python scripts/build_sample_data.py [--out DIR]`` (default: data/raw).

Deterministic: fixed seeds, fixed workbook dates and zip timestamps, so two builds give the
same bytes. Every file is written anew; workbooks left in real/ or sample/ by an earlier build
that this build no longer writes are removed (nothing else in the folder is touched).
Layouts and the origin of every file are described in data/raw/README.md.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _sample_bonds import build_bonds  # noqa: E402
from _sample_budget import build_budget  # noqa: E402
from _sample_coops import build_coops, build_targets  # noqa: E402
from _sample_real import build_real  # noqa: E402
from _sample_roads import build_roads  # noqa: E402

DEFAULT_OUT = HERE.parent / "data" / "raw"
BUILDERS = (build_real, build_budget, build_bonds, build_roads, build_coops, build_targets)


def build(out: Path) -> list[Path]:
    """Write every sample workbook under *out*; return their paths (sorted)."""
    # Load inputs: data/reference/*.csv (real) and the fixed seeds (synthetic).
    # Process data and save outputs: each builder lays out and writes its family.
    out = Path(out)
    paths: list[Path] = []
    for builder in BUILDERS:
        paths += builder(out)
    _remove_stale(out, set(paths))
    return sorted(paths)


def _remove_stale(out: Path, written: set[Path]) -> None:
    for sub in ("real", "sample"):
        for p in (out / sub).rglob("*"):
            if p.suffix in (".xls", ".xlsx") and p not in written:
                p.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成 data/raw 中的示例工作簿（真实公布数 + 示例数据）")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="输出文件夹（默认 data/raw）")
    args = parser.parse_args(argv)
    paths = build(args.out)
    size = sum(p.stat().st_size for p in paths)
    print(f"已生成 {len(paths)} 个工作簿，共 {size / 1024:.0f} KB：{args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
