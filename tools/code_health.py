#!/usr/bin/env python3
"""Code-health figures of a source tree: the longest functions, how many run past 80 lines,
and how many items are declared `pub` (the public surface) against `pub(crate)`/`pub(super)`.

Usage: python3 tools/code_health.py [SRC_DIR] [TOP]     (defaults: src 10)

A function's length is counted from the line of its `fn` to the line of its closing brace,
comments and blank lines included; strings, characters and comments are blanked first so
their braces do not count. `pub` items are `pub fn|struct|enum|trait|type|const|static|mod|use`
lines; fields are counted apart.
"""
import os
import re
import sys


def blank_literals(src):
    """`src` with comments and string/char literal contents replaced by spaces (lines kept)."""
    out, i, n = [], 0, len(src)
    keep_lines = lambda t: re.sub(r"[^\n]", " ", t)
    while i < n:
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(keep_lines(src[i:j]))
            i = j
        elif (m := re.match(r'b?r(#*)"', src[i : i + 10])) and (
            i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")
        ):
            close = '"' + m.group(1)
            j = src.find(close, i + len(m.group(0)))
            j = n if j < 0 else j + len(close)
            out.append(keep_lines(src[i:j]))
            i = j
        elif src[i] == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append(keep_lines(src[i : j + 1]))
            i = j + 1
        elif src[i] == "'" and (m := re.match(r"'(\\.[^']*|[^\\'])'", src[i : i + 12])):
            out.append(" " * len(m.group(0)))
            i += len(m.group(0))
        else:
            out.append(src[i])
            i += 1
    return "".join(out)


def functions(path):
    s = blank_literals(open(path, encoding="utf-8").read())
    for m in re.finditer(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)", s):
        j, depth = m.end(), 0
        while j < len(s):  # the body's opening brace; `;` first means no body
            c = s[j]
            if c in "(<[":
                depth += 1
            elif c in ")>]":
                depth -= 1
            elif c == ";" and depth <= 0:
                break
            elif c == "{" and depth <= 0:
                break
            j += 1
        if j >= len(s) or s[j] != "{":
            continue
        k, depth = j, 0
        while k < len(s):
            depth += {"{": 1, "}": -1}.get(s[k], 0)
            if depth == 0:
                break
            k += 1
        start = s.count("\n", 0, m.start()) + 1
        yield s.count("\n", 0, k) + 2 - start, start, m.group(1)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "src"
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    found, items, fields, restricted = [], 0, 0, 0
    for root, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            found += [(n, path, line, name) for n, line, name in functions(path)]
            for line in open(path, encoding="utf-8"):
                if re.match(r"\s*pub (async )?(unsafe )?(fn|struct|enum|trait|type|const|static|mod|use) ", line):
                    items += 1
                elif re.match(r"\s*pub [a-z_][a-z0-9_]*\s*:", line):
                    fields += 1
                elif re.match(r"\s*pub\((crate|super)\) ", line):
                    restricted += 1
    found.sort(key=lambda r: (-r[0], r[1], r[2]))
    for n, path, line, name in found[:top]:
        print(f"{n:5d}  {path}:{line}  {name}")
    print(f"functions over 80 lines: {sum(1 for r in found if r[0] > 80)} of {len(found)}")
    print(f"pub items: {items}; pub fields: {fields}; pub(crate)/pub(super) items and fields: {restricted}")


main()
