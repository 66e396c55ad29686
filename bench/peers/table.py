#!/usr/bin/env python3
"""table.py — the one table of bench/peers.sh, from what each bench printed.

    table.py DIR

DIR holds the outputs of one run:
  cairn_exec.txt      bench/bench_exec's report     (latency: its p50)
  cairn_batch.txt     bench/bench_batch's report    (throughput: --batch 16)
  cairn_callback.txt  bench/bench_callback.sh's     (callback: its p50)
  restate.txt         restate-driver.mjs's `restate MEASURE VALUE` lines
  aws.txt             aws.mjs's `aws MEASURE VALUE` lines
  titles.txt          optional `TOOL TITLE` lines: a peer's column title
                      (`restate Restate 1.7.12`), its version in it

Prints a Markdown table: one row per measure, a column per system, and the
ratio peer / cairn next to each peer; then what the disk allowed in this
run (bench_batch's storage limit) and, when aws.txt has them, the AWS
runner's figures up to the handler's return. A figure missing from its file is an
error (status 1): the table is whole or not printed. tests/bench runs this
on sample outputs.
"""
import os
import re
import sys

MEASURES = [
    ("latency_p50_ms", "one 10-step execution, p50", "ms"),
    ("throughput", "10-step executions per second, 16 in flight", "/s"),
    ("callback_p50_ms", "callback answered → execution completed, p50", "ms"),
]

# What cairn's benches print (bench_exec.c, bench_batch.c, callback_client.c).
CAIRN = {
    "latency_p50_ms": ("cairn_exec.txt", re.compile(r"^\s*p50 ([0-9.]+) ms\s", re.M)),
    "throughput": (
        "cairn_batch.txt",
        re.compile(r"^\s*--batch 16\s+([0-9.]+) executions/s", re.M),
    ),
    "callback_p50_ms": (
        "cairn_callback.txt",
        re.compile(r"callbacks: succeed -> completed\s+p50 ([0-9.]+) ms", re.M),
    ),
}


# The disk's state in the run: bench_batch's storage limit (fsync'd commits
# of 16 executions' rows per second, x 16 / 11).
LIMIT = re.compile(r"storage limit, same run: ([0-9.]+) executions/s")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def cairn_figures(d):
    out = {}
    for key, (name, rx) in CAIRN.items():
        m = rx.search(read(os.path.join(d, name)))
        if not m:
            raise ValueError(f"{name}: no {key} figure in it")
        out[key] = float(m.group(1))
    return out


def peer_figures(d, tool):
    """The `TOOL MEASURE VALUE` lines of DIR/TOOL.txt."""
    out = {}
    for line in read(os.path.join(d, f"{tool}.txt")).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == tool:
            out[parts[1]] = float(parts[2])
    for key, _, _ in MEASURES:
        if key not in out:
            raise ValueError(f"{tool}.txt: no {key} figure in it")
    return out


def fmt(v, unit):
    if unit == "/s":
        return f"{v:,.0f}"
    return f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms"


def ratio(peer, cairn):
    r = peer / cairn
    return f"{r:.2f}×" if r < 10 else f"{r:.0f}×"


def table(d):
    cairn = cairn_figures(d)
    peers = [("restate", "Restate"), ("aws", "AWS local runner")]
    figures = {tool: peer_figures(d, tool) for tool, _ in peers}
    titles = {}
    tpath = os.path.join(d, "titles.txt")
    if os.path.exists(tpath):
        for line in read(tpath).splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2:
                titles[parts[0]] = parts[1].strip()
    head = ["measure", "cairn"]
    for tool, title in peers:
        head += [titles.get(tool, title), "÷ cairn"]
    rows = [head, ["---"] + ["---:"] * (len(head) - 1)]
    for key, title, unit in MEASURES:
        row = [title, fmt(cairn[key], unit)]
        for tool, _ in peers:
            row += [fmt(figures[tool][key], unit), ratio(figures[tool][key], cairn[key])]
        rows.append(row)
    text = "\n".join("| " + " | ".join(r) + " |" for r in rows)
    m = LIMIT.search(read(os.path.join(d, "cairn_batch.txt")))
    if m:
        text += (
            f"\n\nThe disk in this run: {float(m.group(1)):,.0f} 10-step executions/s at 16 a"
            " commit\n(bench_batch's storage limit: fsync'd commits per second × 16 ÷ 10)."
        )
    aws = figures["aws"]
    if "returned_p50_ms" in aws and "callback_returned_p50_ms" in aws:
        text += (
            "\n\nAWS local runner up to the handler's return statement, without the final"
            " checkpoint\nand the fixed 100 ms timer that ends each run(): one execution "
            f"{fmt(aws['returned_p50_ms'], 'ms')}, callback {fmt(aws['callback_returned_p50_ms'], 'ms')}."
        )
    return text


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split("\n")[2].strip(), file=sys.stderr)
        return 2
    try:
        print(table(sys.argv[1]))
    except (OSError, ValueError) as e:
        print(f"table.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
