#!/usr/bin/env bash
# test_lambda_package.sh — what cairn_add_lambda packages (examples/lambda:
# the order example as a Lambda custom runtime) runs as Lambda would run it,
# and the example's deployment files hold what they must, offline:
#   - order_lambda.zip holds an executable `bootstrap` at its root and lib/
#     with the shared libraries it loads, but none of the C library's;
#   - nothing in it needs a newer glibc than Amazon Linux 2023's (2.34), the
#     C library of provided:al2023 (read from the ELF symbol versions: a
#     check of what can be checked here, not a run on that image);
#   - unzipped into a task folder and started as Lambda starts it (no
#     arguments, AWS_LAMBDA_RUNTIME_API and _HANDLER set, LD_LIBRARY_PATH
#     on the folder's lib/), bootstrap loads the zip's libraries and runs
#     executions of tests/aws/durable_standin.py (the Runtime API and the
#     checkpoint and state routes) to their ends: success through two
#     suspensions, declined FAILED;
#   - template.yml and template-image.yml parse as YAML and declare a
#     provided.al2023 function (zip: Runtime provided.al2023, Handler the
#     workflow, CodeUri the zip; image: PackageType Image), DurableConfig with
#     ExecutionTimeout (1 s – 366 d) and the two checkpoint actions; the
#     operator policy names the actions of the --aws commands;
#   - the Dockerfile starts FROM provided:al2023, COPYs bootstrap to
#     ${LAMBDA_RUNTIME_DIR} from the folder cairn_add_lambda leaves.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

EX="$CAIRN_SOURCE_DIR/examples/lambda"
PKG="$CAIRN_BINARY_DIR/examples/lambda"
ZIP="$PKG/order_lambda.zip"
[[ -f $ZIP ]] || fail "build the examples first ($ZIP)"
test_credentials

check "order_lambda.zip: bootstrap at the root, executable; lib/ without the C library"
python3 - "$ZIP" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
assert "bootstrap" in names, names
mode = z.getinfo("bootstrap").external_attr >> 16
assert mode & 0o111 == 0o111, oct(mode)
others = [n for n in names if n not in ("bootstrap", "lib/")]
assert others and all(n.startswith("lib/") and "/" not in n[4:] for n in others), names
for lib in ("libcjson.so.1", "liblua5.4.so.0", "libsqlite3.so.0", "libcurl.so.4", "libcrypto.so.3"):
    assert "lib/" + lib in names, (lib, names)
bad = [n for n in others if re.match(r"lib/(ld-linux|libc|libm|libpthread|libdl|librt)\.so", n)]
assert not bad, bad
PY

