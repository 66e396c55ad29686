#!/usr/bin/env python3
"""rundoc.py DOC — prints a bash script that runs every command DOC shows.

Used by tests/docs/test_docs.sh (which documents the conventions); not a test
itself. Reads the fenced blocks of one Markdown file, in order:
  - ```yaml, ```lua, ```cmake, ```c, ```make and ```python blocks whose first
    line names a file (`# NAME.EXT`, `# Makefile`, `-- NAME.EXT`, `/* NAME.EXT */`) are
    written to that file, first line included;
  - ```sh blocks are split into commands (a line, its `\\` continuations, a
    heredoc up to its end marker) and each becomes one `__run` call; lines
    starting with `#` are comments or shown output and are not run, but a
    shown `#   execution  ID` or `#   callback   ID` after a command teaches
    the runner that ID is a placeholder for what that command printed
    (`__learn`; the Nth such line of a kind stands for the Nth it printed:
    `#   callback   FIRST` then `#   callback   SECOND`), and a shown `#   status  STATUS` must be what it printed
    (`__expect`);
  - a command whose comment says `# exit N` must end with status N.
"""
import re
import shlex
import sys

NAME = re.compile(r"^(?:#|--|/\*)\s*([A-Za-z0-9_./-]+\.[A-Za-z0-9]+|Makefile)\s*(?:\*/)?\s*$")
FILE_LANGS = {"yaml", "lua", "cmake", "c", "make", "python"}
LEARN = re.compile(r"^#\s+(execution|callback|status)\s+(\S+)")
EXIT = re.compile(r"#\s*exit (\d+)\b")
HEREDOC = re.compile(r"<<-?\s*'?\"?([A-Za-z_]+)")


def quote(text):
    return shlex.quote(text)


def commands(lines, first):
    """Yields (kind, lineno, text) from the lines of one sh block."""
    i = 0
    while i < len(lines):
        line = lines[i]
        lineno = first + i
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        if stripped.startswith("#"):
            m = LEARN.match(stripped)
            if m:
                yield ("learn", lineno, (m.group(1), m.group(2)))
            i += 1
            continue
        cmd = [line]
        while cmd[-1].rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd.append(lines[i])
        m = HEREDOC.search(cmd[-1])
        if m:
            end = m.group(1)
            while i + 1 < len(lines):
                i += 1
                cmd.append(lines[i])
                if lines[i].strip() == end:
                    break
        yield ("run", lineno, "\n".join(cmd))
        i += 1


def main():
    doc = sys.argv[1]
    with open(doc, encoding="utf-8") as f:
        text = f.read().split("\n")
    out = []
    i = 0
    while i < len(text):
        m = re.match(r"^```(\w*)\s*$", text[i])
        if not m:
            i += 1
            continue
        lang = m.group(1)
        start = i + 1
        j = start
        while j < len(text) and not text[j].startswith("```"):
            j += 1
        body = text[start:j]
        if lang in FILE_LANGS and body:
            n = NAME.match(body[0].strip())
            if n:
                out.append("__file %s %s %s" % (start, quote(n.group(1)),
                                                 quote("\n".join(body) + "\n")))
        elif lang == "sh":
            out.append("__block %d" % start)
            seen = {}  # shown ids of each kind since the last command: the Nth is the Nth printed
            for kind, lineno, what in commands(body, start + 1):
                if kind == "learn" and what[0] == "status":
                    out.append("__expect status %s" % quote(what[1]))
                elif kind == "learn":
                    seen[what[0]] = seen.get(what[0], 0) + 1
                    out.append("__learn %s %s %d" % (what[0], quote(what[1]), seen[what[0]]))
                else:
                    seen = {}
                    e = EXIT.search(what)
                    status = e.group(1) if e else "0"
                    out.append("__run %d %s %s" % (lineno, status, quote(what)))
        i = j + 1
    print("\n".join(out))


if __name__ == "__main__":
    main()
