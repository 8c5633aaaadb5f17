"""How does universe training scale with Dask workers, and what does each worker hold in memory?

Trains the example universe (examples/universe/reportgen.toml, or --config FILE) on a local Dask
cluster of 1, 2, ... workers (up to the CPU count, or --workers 1 2 4), each run in a fresh
process, writing into a temporary folder, and prints per run: wall time, speed-up over one
worker, the peak resident memory of each worker and of the main process, the load average
(the machine may be shared: the workers' CPU seconds say how much work there was whatever
the load), and whether every run wrote the same bytes (and the same bytes as
the committed predictions beside the config, when there are any).

    python benchmarks/bench_train_universe.py [--config FILE] [--workers 1 2]

The issue's goal: the example universe trains in at most 15 minutes with 2 workers on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "examples" / "universe" / "reportgen.toml"


def one_run(config_path: Path, workers: int, output: Path) -> dict:
    """Train once in this process with `workers` local workers; the figures as a dict."""
    sys.path.insert(0, str(ROOT))
    from reportgen.compute import executor
    from reportgen.inputs.config import load_train_config
    from reportgen.model.universe_training import run_universe_training

    config = load_train_config(config_path)
    started = time.perf_counter()
    with executor(workers, "local") as pool:
        run = run_universe_training(config, output, lambda f, folds, data: pool.map(f, folds, data))
        usage = pool.usage()
    wall = time.perf_counter() - started
    return {
        "workers": workers,
        "wall_seconds": wall,
        "folds": len(run.provenance.folds),
        "forecasts": len(run.predictions),
        "worker_peak_mb": sorted(round(u.peak_memory_bytes / 2**20) for u in usage.values()),
        "worker_cpu_seconds": sorted(round(u.cpu_seconds, 1) for u in usage.values()),
        "main_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "sha256": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (run.csv_path, run.provenance_path)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--workers", type=int, nargs="+", default=None)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child mode: one run, JSON on stdout
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_run(args.config.resolve(), args.one, args.out)))
        return 0
    sys.path.insert(0, str(ROOT))
    from reportgen.inputs.config import load_train_config
    from reportgen.model.provenance import provenance_path

    committed = load_train_config(args.config).training.output
    counts = args.workers or sorted({1, 2, os.cpu_count() or 1})
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-train-universe-") as work:
        for workers in counts:
            load = os.getloadavg()
            out = Path(work) / f"w{workers}" / committed.name
            child = subprocess.run(
                [sys.executable, __file__, "--config", str(args.config), "--one", str(workers), "--out", str(out)],
                check=True, capture_output=True, text=True,
            )
            result = json.loads(child.stdout.strip().splitlines()[-1])
            result["load_before"] = load
            result["load_after"] = os.getloadavg()
            results.append(result)
            print(
                f"{workers} worker(s): wall {result['wall_seconds']:.1f} s, {result['folds']} folds, "
                f"{result['forecasts']} forecasts; per worker: peak memory "
                f"{', '.join(f'{m} MB' for m in result['worker_peak_mb'])}, CPU "
                f"{', '.join(f'{c:.0f} s' for c in result['worker_cpu_seconds'])}; main process "
                f"{result['main_peak_mb']} MB; load average (1/5/15 min) before "
                f"{load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}, after "
                f"{result['load_after'][0]:.2f}/{result['load_after'][1]:.2f}/{result['load_after'][2]:.2f}",
                flush=True,
            )
    base = next((r for r in results if r["workers"] == 1), results[0])
    for r in results:
        print(f"speed-up of {r['workers']} worker(s) over {base['workers']}: {base['wall_seconds'] / r['wall_seconds']:.2f}x")
    hashes = {json.dumps(r["sha256"], sort_keys=True) for r in results}
    print("outputs: " + ("byte-identical across worker counts" if len(hashes) == 1 else "DIFFER between worker counts"))
    files = (committed, provenance_path(committed))
    if all(path.is_file() for path in files):
        same = all(hashlib.sha256(p.read_bytes()).hexdigest() == results[0]["sha256"][p.name] for p in files)
        print(f"{committed.name} and its sidecar as committed: " + ("byte-identical" if same else "DIFFER"))
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    return 0 if len(hashes) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
