#!/usr/bin/env python3
"""Peak memory of a whole run against a target that answers every request with a 9 MiB body.

Usage: python3 bench/hostile_rss.py [MIB]   (default 9; builds the release binary first, or
       runs the binary named by SCIMTEST_BIN)

The target is a loopback HTTP server (Python's ThreadingHTTPServer) answering every request,
whatever its method and path, with 200 and a JSON body of MIB mebibytes. scimtest reads each
body (up to its 10 MiB limit), checks it, and keeps at most 64 KiB of it for the reports.
Reported: wall time, the number of requests the target received, and the peak resident set of
the scimtest process (getrusage via wait4).
"""
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time

mib = int(sys.argv[1]) if len(sys.argv) > 1 else 9
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("SCIMTEST_BIN")  # another build to compare with, e.g. an older commit's
if not binary:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)
    binary = os.path.join(root, "target", "release", "scimtest")

body = b'{"filler":"' + b"x" * (mib * 1024 * 1024 - 14) + b'"}'
count = {"n": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        count["n"] += 1
        self.send_response(200)
        self.send_header("content-type", "application/scim+json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
target = f"http://127.0.0.1:{server.server_address[1]}/scim"

with tempfile.TemporaryDirectory() as reports:
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "run", "--target", target, "--report-dir", reports],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "SCIM_TOKEN": "bench-token"})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    sizes = sum(os.path.getsize(os.path.join(reports, f)) for f in os.listdir(reports))
server.shutdown()
print(f"hostile target answering {mib} MiB to every request")
print(f"  exit code    {os.waitstatus_to_exitcode(status)} (1: the cases fail, as they must)")
print(f"  requests     {count['n']} answered with {mib} MiB each")
print(f"  wall time    {wall:.1f} s")
print(f"  peak memory  {usage.ru_maxrss / 1024:.1f} MiB (scimtest process)")
print(f"  reports      {sizes / (1024 * 1024):.1f} MiB on disk")
