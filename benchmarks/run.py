"""baimq benchmarks: run with `make bench`; numbers go to benchmarks/results.json and into the
marked sections of benchmarks/RESULTS.md (the text around them is kept).

Measures, side by side on the same files and in one run:
1. loading N generated county returns: bare ``python_calamine`` reading every cell (the floor),
   a ``pd.read_excel(engine="calamine")`` loop, a ``pd.read_excel(engine="openpyxl")`` loop,
   baimq cold in one process and in parallel;
2. re-loading unchanged files through the cache (warm) against the cold load;
3. comparisons (yoy + share + contribution + rank + progress) on a town-scale table
   (1,757 towns × 60 months × 10 indicators) and a village-scale one (26,000 × 60 × 10), time and
   peak memory, each in its own subprocess;
4. ``baimq check`` on one file (start-up included), ``baimq report`` end to end for one period,
   and the nbval run of the notebooks.

A part that fails is recorded as failed (with the error's last line) and the run goes on.

Options: --sizes 1000,5000  --skip-village  --skip-nbval  --skip-compare  --skip-report  --skip-check
         --json benchmarks/results.json  --md benchmarks/RESULTS.md (--md "" writes none)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
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

BAIMQ = str(ROOT / ".venv" / "bin" / "baimq")


CPU: dict = {}   # label -> least CPU seconds (this process and its finished children)


def _cpu() -> float:
    import resource
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, repeat=3, label=None):
    """Best wall time of *repeat* runs, and the last result (CPU time kept in ``CPU[label]``).

    The best, as ``timeit`` does: on a shared machine the other runs measure the neighbours.
    """
    times, cpus, result = [], [], None
    for _ in range(repeat):
        c, t = _cpu(), time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
        cpus.append(_cpu() - c)
    if label:
        CPU[label] = min(cpus)
    return min(times), result


def floor_calamine(files):
    import python_calamine
    n = 0
    for f in files:
        wb = python_calamine.CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            n += len(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return n


def pandas_loop(files, engine):
    """Every sheet of every file through pd.read_excel. openpyxl cannot read .xls: those few
    files (4 of the bundle's 60; none of the generated returns) go through calamine."""
    import pandas as pd

    def one(f):
        eng = "calamine" if engine == "openpyxl" and str(f).lower().endswith(".xls") else engine
        return pd.read_excel(f, sheet_name=None, header=None, engine=eng).values()
    return sum(len(df) for f in files for df in one(f))


def baimq_load(folder, **kw):
    import baimq
    return len(baimq.load(folder, **kw))


def _failed(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"failed: {type(exc).__name__}: {text[-1] if text else ''}"[:300]


def bench_loading(n, folder, results, openpyxl_limit):
    """Side-by-side loading of *n* generated returns, or of the bundled data/raw when n is "bundle"."""
    if n == "bundle":
        from baimq.reader import spreadsheet_files
        folder = ROOT / "data" / "raw"
        files = spreadsheet_files(folder)
    else:
        files = generate.generate(n, folder)
    rows = {}
    CPU.clear()

    def run(label, fn, repeat=3):
        rows[label], result = timed(fn, repeat, label)
        return result

    run("bare python_calamine (floor)", lambda: floor_calamine(files))
    run("pd.read_excel calamine loop", lambda: pandas_loop(files, "calamine"), repeat=2)
    if n == "bundle" or n <= openpyxl_limit:
        run("pd.read_excel openpyxl loop", lambda: pandas_loop(files, "openpyxl"), repeat=2)
    nrows = run("baimq.load cold, 1 process", lambda: baimq_load(folder, cache=False, workers=1))
    run("baimq.load cold, parallel", lambda: baimq_load(folder, cache=False))
    cache_dir = Path(tempfile.mkdtemp(prefix="baimq-bench-cache-"))
    old = os.environ.get("BAIMQ_CACHE")
    os.environ["BAIMQ_CACHE"] = str(cache_dir)
    try:
        run("baimq.load first with cache (fills it)", lambda: baimq_load(folder, cache=True), repeat=1)
        run("baimq.load warm (cache)", lambda: baimq_load(folder, cache=True), repeat=5)
        touched = files[len(files) // 2]
        os.utime(touched, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))   # one file "changed"
        run("baimq.load one file changed (cache)", lambda: baimq_load(folder, cache=True), repeat=1)
    finally:
        os.environ.pop("BAIMQ_CACHE") if old is None else os.environ.__setitem__("BAIMQ_CACHE", old)
        shutil.rmtree(cache_dir, ignore_errors=True)
    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    results["loading"][str(n)] = {"seconds": rows, "cpu_seconds": dict(CPU), "tidy_rows": nrows,
                                  "files": len(files), "load_average_after": load_avg}


def run_subprocess(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or f"exit {out.returncode}")
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
    try:
        results["compare"][label] = run_subprocess(COMPARE_CODE.format(n_areas=n_areas))
    except Exception as exc:  # noqa: BLE001 - record and go on
        results["compare"][label] = {"error": _failed(exc)}


def _wall(cmd, env=None, repeat=1) -> float | str:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t)
        if out.returncode not in (0, 1):
            return _failed(RuntimeError(out.stderr.strip() or f"exit {out.returncode}"))
    return statistics.median(times)


def bench_check(results):
    """`baimq check` on one file: a fresh process each time, an empty cache (cold) and a filled one."""
    target = first_bundle_file()
    cache_dir = Path(tempfile.mkdtemp(prefix="baimq-bench-check-"))
    env = dict(os.environ, BAIMQ_CACHE=str(cache_dir))
    try:
        cold = []
        for _ in range(5):
            shutil.rmtree(cache_dir, ignore_errors=True)
            cold.append(_wall([BAIMQ, "check", target], env))
        numbers = [c for c in cold if isinstance(c, float)]
        results["commands"]["baimq check (one file, cold cache)"] = statistics.median(numbers) if numbers else cold[0]
        results["commands"]["baimq check (one file, warm cache)"] = _wall([BAIMQ, "check", target], env, repeat=5)
        results["commands"]["python -c 'import baimq.cli'"] = _wall([sys.executable, "-c", "import baimq.cli"], env, 5)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    results["check_file"] = target


def bench_report(results):
    out = Path(tempfile.mkdtemp(prefix="baimq-bench-out-"))
    try:
        results["commands"]["baimq report (one period, no cache)"] = _wall(
            [BAIMQ, "report", "--data", "data/raw", "--out", str(out), "--period", "2023-06", "--no-cache", "--quiet"])
    finally:
        shutil.rmtree(out, ignore_errors=True)


def first_bundle_file() -> str:
    return str(sorted((ROOT / "data/raw").rglob("*.xlsx"))[0].relative_to(ROOT))


def bench_nbval(results):
    t = time.perf_counter()
    out = subprocess.run(["make", "nbval"], cwd=ROOT, capture_output=True, text=True)
    secs = time.perf_counter() - t
    results["commands"]["nbval run of the notebooks"] = secs if out.returncode == 0 else _failed(
        RuntimeError(out.stdout.strip().splitlines()[-1] if out.stdout.strip() else f"exit {out.returncode}"))


def machine() -> str:
    import pandas
    from importlib.metadata import version
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.1f} GiB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, pandas {pandas.__version__}, "
            f"python-calamine {version('python-calamine')}, openpyxl {version('openpyxl')}")


