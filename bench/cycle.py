#!/usr/bin/env python3
"""`scimtest cycle` throughput next to a raw HTTP load tool, its peak memory, and Account
Discovery's listing rate next to the server's plain GET rate.

Usage: python3 bench/cycle.py [USERS] [GROUPS] [MEMBERS] [RSS_USERS]
       (defaults 10000 100 100 100000; RSS_USERS 0 skips the large run; builds the release
       binary first, or runs the binary named by SCIMTEST_BIN)

In one run, against one `scimtest serve` process on loopback:
1. wrk (Debian package `wrk`; installed with apt-get when missing) sends the single request
   the cycle sends most, a GET by filter on userName, for 10 s with 2 threads and 16
   connections: the raw request rate of the server on this machine.
2. `scimtest cycle --users USERS --groups GROUPS --members-per-group MEMBERS --incremental 1`
   (16 in flight, every response checked, the target verified after each cycle, everything
   cleaned up): its `requests_per_second` from cycle.json (requests of the cycles and their
   verification, over their wall time; cleanup excluded), and its peak RSS (wait4).
   The goal (issue 25): at least 40 % of wrk's rate.
3. With RSS_USERS > 0, against a fresh server: the same for that many users (1 group of
   100), everything cleaned up, no Account Discovery: the same work for every binary, so two
   binaries compare on it (issue 23: within 10 % of the old time and memory). Printed: the
   cycles' own seconds, the process's wall time from start to exit (cleanup included) and its
   peak RSS (issue 25: under 200 MB).
4. When the binary has `--account-discovery`, against another fresh server: that run again
   with every user listed after each cycle (pages of 100, up to 16 in flight) and the users
   kept; wrk then measures the server's plain GET rate on the same page request
   (`GET /Users?startIndex=1&count=100`) with those users stored.
   THE comparison (issue 25's goal: no less than half): a pass's pages per second against
   wrk -t2 -c16 on that request, 10 s — the server's top rate on this machine, wrk sharing
   its cores as the cycle does. wrk -t1 -c1 (one request at a time) is printed beside it for
   context only. A page of the pass costs the reference server what the first page costs
   (it walks on from where an earlier page ended, src/server/store.rs), so startIndex=1
   stands for every page.
Binaries with `--deletion-threshold` get `--deletion-threshold 0`: the round's 1 % deletes
and 3 % disables go out as they did before the threshold existed, so before/after compare
the same work. Compare binaries on a quiet machine (nothing else compiling): the figures
move by 10-20 % with other load on two cores.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

users = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
groups = int(sys.argv[2]) if len(sys.argv) > 2 else 100
members = int(sys.argv[3]) if len(sys.argv) > 3 else 100
rss_users = int(sys.argv[4]) if len(sys.argv) > 4 else 100000
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("SCIMTEST_BIN")
if not binary:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)
    binary = os.path.join(root, "target", "release", "scimtest")
if not shutil.which("wrk"):
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   stdout=subprocess.DEVNULL)
TOKEN = "bench-token-0123456789"
HELP = subprocess.run([binary, "cycle", "--help"], capture_output=True, text=True).stdout
DISCOVERY = "--account-discovery" in HELP
THRESHOLD = ["--deletion-threshold", "0"] if "--deletion-threshold" in HELP else []


def serve():
    proc = subprocess.Popen([binary, "serve", "--addr", "127.0.0.1:0", "--token", TOKEN,
                             "--max-resources", "400000"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
    return proc, url


def wrk(url, threads=2, connections=16):
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", "-d10s",
                          "-H", "Authorization: Bearer " + TOKEN, url],
                         capture_output=True, text=True, check=True).stdout
    return float(next(l for l in out.splitlines() if l.startswith("Requests/sec")).split()[1])


def cycle(url, n_users, n_groups, n_members, extra=()):
    report = tempfile.mkdtemp(prefix="scimtest-cycle-bench-")
    env = dict(os.environ, SCIM_TOKEN=TOKEN)
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "cycle", "--target", url, "--users", str(n_users),
                             "--groups", str(n_groups), "--members-per-group", str(n_members),
                             "--incremental", "1", "--report-dir", report, *THRESHOLD, *extra],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    with open(os.path.join(report, "cycle.json")) as f:
        result = json.load(f)
    shutil.rmtree(report, ignore_errors=True)
    return result, usage.ru_maxrss / 1024, wall, os.waitstatus_to_exitcode(status)


def create(url, name):
    body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                       "userName": name}).encode()
    req = urllib.request.Request(url + "/Users", data=body, method="POST", headers={
        "Authorization": "Bearer " + TOKEN, "Content-Type": "application/scim+json"})
    urllib.request.urlopen(req).read()


server, url = serve()
try:
    create(url, "bench.user@example.com")
    wrk_rps = wrk(url + "/Users?filter=userName+eq+%22bench.user%40example.com%22")
    result, rss, wall, code = cycle(url, users, groups, members)
finally:
    server.terminate()
    server.wait()

rps = result["requests_per_second"]
print(f"wrk, GET by filter, 2 threads x 16 connections, 10 s: {wrk_rps:.0f} requests/s")
print(f"scimtest cycle {users} users, {groups} groups x {members} members, 1 incremental round, "
      f"16 in flight: {result['requests']} requests in {result['seconds']:.2f} s = {rps:.0f} "
      f"requests/s ({100 * rps / wrk_rps:.0f} % of wrk); errors {result['errors']}; "
      f"exit {code}; process wall {wall:.1f} s; peak RSS {rss:.0f} MiB")

def large(extra=()):
    server, url = serve()
    try:
        result, rss, wall, code = cycle(url, rss_users, 1, 100, extra)
        # With the users kept, the server's plain rate on the page request Discovery sends.
        page = url + "/Users?startIndex=1&count=100"
        page_rps = wrk(page) if extra else None
        page_rps_1 = wrk(page, 1, 1) if extra else None
    finally:
        server.terminate()
        server.wait()
    return result, rss, wall, code, page_rps, page_rps_1


if rss_users > 0:
    result, rss, wall, code, _, _ = large()
    print(f"scimtest cycle {rss_users} users, 1 group x 100 members, 1 incremental round, "
          f"cleaned up: {result['requests']} requests in {result['seconds']:.1f} s "
          f"({result['requests_per_second']:.0f}/s), exit {code}; process wall {wall:.1f} s "
          f"(cleanup included); peak RSS {rss:.0f} MiB")

if rss_users > 0 and DISCOVERY:
    result, rss, wall, code, page_rps, page_rps_1 = large(["--account-discovery", "--keep"])
    print(f"scimtest cycle {rss_users} users with --account-discovery, users kept: "
          f"{result['requests']} requests in {result['seconds']:.1f} s, exit {code}, "
          f"peak RSS {rss:.0f} MiB")
    print(f"  wrk on GET /Users?startIndex=1&count=100, {rss_users} users stored: "
          f"{page_rps:.0f}/s at 2 threads x 16 connections (the comparison); "
          f"{page_rps_1:.0f}/s at 1 connection (context only)")
    for p in result.get("account_discovery", []):
        print(f"  Account Discovery after {p['after']}: {p['listed']} users in {p['pages']} "
              f"pages of {p['page_size']}, {p['seconds']:.2f} s = {p['requests_per_second']:.0f} "
              f"pages/s ({100 * p['requests_per_second'] / page_rps:.0f} % of wrk -c16's "
              f"{page_rps:.0f}/s on the same page; goal 50 %); duplicates {p['duplicates']}, missing "
              f"{p['missing']}; 250,000 accounts projected at {p['projected_seconds_250k']:.0f} s")
