#!/usr/bin/env python3
"""Checks the layering of `api/src`: which files import which, and whether any import runs
in a circle or reaches async-graphql from outside the GraphQL and HTTP layers.

    python3 scripts/layers.py            # report; exit 1 on a cycle or a misplaced import
    python3 scripts/layers.py --graph    # also print every file's imports

An import is any `crate::…`, `super::…` or `self::…` path in a file (in `use` trees, inline
paths and test modules alike), resolved to the file that defines the longest matching module.
`mod x;` declarations are structure, not imports, and are not counted; `main.rs` is the
binary's own crate (it reaches the library as `api::…`) and is left out.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api", "src")
GRAPHQL_LAYERS = ("graphql", "http")


def module_of(rel):
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)


def strip_comments(src):
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    src = re.sub(r"//[^\n]*", "", src)
    # string literals can mention paths in messages; drop them
    src = re.sub(r'r#*"(?:.|\n)*?"#*', '""', src)
    src = re.sub(r'"(?:\\.|[^"\\])*"', '""', src)
    return src


def expand(tree):
    """Expands a use tree `a::{b, c::{d, e}}` into paths."""
    tree = tree.strip()
    depth = 0
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0 and "}" in tree[i:]:
                prefix = tree[:i]
                inner = tree[i + 1 : tree.rindex("}")]
                parts, cur, d = [], "", 0
                for c in inner:
                    if c == "," and d == 0:
                        parts.append(cur)
                        cur = ""
                        continue
                    d += c == "{"
                    d -= c == "}"
                    cur += c
                parts.append(cur)
                out = []
                for p in parts:
                    if p.strip():
                        out += [prefix + q for q in expand(p)]
                return out
            depth += 1
    return [re.sub(r"\s+as\s+\w+$", "", tree)]


def paths_in(src):
    """The paths of a file, with `super::` inside its inline test module (which means the file
    itself) written as `self::`."""
    src = strip_comments(src)
    cut = re.search(r"#\[cfg\(test\)\]\s*(?:pub\s+)?mod\s+\w+\s*\{", src)
    if cut:
        src = src[: cut.end()] + re.sub(r"\bsuper::", "self::", src[cut.end() :])
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", src):
        found += [re.sub(r"\s+", "", p) for p in expand(m.group(1))]
    found += re.findall(r"\b(?:crate|super|self)(?:::\w+)+", src)
    return found


def main():
    files = {}
    for dirpath, _, names in os.walk(ROOT):
        for n in names:
            if n.endswith(".rs") and not (dirpath == ROOT and n == "main.rs"):
                rel = os.path.relpath(os.path.join(dirpath, n), ROOT)
                files[module_of(rel)] = rel
    graph, misplaced = {}, []
    for mod, rel in files.items():
        src = open(os.path.join(ROOT, rel), encoding="utf-8").read()
        deps = set()
        here = mod if rel.endswith(("mod.rs", "lib.rs", "main.rs")) else mod
        for p in paths_in(src):
            segs = [s for s in p.split("::") if s]
            if not segs:
                continue
            if segs[0] == "crate":
                base, rest = (), segs[1:]
            elif segs[0] in ("super", "self"):
                base = list(here)
                while segs and segs[0] in ("super", "self"):
                    if segs[0] == "super":
                        base = base[:-1]
                    segs = segs[1:]
                base, rest = tuple(base), segs
            else:
                continue
            target = tuple(base) + tuple(rest)
            while target and target not in files:
                target = target[:-1]
            if target in files and target != mod:
                deps.add(files[target])
        graph[rel] = sorted(deps)
        top = rel.split(os.sep)[0]
        if top not in GRAPHQL_LAYERS and re.search(r"\basync_graphql\b", strip_comments(src)):
            misplaced.append(rel)
    # Tarjan's strongly connected components
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    if "--graph" in sys.argv:
        for v in sorted(graph):
            print(f"{v} -> {', '.join(graph[v])}")
    print(f"{len(graph)} files, {sum(len(d) for d in graph.values())} imports between them")
    for comp in sccs:
        print(f"cycle of {len(comp)} files: {' '.join(comp)}")
    for rel in sorted(misplaced):
        print(f"async-graphql outside graphql/ and http/: {rel}")
    if not sccs and not misplaced:
        print("no import cycle; async-graphql only in graphql/ and http/")
    return 1 if sccs or misplaced else 0


if __name__ == "__main__":
    sys.exit(main())
