#!/usr/bin/env bash
# Checks the include structure of src/ (run by scripts/test.sh as the
# "layers" suite):
#  1. every src/ folder is in scripts/layers.txt, and each #include "x/y.h"
#     points to the folder's own line's folder or a line above (no upward
#     or sideways include between folders);
#  2. no include loop between modules: a module is a .c with its .h
#     (api/api.c + api/api.h); module A uses B if a file of A includes B's
#     header; a cycle of uses is reported (within a folder too).
# Prints each violation with the file and line, then "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import os, re, sys

layers = {}
for n, line in enumerate(open("scripts/layers.txt")):
    line = line.split("#")[0].split()
    for d in line:
        layers[d] = n

inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
files = sorted(os.path.join(dp, f)[4:] for dp, _, fs in os.walk("src") for f in fs if f.endswith((".c", ".h")))
problems = []
uses = {}  # module -> {module: (file, line)}
checks = 0
for f in files:
    folder = f.split("/")[0]
    if folder not in layers:
        problems.append(f"src/{f}: folder {folder}/ is not in scripts/layers.txt")
        continue
    mod = f.rsplit(".", 1)[0]
    for ln, text in enumerate(open("src/" + f, errors="replace"), 1):
        m = inc.match(text)
        if not m or "/" not in m.group(1):
            continue
        target = m.group(1)
        tfolder = target.split("/")[0]
        checks += 1
        if tfolder != folder:
            if tfolder not in layers:
                problems.append(f"src/{f}:{ln}: includes {target} of a folder not in scripts/layers.txt")
            elif layers[tfolder] >= layers[folder]:
                how = "sideways (same layer)" if layers[tfolder] == layers[folder] else "upward"
                problems.append(f"src/{f}:{ln}: {how} include of {target} ({folder}/ is on layer "
                                f"{layers[folder]}, {tfolder}/ on {layers[tfolder]})")
        tmod = target.rsplit(".", 1)[0]
        if tmod != mod:
            uses.setdefault(mod, {}).setdefault(tmod, (f, ln))

# cycles between modules: depth-first search, each cycle reported once
WHITE, GREY, BLACK = 0, 1, 2
color, stack, seen = {}, [], set()
def visit(m):
    color[m] = GREY
    stack.append(m)
    for t in sorted(uses.get(m, {})):
        c = color.get(t, WHITE)
        if c == WHITE:
            visit(t)
        elif c == GREY:
            cyc = stack[stack.index(t):]
            key = frozenset(cyc)
            if key not in seen:
                seen.add(key)
                where = ", ".join(f"{a} -> {b} (src/{uses[a][b][0]}:{uses[a][b][1]})"
                                  for a, b in zip(cyc, cyc[1:] + cyc[:1]))
                problems.append("include loop: " + where)
    stack.pop()
    color[m] = BLACK
for m in sorted(uses):
    if color.get(m, WHITE) == WHITE:
        visit(m)

for p in problems:
    print(p)
print(f"{checks} includes checked in {len(files)} files")
print(f"{1 if not problems else 0} passed, {len(problems)} failed")
sys.exit(1 if problems else 0)
PY
