#!/usr/bin/env python3
"""A defect-injecting HTTP proxy for the gallery verdict's proof table (issue 21).

It sits on loopback in front of `scimtest serve` and changes what a real endpoint might do
differently, so that `scimtest run --target` can be compared with what the Logic App's
workflow actions decide. Deviations the gate tolerates are injected here (the reference
server's defect catalogue holds only defects some case must catch); the gate's mandatory
failures are in the catalogue (`--defect`).

    scimtest serve --addr 127.0.0.1:18080 --token T &
    python3 tools/gallery_proxy.py --listen 18081 --upstream http://127.0.0.1:18080 \
        --inject email-required &
    scimtest run --target http://127.0.0.1:18081/scim/v2 --oauth-token-url \
        http://127.0.0.1:18081/oauth2/token --oauth-client-id scimtest \
        --oauth-client-secret T --oauth-auth-method post entra-gallery

Injections (--inject, repeatable):
  email-required            /Schemas marks `emails` required; clearing a work email answers 400
  externalid-unlisted       /Schemas lists no `externalId`
  manager-unlisted          /Schemas lists no enterprise `manager` (run with --no-manager)
  externalid-not-blankable  clearing `externalId` answers 400
  reserved-after-delete     re-creating a deleted userName answers 409
  schemas-drop=A,B          /Schemas lists none of the named attributes
  eventual                  for 1.5 s after a PATCH, GET of that user answers its old state
Only loopback addresses are served and forwarded to.
"""

import argparse
import http.server
import json
import threading
import time
import urllib.error
import urllib.request

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def cleared(value):
    return value is None or value == ""


class State:
    def __init__(self, upstream, injections):
        self.upstream = upstream.rstrip("/")
        self.inject = set()
        self.drop = set()
        for i in injections:
            if i.startswith("schemas-drop="):
                self.drop.update(x.strip().lower() for x in i.split("=", 1)[1].split(","))
            else:
                self.inject.add(i)
        if "externalid-unlisted" in self.inject:
            self.drop.add("externalid")
        if "manager-unlisted" in self.inject:
            self.drop.add("manager")
        self.deleted = set()
        self.stale = {}
        self.lock = threading.Lock()


def patch_clears(body, attr):
    """Whether a PatchOp body clears `attr` (a top-level name, lower case)."""
    for op in (body or {}).get("Operations", []):
        path = (op.get("path") or "").lower()
        if path:
            top = path.split("[")[0].split(".")[0].split(":")[-1]
            if top == attr and (op.get("op", "").lower() == "remove" or cleared(op.get("value"))):
                return True
        elif isinstance(op.get("value"), dict):
            for k, v in op["value"].items():
                top = k.lower().split("[")[0].split(".")[0].split(":")[-1]
                if top == attr and cleared(v):
                    return True
    return False


def rewrite_schemas(state, doc):
    for r in doc.get("Resources", []):
        attrs = r.get("attributes", [])
        r["attributes"] = [a for a in attrs if a.get("name", "").lower() not in state.drop]
        if "email-required" in state.inject and r.get("id", "").endswith("core:2.0:User"):
            for a in r["attributes"]:
                if a.get("name") == "emails":
                    a["required"] = True
    return doc


class Handler(http.server.BaseHTTPRequestHandler):
    state = None

    def log_message(self, *args):
        pass

    def forward(self, method, body):
        url = self.state.upstream + self.path
        req = urllib.request.Request(url, data=body, method=method)
        for k, v in self.headers.items():
            if k.lower() not in ("host", "content-length", "connection"):
                req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def reply(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, detail, scim_type="invalidValue"):
        body = json.dumps({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": str(status), "scimType": scim_type, "detail": detail,
        }).encode()
        self.reply(status, {"Content-Type": "application/scim+json"}, body)

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        parsed = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        s = self.state
        path = self.path.split("?")[0]
        if method == "PATCH" and "/Users/" in path:
            if "email-required" in s.inject and patch_clears(parsed, "emails"):
                return self.error(400, "emails is required")
            if "externalid-not-blankable" in s.inject and patch_clears(parsed, "externalid"):
                return self.error(400, "externalId cannot be blank")
        if method == "POST" and path.endswith("/Users") and "reserved-after-delete" in s.inject:
            name = (parsed or {}).get("userName", "").lower()
            with s.lock:
                if name in s.deleted:
                    return self.error(409, "userName is reserved", "uniqueness")
        if method == "DELETE" and "/Users/" in path and "reserved-after-delete" in s.inject:
            status, _, got = self.forward("GET", None)
            if status == 200:
                with s.lock:
                    s.deleted.add(json.loads(got).get("userName", "").lower())
        if "eventual" in s.inject and "/Users/" in path:
            if method == "PATCH":
                status, headers, old = self.forward("GET", None)
                if status == 200:
                    with s.lock:
                        s.stale[path] = (time.monotonic(), headers, old)
            elif method == "DELETE":
                with s.lock:
                    s.stale.pop(path, None)
            elif method == "GET":
                with s.lock:
                    hit = s.stale.get(path)
                if hit and time.monotonic() - hit[0] < 1.5:
                    return self.reply(200, hit[1], hit[2])
        status, headers, got = self.forward(method, body)
        if method == "GET" and path.endswith("/Schemas") and status == 200:
            got = json.dumps(rewrite_schemas(s, json.loads(got))).encode()
        self.reply(status, headers, got)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--inject", action="append", default=[])
    a = p.parse_args()
    if not a.upstream.startswith("http://127.0.0.1"):
        raise SystemExit("the upstream must be on loopback (http://127.0.0.1:PORT)")
    Handler.state = State(a.upstream, a.inject)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.listen), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
