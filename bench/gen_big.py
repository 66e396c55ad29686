#!/usr/bin/env python3
"""Writes a workflow of N operations (steps, waits, choices) to stdout, for
timing `cairn gen` on a large input: python3 gen_big.py 1000 > big.yaml"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
last = max(i for i in range(n) if i % 10 not in (4, 9))
print("cairn: 1\nname: big\ntimeout: 30d\noutput: ${v%d}\nsteps:" % last)
for i in range(n):
    if i % 10 == 9:
        print(f"  - choice: c{i}\n    when:\n      - if: ${{v{i-1}.n > {i} && input.x != 'q'}}\n        goto: s{i+1 if i + 1 < n else 0}\n    else: s{i+1 if i + 1 < n else 0}")
    elif i % 10 == 4:
        print(f"  - wait: w{i}\n    for: 1s")
    else:
        prev = f"${{v{i-1}.n}}" if i > 0 and (i - 1) % 10 not in (4, 9) else "${input.x}"
        print(f"  - step: s{i}\n    run: {{ c: big_step }}\n    with:\n      n: {prev}\n      note: \"step {i} of ${{execution.id}}\"\n    retry: {{ max_attempts: 3, initial: 1s }}\n    as: v{i}")