check "nothing in it needs a glibc newer than Amazon Linux 2023's (2.34)"
TASK="$WORK/task"
mkdir -p "$TASK"
(cd "$TASK" && python3 -m zipfile -e "$ZIP" .)
chmod +x "$TASK/bootstrap" # python's zipfile drops the mode the zip holds (checked above)
# An ASan/UBSan build (tools/test.sh's second stage) also bundles the sanitizer's runtime and the
# GCC libraries it needs, which a release zip never holds: those alone are left out here.
sanitized=0
compgen -G "$TASK/lib/libasan.so*" >/dev/null && sanitized=1
newest=$(for f in "$TASK/bootstrap" "$TASK"/lib/*; do
    case $sanitized:$(basename "$f") in 1:libasan* | 1:libubsan* | 1:libstdc++* | 1:libgcc_s*) continue ;; esac
    objdump -T "$f" | grep -o 'GLIBC_2\.[0-9]*' || true
done | sort -uV | tail -1)
[[ -n $newest ]] || fail "no glibc symbol versions read"
[[ $(printf '%s\nGLIBC_2.34\n' "$newest" | sort -V | tail -1) == GLIBC_2.34 ]] ||
    fail "the zip needs $newest, newer than provided:al2023's glibc 2.34"
echo "  newest glibc version needed: $newest"

check "the unzipped bootstrap, started as Lambda starts it, runs executions on the stand-in"
standin pkg
# Lambda: cwd /var/task, no arguments, the handler in _HANDLER, lib/ on the path
(cd "$TASK" && env LAMBDA_TASK_ROOT="$TASK" _HANDLER=order LD_LIBRARY_PATH="$TASK/lib" \
    AWS_LAMBDA_RUNTIME_API="127.0.0.1:$PORT" AWS_ENDPOINT_URL_LAMBDA="http://127.0.0.1:$PORT" \
    ./bootstrap >"$WORK/host-pkg.out" 2>"$WORK/host-pkg.err") &
PIDS+=($!)
# ldd's whole answer first: `ldd | grep -q` under pipefail fails when grep stops reading early
deps=$(LD_LIBRARY_PATH="$TASK/lib" ldd "$TASK/bootstrap") || fail "ldd bootstrap failed"
for lib in libcjson.so.1 liblua5.4.so.0 libcurl.so.4 libmicrohttpd.so.12; do
    grep -qF "$lib => $TASK/lib/$lib" <<<"$deps" ||
        fail "bootstrap does not load the zip's $lib"
done
for case in success declined; do
    arn=$(start "$CAIRN_SOURCE_DIR/examples/order/inputs/$case.json")
    settle "$arn" "$WORK/$case.json"
done
py() {
    python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in sys.argv[2:]:
    if not eval(e):
        sys.exit("does not hold: %s\n  in %s" % (e, json.dumps(d)[:2000]))
PY
}
py "$WORK/success.json" 'd["status"] == "SUCCEEDED"' 'json.loads(d["result"])["status"] == "shipped"' \
    '[a["body"]["Status"] for a in d["answers"]] == ["PENDING", "PENDING", "SUCCEEDED"]'
py "$WORK/declined.json" 'd["status"] == "FAILED"' '"declined" in d["error"]["ErrorMessage"]'
grep -q 'SUCCEEDED' "$WORK/host-pkg.err" || fail "bootstrap said nothing on stderr: $(cat "$WORK/host-pkg.err")"

check "template.yml and template-image.yml: a provided.al2023 durable function, its IAM actions"
# PyYAML: Debian's python3-yaml (tools/deps.sh --test) when the python3 on PATH lacks it
PYYAML=python3
python3 -c 'import yaml' 2>/dev/null || PYYAML=/usr/bin/python3
"$PYYAML" - "$EX/template.yml" "$EX/template-image.yml" <<'PY'
import sys, yaml
zipt, imaget = (yaml.safe_load(open(p)) for p in sys.argv[1:])
for t in (zipt, imaget):
    assert t["Transform"] == "AWS::Serverless-2016-10-31", t.get("Transform")
    fns = [r for r in t["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert len(fns) == 1, fns
    p = fns[0]["Properties"]
    dc = p["DurableConfig"]
    assert set(dc) <= {"ExecutionTimeout", "RetentionPeriodInDays"}, dc
    assert 1 <= dc["ExecutionTimeout"] <= 31622400, dc
    assert 1 <= dc.get("RetentionPeriodInDays", 14) <= 90, dc
    acts = {a for pol in p["Policies"] for s in pol["Statement"] for a in s["Action"]}
    assert {"lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState"} <= acts, acts
    assert p["Architectures"] == ["x86_64"], p["Architectures"]
p = [r for r in zipt["Resources"].values() if r["Type"] == "AWS::Serverless::Function"][0]["Properties"]
assert p["Runtime"] == "provided.al2023" and p["Handler"] == "order", p
assert p["CodeUri"] == "../../build/examples/lambda/order_lambda.zip", p["CodeUri"]
p = [r for r in imaget["Resources"].values() if r["Type"] == "AWS::Serverless::Function"][0]["Properties"]
assert p["PackageType"] == "Image" and "Runtime" not in p and p["ImageConfig"]["Command"] == ["order"], p
ops = [r for r in zipt["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"][0]
acts = {a for s in ops["Properties"]["PolicyDocument"]["Statement"] for a in s["Action"]}
need = {"lambda:" + a for a in ("SendDurableExecutionCallbackSuccess", "SendDurableExecutionCallbackFailure",
        "SendDurableExecutionCallbackHeartbeat", "GetDurableExecution", "GetDurableExecutionHistory",
        "StopDurableExecution")}
assert need <= acts, need - acts
PY
# the bootstrap's architecture is the one the templates declare
file -L "$TASK/bootstrap" 2>/dev/null | grep -q x86-64 || [[ $(uname -m) == x86_64 ]] ||
    fail "bootstrap is not x86_64, which the templates declare"

check "the Dockerfile: provided:al2023, bootstrap COPYed to \${LAMBDA_RUNTIME_DIR} from the package folder"
python3 - "$EX/Dockerfile" "$PKG/order_lambda.package" "$CAIRN_SOURCE_DIR" "$CAIRN_BINARY_DIR" <<'PY'
import os, re, sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip() and not l.lstrip().startswith("#")]
assert lines[0] == "FROM public.ecr.aws/lambda/provided:al2023", lines[0]
arg = dict(re.match(r"ARG (\w+)=(\S+)", l).groups() for l in lines if l.startswith("ARG "))
copies = [l.split()[1:] for l in lines if l.startswith("COPY ")]
assert ["${PACKAGE}/bootstrap", "${LAMBDA_RUNTIME_DIR}/bootstrap"] in copies, copies
assert ["${PACKAGE}/lib/", "${LAMBDA_TASK_ROOT}/lib/"] in copies, copies
# the default PACKAGE is the folder the build leaves, relative to the tree's root (build/)
assert arg["PACKAGE"] == "build/examples/lambda/order_lambda.package", arg
pkg = sys.argv[2]
assert os.access(os.path.join(pkg, "bootstrap"), os.X_OK) and os.path.isdir(os.path.join(pkg, "lib")), pkg
assert any(l.startswith("ENV LD_LIBRARY_PATH=${LAMBDA_TASK_ROOT}/lib") for l in lines), lines
PY

echo "ok"
