#!/usr/bin/env python3
"""Checks the Grafana dashboard against the metrics host-webhook exports: every query of every
panel and template variable must name at least one metric, and every metric it names must be in
the server's registry (the Prometheus text that `docs-metrics` prints, the same registry /metrics
serves). A renamed or dropped metric then fails here instead of leaving an empty panel.

Usage: check_dashboard.py REGISTRY.txt DASHBOARD.json [--self-test]

--self-test breaks a copy of the dashboard in one way at a time (a metric that does not exist,
a query naming no metric, a histogram's bucket series of a counter) and fails unless each is caught.
"""
import copy
import json
import re
import sys

# PromQL words that are not metric names: keywords, operators spelled as words, and the
# clauses whose parenthesised label lists are dropped before names are collected.
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
            "bool", "offset", "atan2", "inf", "nan", "start", "end"}
LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count", "")}


def registry(path):
    """{exported series name: family type} from the Prometheus text format's # TYPE lines."""
    names = {}
    for line in open(path):
        m = re.match(r"# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)", line)
        if not m:
            continue
        name, kind = m.groups()
        for suffix in SUFFIXES.get(kind, ("",)):
            names[name + suffix] = kind
    return names


def metric_names(expr):
    """The metric names a PromQL expression reads (Grafana's $variables allowed)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', expr)  # strings: labels, regexes
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = LABEL_LISTS.sub("", text)
    text = re.sub(r"\$\{?\w+\}?", "", text)  # Grafana variables
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", text):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names


def queries(dash):
    """(where, PromQL) for every panel target and every query variable."""
    def walk(panels):
        for p in panels:
            yield from walk(p.get("panels", []))
            for t in p.get("targets", []):
                yield f"panel {p.get('title')!r} target {t.get('refId')}", t.get("expr", "")
    yield from walk(dash.get("panels", []))
    for v in dash.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        m = re.fullmatch(r"\s*label_values\((.*),\s*[a-zA-Z_]\w*\s*\)\s*", q)
        yield f"variable {v.get('name')!r}", m.group(1) if m else q


def check(dash, exported):
    errors = []
    found = 0
    for where, expr in queries(dash):
        found += 1
        names = metric_names(expr)
        if not names:
            errors.append(f"{where}: the query names no metric: {expr!r}")
        for n in sorted(names - set(exported)):
            errors.append(f"{where}: {n} is not a metric host-webhook exports ({expr!r})")
    if not found:
        errors.append("the dashboard has no query at all")
    return errors


def mutations():
    def first_target(d):
        return next(t for p in d["panels"] for t in p.get("targets", []))
    return [
        ("a metric that does not exist", lambda d: first_target(d).update(
            expr='sum(rate(hostadm_admission_requests_totl[5m]))')),
        ("a query naming no metric", lambda d: first_target(d).update(expr="vector(1)")),
        ("the bucket series of a counter", lambda d: first_target(d).update(
            expr="rate(hostadm_admission_requests_total_bucket[5m])")),
        ("a variable over a metric that does not exist", lambda d: next(
            v for v in d["templating"]["list"] if v.get("type") == "query")["query"].update(
            query="label_values(hostadm_no_such_info, namespace)")),
    ]


def main():
    args = [a for a in sys.argv[1:] if a != "--self-test"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    exported = registry(args[0])
    if not exported:
        print(f"check_dashboard: no '# TYPE' line in {args[0]}: not a metrics registry", file=sys.stderr)
        return 2
    dash = json.load(open(args[1]))
    errors = check(dash, exported)
    for e in errors:
        print(f"{args[1]}: {e}")
    if errors:
        return 1
    if "--self-test" in sys.argv:
        missed = []
        for what, breakit in mutations():
            broken = copy.deepcopy(dash)
            breakit(broken)
            if not check(broken, exported):
                missed.append(what)
        for what in missed:
            print(f"self-test: the checker did not notice {what}")
        if missed:
            return 1
    print(f"{args[1]}: every query names only metrics host-webhook exports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
