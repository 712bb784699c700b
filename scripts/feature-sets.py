#!/usr/bin/env python3
"""Which dependencies would be compiled with different features by different workshop commands.

Each `make` target builds a different selection of crates (`make part_01` builds part_01's tree,
`make test` the whole workspace with its dev-dependencies). Cargo unifies features over what one
command selects, so a crate that two selections ask for with different features is compiled twice,
and the first `make part_01` after a `make test` would compile again. workshop_hack pins those
crates' features (CONTRIBUTING.md, "What each command builds"). This lists what is left: run it
after changing a dependency; it prints nothing and exits 0 when every selection agrees.
Usage: scripts/feature-sets.py [-v]
"""
import collections, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

PARTS = [f"part_{i:02}" for i in range(1, 17)]
# (what it stands for, cargo tree arguments)
SELECTIONS = (
    [(f"make {p}", ["-p", p, "-e", "normal,build"]) for p in PARTS]
    + [(f"exercise check in {p}", ["-p", p, "-e", "normal,build,dev"]) for p in PARTS + ["mini_redis"]]
    + [
        ("make exercise", ["-p", "exercise", "-e", "normal,build"]),
        ("verify's bundle", ["-p", "exercise", "--features", "exercise/mistakes", "-e", "normal,build,dev"]),
        ("make server", ["-p", "count_server", "-e", "normal,build"]),
        ("make mr-server", ["-p", "mini_redis", "-e", "normal,build"]),
        ("make test", ["--workspace", "-e", "normal,build,dev"]),
    ]
)


def resolve(args):
    """{(crate, "host"|"target"): frozenset of feature lists} for one selection.

    Cargo resolves the features of build scripts' and proc macros' dependencies (host) apart from
    the rest (target), so the same crate may be built once for each: they are told apart here by
    the tree's shape (below a proc macro or a [build-dependencies] line is host)."""
    out = subprocess.run(
        ["cargo", "tree", "--charset", "ascii", "-f", "{p}|{f}", *args],
        capture_output=True, text=True, check=True,
    ).stdout
    sets = collections.defaultdict(set)
    stack = []  # (depth, this node's children are host)
    section = {}  # depth -> the current [build-dependencies] section is open there
    for line in out.splitlines():
        body = line.lstrip("|`-\\ ")
        depth = (len(line) - len(body)) // 4
        while stack and stack[-1][0] >= depth:
            stack.pop()
        for d in [d for d in section if d > depth]:
            del section[d]
        if body.startswith("["):
            section[depth + 1] = body.startswith("[build-dependencies]")
            continue
        if not body:
            continue
        body = body.removesuffix(" (*)")
        crate, features = body.split("|", 1)
        host = (stack[-1][1] if stack else False) or section.get(depth, False)
        stack.append((depth, host or "(proc-macro)" in crate))
        if "(/" in crate:
            continue  # a workspace crate
        sets[(crate.replace(" (proc-macro)", ""), "host" if host else "target")].add(features)
    return {c: frozenset(f) for c, f in sets.items()}


def main():
    with ThreadPoolExecutor(max_workers=8) as pool:
        trees = pool.map(lambda selection: resolve(selection[1]), SELECTIONS)
        resolved = {name: tree for (name, _), tree in zip(SELECTIONS, trees)}
    by_crate = collections.defaultdict(lambda: collections.defaultdict(list))
    for name, crates in resolved.items():
        for crate, features in crates.items():
            by_crate[crate][features].append(name)
    differing = {c: v for c, v in by_crate.items() if len(v) > 1}
    for crate, variants in sorted(differing.items()):
        print(*crate)
        for features, names in variants.items():
            shown = names if "-v" in sys.argv else names[:3] + (["…"] if len(names) > 3 else [])
            print("   ", " + ".join(sorted(features)) or "(none)", "←", ", ".join(shown))
    if differing:
        print(
            "\nEach crate above would be compiled once per feature set, and one command would "
            "recompile what another built.\nPin it with the features `make test` uses: pins/core "
            "if every part builds it, else pins/more, or the one crate that lacks them "
            "(CONTRIBUTING.md, \"What each command builds\")."
        )
    sys.exit(1 if differing else 0)


main()
