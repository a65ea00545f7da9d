"""baimq benchmarks: run with `make bench`; results go to benchmarks/RESULTS.md.

Measures, side by side on the same files and in one run:
1. loading N generated county returns: baimq cold (1 process and in parallel), a
   ``pd.read_excel(engine="openpyxl")`` loop, a ``pd.read_excel(engine="calamine")`` loop and bare
   ``python_calamine`` reading every cell (the floor); and the bundled data/raw;
2. re-loading unchanged files through the cache (warm) against the cold load;
3. comparisons (yoy + share + contribution + rank + progress) on a town-scale table
   (1,757 towns × 60 months × 10 indicators) and a village-scale one (26,000 × 60 × 10), time and
   peak memory, each in its own subprocess;
4. ``baimq report`` end to end for one period, ``baimq check`` on one file, and the nbval run.

Options: --sizes 1000,5000  --skip-village  --skip-nbval  --out benchmarks/RESULTS.md
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402


def timed(fn, repeat=3):
    """Median wall time of *repeat* runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def floor_calamine(files):
    import python_calamine
    n = 0
    for f in files:
        wb = python_calamine.CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            n += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return n


def pandas_loop(files, engine):
    import pandas as pd
    return sum(len(df) for f in files for df in pd.read_excel(f, sheet_name=None, header=None, engine=engine).values())


def baimq_load(folder, **kw):
    import baimq
    return len(baimq.load(folder, **kw))


def bench_loading(n, folder, results):
    files = generate.generate(n, folder)
    cache_dir = Path(tempfile.mkdtemp(prefix="baimq-bench-cache-"))
    rows = {}
    rows["bare python_calamine (floor)"], _ = timed(lambda: floor_calamine(files))
    rows["pd.read_excel calamine loop"], _ = timed(lambda: pandas_loop(files, "calamine"), repeat=1)
    rows["pd.read_excel openpyxl loop"], _ = timed(lambda: pandas_loop(files, "openpyxl"), repeat=1)
    rows["baimq.load cold, 1 process"], nrows = timed(lambda: baimq_load(folder, cache=False, workers=1))
    rows["baimq.load cold, parallel"], _ = timed(lambda: baimq_load(folder, cache=False))
    shutil.rmtree(cache_dir, ignore_errors=True)
    os.environ["BAIMQ_CACHE"] = str(cache_dir)
    baimq_load(folder, cache=True)  # fill
    rows["baimq.load warm (cache)"], _ = timed(lambda: baimq_load(folder, cache=True), repeat=5)
    del os.environ["BAIMQ_CACHE"]
    shutil.rmtree(cache_dir, ignore_errors=True)
    results["loading"][str(n)] = {"seconds": rows, "tidy_rows": nrows, "files": len(files)}


def run_subprocess(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


COMPARE_CODE = r"""
import json, resource, sys, time
sys.path.insert(0, "benchmarks")
from compare_data import synthetic_table
import baimq
actuals, targets = synthetic_table({n_areas}, 60, 10)
t = time.perf_counter()
out = baimq.yoy(actuals)
out = baimq.share(out)
out = baimq.contribution(out)
out = baimq.rank(out, by="growth")
prog = baimq.progress(actuals, targets)
secs = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
print(json.dumps({{"rows": len(actuals), "seconds": secs, "peak_gb": peak}}))
"""


def bench_compare(n_areas, label, results):
    results["compare"][label] = run_subprocess(COMPARE_CODE.format(n_areas=n_areas))


def bench_commands(results):
    out = Path(tempfile.mkdtemp(prefix="baimq-bench-out-"))
    cmds = {
        "baimq report (one period)": [str(ROOT / ".venv/bin/baimq"), "report", "--data", "data/raw",
                                      "--out", str(out), "--period", "2023-06", "--no-cache"],
        "baimq check (one file)": [str(ROOT / ".venv/bin/baimq"), "check", first_bundle_file()],
    }
    for label, cmd in cmds.items():
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True)
        results["commands"][label] = time.perf_counter() - t
    shutil.rmtree(out, ignore_errors=True)


def first_bundle_file() -> str:
    return str(sorted((ROOT / "data/raw").rglob("*.xlsx"))[0].relative_to(ROOT))


def bench_nbval(results):
    t = time.perf_counter()
    subprocess.run(["make", "nbval"], cwd=ROOT, capture_output=True)
    results["commands"]["nbval run of the notebooks"] = time.perf_counter() - t


def machine() -> str:
    import pandas, python_calamine  # noqa: F401
    cpu = platform.processor() or platform.machine()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}, "
            f"pandas {pandas.__version__}, python-calamine {python_calamine.__version__ if hasattr(python_calamine, '__version__') else '?'}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--skip-village", action="store_true")
    ap.add_argument("--skip-nbval", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"))
    args = ap.parse_args(argv)
    results = {"machine": machine(), "loading": {}, "compare": {}, "commands": {}}
    work = ROOT / ".cache" / "bench"
    for n in [int(s) for s in args.sizes.split(",")]:
        print(f"loading {n} returns …", flush=True)
        bench_loading(n, work / f"returns_{n}", results)
    print("comparisons …", flush=True)
    bench_compare(1757, "town scale (1,757 × 60 × 10)", results)
    if not args.skip_village:
        bench_compare(26000, "village scale (26,000 × 60 × 10)", results)
    print("commands …", flush=True)
    bench_commands(results)
    if not args.skip_nbval:
        bench_nbval(results)
    Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
