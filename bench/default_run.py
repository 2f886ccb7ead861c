#!/usr/bin/env python3
"""Wall time and peak memory of the default run (`scimtest` with no arguments).

Usage: python3 bench/default_run.py [RUNS]   (default 7; builds the release binary first, or
       runs the binary named by SCIMTEST_BIN)

Each run is a fresh process against its own in-process reference server. Reported: the median
and range of wall time, and the median of each run's peak resident set (getrusage via wait4).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("SCIMTEST_BIN")  # another build to compare with
if not binary:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)
    binary = os.path.join(root, "target", "release", "scimtest")
report_dir = os.path.join(root, "target", "bench-reports")

walls, peaks, cases = [], [], None
for _ in range(runs):
    with tempfile.TemporaryFile(mode="w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen([binary, "run", "--report-dir", report_dir], cwd=root,
                                stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"default run failed with exit code {proc.returncode}")
        peaks.append(usage.ru_maxrss)  # KiB on Linux
        out.seek(0)
        for line in out:
            if line.startswith("scimtest: "):
                cases = line.split()[1]
print(f"default run: {cases} cases, {runs} runs")
print(f"  wall time    median {statistics.median(walls):.3f} s  (min {min(walls):.3f}, max {max(walls):.3f})")
print(f"  peak memory  median {statistics.median(peaks) / 1024:.1f} MiB  (max {max(peaks) / 1024:.1f})")
