"""How much do the attention placebo permutations add to a build of the bundled report?

Builds the bundled report (pyproject.toml of this checkout) in fresh processes with
`[attention_tests] permutations = 1000` and with `permutations = 1` (the least the config
allows: the exposure-matched controls and one shuffle per strategy), alternating, and prints
the median wall and CPU time of each and their difference. It also times the attention-test
stage itself (controls and shuffles, one columnar vectorbt simulation), inside the same builds.
CPU time is printed beside wall time because a shared machine's load swings wall time.

    python benchmarks/bench_attention.py [--repeats 5] [--permutations 1000]

The issue's goal: 1,000 permutations add at most 3 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
from pathlib import Path
from reportgen import pipeline
from reportgen.evaluation import strategies as backtests
from reportgen.inputs.config import AttentionTestsConfig, load_config
permutations, stage, site = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
config = load_config(Path("pyproject.toml"))
config = config.model_copy(update={"attention_tests": AttentionTestsConfig(permutations=permutations)})
tests = {"wall": 0.0, "cpu": 0.0}
untimed = backtests._attention_tests
def timed(*args):
    wall, cpu = time.perf_counter(), time.process_time()
    result = untimed(*args)
    tests["wall"] += time.perf_counter() - wall
    tests["cpu"] += time.process_time() - cpu
    return result
backtests._attention_tests = timed
wall, cpu = time.perf_counter(), time.process_time()
if stage == "build":
    pipeline.build(config, site)
else:
    pipeline.report(config)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "tests_wall": tests["wall"], "tests_cpu": tests["cpu"]}))
"""


def run(permutations: int, stage: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-attention-") as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(permutations), stage, str(Path(tmp) / "site")],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--permutations", type=int, default=1000)
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    times: dict[int, list[dict]] = {args.permutations: [], 1: []}
    for _ in range(args.repeats):
        for permutations in times:  # alternate, so drifting load hits both alike
            times[permutations].append(run(permutations, "build"))

    def median(permutations: int, key: str) -> float:
        return statistics.median(t[key] for t in times[permutations])

    many = args.permutations
    for key, label in (("wall", "build, wall"), ("cpu", "build, CPU"), ("tests_wall", "attention tests, wall"), ("tests_cpu", "attention tests, CPU")):
        with_, without = median(many, key), median(1, key)
        print(f"{label:>22}: {many} permutations {with_:6.2f} s, 1 permutation {without:6.2f} s; added {with_ - without:5.2f} s")
    print(f"(medians of {args.repeats} fresh processes each)")
    print("raw:", json.dumps({k: [{m: round(x, 2) for m, x in t.items()} for t in v] for k, v in times.items()}))

if __name__ == "__main__":
    main()
