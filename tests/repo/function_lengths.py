#!/usr/bin/env python3
"""Lists the functions of webhook/ and harness/ longer than LIMIT lines (default 60: a function
that does one thing fits on a screen) and fails on any not named in the allow-list.
  function_lengths.py SOURCE_DIR [--limit N] [--all]
The allow-list, tests/repo/long_functions.txt, has one line per function: PATH NAME KIND, KIND
being `table` (a function that is one table, e.g. the flag definitions: longer is clearer) or
`split-pending` (known too long, to be split; printed as a warning on every run). A listed
function that has become short again is reported too, so the list only shrinks. --all prints every
function over the limit, listed or not.
The scan is lexical (comments, strings and character literals removed, braces matched): a
function is a brace block at namespace or class level whose head has a parameter list.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NOT_FUNCTION = re.compile(r"\b(class|struct|union|enum|namespace)\b[^()]*$|=\s*$|^\s*extern\s+\"C\"")
NAME = re.compile(r"([~A-Za-z_][\w:<>~]*(?:operator\s*[^\s(]+)?)\s*\($")


def strip_code(text):
    """Comments, string and character literals blanked, newlines kept (so lines still count)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            m = re.match(r'R"([^(\s]{0,16})\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_name(head):
    """The function's name from the text before its body, or None when the block is no function."""
    head = " ".join(head.split())
    if not head or NOT_FUNCTION.search(head):
        return None
    # Drop a trailing `const`, `noexcept`, `override`, `-> T`, an initializer list.
    depth, cut = 0, None
    for k, ch in enumerate(head):
        if ch == "(":
            if depth == 0 and cut is None:
                cut = k
            depth += 1
        elif ch == ")":
            depth -= 1
    if cut is None:
        return None
    m = NAME.search(head[: cut + 1])
    if not m or m.group(1).split("::")[-1] in ("if", "for", "while", "switch", "catch", "return"):
        return None
    return m.group(1)


def functions(path):
    """(name, first line, line count) for each function defined in the file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        code = strip_code(f.read())
    found, stack, head_start, line = [], [], 0, 1
    for k, ch in enumerate(code):
        if ch == "\n":
            line += 1
        elif ch in ";}" or (ch == "{" and stack and stack[-1][0] == "fn"):
            pass
        if ch == "{":
            in_function = any(kind == "fn" for kind, *_ in stack)
            name = None if in_function else function_name(code[head_start:k])
            first = line - code[head_start:k].count("\n") + (len(code[head_start:k]) - len(code[head_start:k].lstrip("\n"))) if name else line
            stack.append(("fn" if name else "scope", name, first))
            head_start = k + 1
        elif ch == "}":
            if stack:
                kind, name, first = stack.pop()
                if kind == "fn":
                    found.append((name, first, line - first + 1))
            head_start = k + 1
        elif ch == ";" or (ch == ":" and code[k - 1 : k + 1] != "::" and code[k : k + 2] != "::"
                          and re.search(r"\b(public|private|protected)\s*$", code[head_start:k])):
            head_start = k + 1
    return found


def scan(root, limit):
    long = []
    for top in ("webhook", "harness"):
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith(".cpp") or name.endswith(".hpp"):
                    full = os.path.join(directory, name)
                    rel = os.path.relpath(full, root).replace(os.sep, "/")
                    for fn, first, count in functions(full):
                        if count > limit:
                            long.append((rel, fn, first, count))
    return long


def allow_list():
    allowed = {}
    with open(os.path.join(HERE, "long_functions.txt"), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if line:
                path, name, kind = line.split()
                if kind not in ("table", "split-pending"):
                    raise SystemExit(f"long_functions.txt:{number}: KIND is table or split-pending, got {kind}")
                allowed[(path, name)] = kind
    return allowed


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    root, limit = argv[1], 60
    if "--limit" in argv:
        limit = int(argv[argv.index("--limit") + 1])
    allowed = allow_list()
    failures, seen = [], set()
    for rel, fn, first, count in sorted(scan(root, limit), key=lambda r: -r[3]):
        kind = allowed.get((rel, fn))
        seen.add((rel, fn))
        where = f"{rel}:{first}: {fn} is {count} lines"
        if kind is None:
            failures.append(f"{where} (over {limit}): split it into steps that each do one thing, "
                            "or, when it is one table, list it in tests/repo/long_functions.txt as table")
        elif kind == "split-pending" or "--all" in argv:
            print(f"warning: {where} ({kind})")
    for (rel, fn), kind in sorted(allowed.items()):
        if (rel, fn) not in seen:
            failures.append(f"tests/repo/long_functions.txt: {rel} {fn} ({kind}) is no longer over "
                            f"{limit} lines (or is gone): remove its line")
    for line in failures:
        print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
