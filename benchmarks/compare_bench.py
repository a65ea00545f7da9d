"""Time the comparisons at town and village scale; print a markdown table.

Each table runs in its own subprocess (so that peak memory, ``ru_maxrss``, is that table's
alone): the chain ``yoy → share → contribution → rank(by="growth")`` and
``progress(actuals, targets)``, as ``benchmarks/run.py`` measures it. The first run is cold
(it includes importing ``baimq.compare`` and reading the catalogue); with ``--repeat N`` the
best of N totals is shown too.

Tables (see ``compare_data.py``):

- ``town``: 1,757 towns × 60 months × 10 indicators, categorical text, ``PeriodDtype``;
  totals are sums of parts;
- ``town+totals``: the same plus one county total row per 15 towns (totals from rows);
- ``town-object``: ``town`` with object text columns and an object column of
  Periods, as :func:`baimq.load` emits (one Period object per distinct period, shared by
  its rows, as the loader does);
- ``village`` and ``village+totals``: 26,000 areas × 60 × 10.

Usage: ``python benchmarks/compare_bench.py [--tables town,village] [--repeat 3]``
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ["yoy", "share", "contribution", "rank", "progress"]
TABLES = {
    "town": dict(n_areas=1757, totals=False, loader=False),
    "town+totals": dict(n_areas=1757, totals=True, loader=False),
    "town-object": dict(n_areas=1757, totals=False, loader=True),
    "village": dict(n_areas=26000, totals=False, loader=False),
    "village+totals": dict(n_areas=26000, totals=True, loader=False),
}


def child(n_areas: int, totals: bool, loader: bool, repeat: int) -> dict:
    """Run in the subprocess: build the table, time the chain, report JSON."""
    import resource
    import time

    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT))
    from compare_data import synthetic_table

    actuals, targets = synthetic_table(n_areas, 60, 10, totals=totals)
    if loader:
        actuals = _loader_dtypes(actuals)
    table_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    import baimq

    runs = []
    for _ in range(repeat):
        secs, out = {}, actuals
        steps = [("yoy", lambda d: baimq.yoy(d)), ("share", lambda d: baimq.share(d)),
                 ("contribution", lambda d: baimq.contribution(d)),
                 ("rank", lambda d: baimq.rank(d, by="growth"))]
        for name, fn in steps:
            t = time.perf_counter()
            out = fn(out)
            secs[name] = time.perf_counter() - t
        t = time.perf_counter()
        baimq.progress(actuals, targets)
        secs["progress"] = time.perf_counter() - t
        runs.append(secs)
        del out
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    return {"rows": len(actuals), "runs": runs, "table_gb": table_gb, "peak_gb": peak}


def _loader_dtypes(df):
    """Object text columns and an object column of Periods, like the loader's tidy table
    (which, like this, shares one Period object among the rows of a period)."""
    import numpy as np
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if str(out[col].dtype) == "category":
            out[col] = out[col].astype(object)
    codes, uniques = pd.factorize(out["period"])
    out["period"] = pd.Series(np.asarray(list(uniques), dtype=object)[codes], index=out.index,
                              dtype=object)
    return out


def run(label: str, repeat: int) -> dict:
    spec = TABLES[label]
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
            f"import compare_bench; print(json.dumps(compare_bench.child("
            f"{spec['n_areas']}, {spec['totals']}, {spec['loader']}, {repeat})))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"{label} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def markdown(results: dict) -> str:
    head = ["table", "rows", *[f"{f} s" for f in FUNCTIONS], "total s (cold)", "best total s",
            "table GB", "peak GB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, r in results.items():
        cold = r["runs"][0]
        best = min(sum(run.values()) for run in r["runs"])
        cells = [label, f"{r['rows']:,}", *[f"{cold[f]:.2f}" for f in FUNCTIONS],
                 f"{sum(cold.values()):.2f}", f"{best:.2f}" if len(r["runs"]) > 1 else "",
                 f"{r['table_gb']:.2f}", f"{r['peak_gb']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", default=",".join(TABLES),
                    help="comma-separated, from: " + ", ".join(TABLES))
    ap.add_argument("--repeat", type=int, default=3, help="runs per town-scale table")
    args = ap.parse_args(argv)
    results = {}
    for label in [t.strip() for t in args.tables.split(",") if t.strip()]:
        if label not in TABLES:
            raise SystemExit(f"unknown table {label!r}; choose from {', '.join(TABLES)}")
        repeat = args.repeat if TABLES[label]["n_areas"] < 10000 else 1
        results[label] = run(label, repeat)
        print(f"{label}: done", file=sys.stderr, flush=True)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