# ----------------------------------------------------------------------------- RESULTS.md
def _fmt(x) -> str:
    return f"{x:.3f}" if isinstance(x, (int, float)) else str(x)


def loading_table(results) -> str:
    lines = []
    for n, entry in results["loading"].items():
        rows = entry["seconds"]
        floor = rows["bare python_calamine (floor)"]
        opx = rows.get("pd.read_excel openpyxl loop")
        cold = rows["baimq.load cold, 1 process"]
        cpu = entry.get("cpu_seconds", {})
        what = f"the bundled data/raw ({entry['files']} workbooks)" if n == "bundle" else f"{int(n):,} returns"
        lines += [f"**{what}** ({entry['tidy_rows']:,} tidy rows; load average "
                  f"{entry.get('load_average_after', float('nan')):.1f} at the end)", "",
                  "| run | seconds | ms per file | × floor | openpyxl ÷ this | cold (1 process) ÷ this "
                  "| CPU seconds (incl. workers) |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for label, secs in rows.items():
            lines.append(f"| {label} | {secs:.3f} | {secs / entry['files'] * 1000:.3f} | {secs / floor:.1f} | "
                         f"{(opx / secs) if opx else float('nan'):.1f} | {cold / secs:.1f} | "
                         f"{cpu.get(label, float('nan')):.3f} |")
        lines.append("")
    return "\n".join(lines)


def compare_table(results) -> str:
    lines = ["| table | rows | seconds | peak memory (GiB) |", "|---|---:|---:|---:|"]
    for label, r in results["compare"].items():
        if "error" in r:
            lines.append(f"| {label} | | {r['error']} | |")
        else:
            lines.append(f"| {label} | {r['rows']:,} | {r['seconds']:.2f} | {r['peak_gb']:.2f} |")
    return "\n".join(lines)


def commands_table(results) -> str:
    lines = ["| command | seconds (wall) |", "|---|---:|"]
    lines += [f"| {label} | {_fmt(v)} |" for label, v in results["commands"].items()]
    if "check_file" in results:
        lines.append(f"\n`baimq check` ran on `{results['check_file']}`.")
    return "\n".join(lines)


def write_markdown(path: Path, results, command: str) -> None:
    """Replace the text between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` markers
    (sections of parts not run this time are left as they are)."""
    parts = {
        "machine": f"{results['machine']}  \nRun {results['date']}: `{command}`",
        "loading": loading_table(results) if results["loading"] else None,
        "compare": compare_table(results) if results["compare"] else None,
        "commands": commands_table(results) if results["commands"] else None,
    }
    text = path.read_text(encoding="utf-8") if path.exists() else "# baimq benchmarks\n"
    for name, body in parts.items():
        if body is None:
            continue   # not run this time: what an earlier run wrote stays
        block = f"<!-- bench:{name} -->\n{body}\n<!-- /bench:{name} -->"
        pattern = re.compile(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", re.S)
        text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text + f"\n{block}\n"
    path.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="bundle,1000,5000", help='"bundle" is data/raw')
    ap.add_argument("--openpyxl-limit", type=int, default=5000, help="skip the openpyxl loop above this many files")
    ap.add_argument("--skip-village", action="store_true")
    ap.add_argument("--skip-compare", action="store_true")
    ap.add_argument("--skip-report", action="store_true")
    ap.add_argument("--skip-check", action="store_true")
    ap.add_argument("--skip-nbval", action="store_true")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results.json"))
    ap.add_argument("--md", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = ap.parse_args(argv)
    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "loading": {}, "compare": {},
               "commands": {}, "failed": {}}
    work = ROOT / ".cache" / "bench"
    steps = [(f"loading {n} returns", lambda n=n: bench_loading(n, work / f"returns_{n}", results, args.openpyxl_limit))
             for n in (s if s == "bundle" else int(s) for s in args.sizes.split(",") if s)]
    if not args.skip_check:
        steps.append(("check start-up", lambda: bench_check(results)))
    if not args.skip_compare:
        steps.append(("comparisons, town scale", lambda: bench_compare(1757, "town scale (1,757 × 60 × 10)", results)))
        if not args.skip_village:
            steps.append(("comparisons, village scale",
                          lambda: bench_compare(26000, "village scale (26,000 × 60 × 10)", results)))
    if not args.skip_report:
        steps.append(("report", lambda: bench_report(results)))
    if not args.skip_nbval:
        steps.append(("nbval", lambda: bench_nbval(results)))
    for label, step in steps:
        print(f"{label} …", flush=True)
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - one failing part does not stop the run
            results["failed"][label] = _failed(exc)
            print(f"  {results['failed'][label]}", flush=True)
    Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.md:
        command = ".venv/bin/python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown(Path(args.md), results, command.strip())
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
