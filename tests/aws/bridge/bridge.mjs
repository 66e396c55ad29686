// bridge.mjs — a loopback bridge that runs cairn's Lambda host (`HOST lambda`)
// against AWS's own checkpoint logic: the in-memory service of the local runner
// of @aws/durable-execution-sdk-js-testing (it applies OperationUpdates,
// validates tokens, mints callback ids, completes waits and retries), for
// tests/aws/test_bridge.sh.
//
//     node bridge.mjs --port-file F [--function NAME]...
//
// The runner invokes a JS handler for each invocation of an execution; this
// handler is a pipe: it hands the invocation event to the C host through the
// Lambda Runtime API this bridge serves (GET .../invocation/next), and returns
// what the host POSTs to .../response. The host's CheckpointDurableExecution
// and GetDurableExecutionState requests (its AWS_ENDPOINT_URL_LAMBDA is this
// bridge) go, unchanged, to the runner's checkpoint client (the worker thread
// holding AWS's logic); what that logic throws is answered as Lambda would
// (400, x-amzn-ErrorType) and recorded as a refusal. Callback answers
// (POST /2025-12-01/durable-execution-callbacks/{Id}/succeed|fail|heartbeat)
// go to the runner's SendDurableExecutionCallback* APIs. SigV4 is not checked
// here (tests/aws/test_sigv4.sh and durable_standin.py do).
//
// For the test, unsigned under /_test/:
//   POST /_test/run {"input", "function"?}  starts runner.run (time skipped) of the
//                               default function, or of a --function -> {"id"}
//   GET  /_test/result?id=N     {"done", "status", "result", "error", "operations",
//                                "updates", "refusals", "invocations", "callbacks"
//                                (the ids AWS's logic minted, as checkpoints answered)}
//   POST /_test/inbox, GET /_test/inboxes: what a submitter sends, recorded
// Executions run one at a time (the runner's checkpoint worker is one per process).
// Chained invokes: each --function NAME is registered with the runner
// (registerDurableFunction) as a pipe to a Runtime API of its own, served on
// another port written to F.NAME (a host runs NAME there); the runner runs a
// CHAINED_INVOKE of FunctionName NAME as an execution of its own with the
// Payload as input, and completes the operation with its result or error.
// Such executions are in their caller's run, under "children" (each
// {function, arn, input, invocations, answers, updates, refusals}).
// Timestamps: epoch ms in the invocation event, epoch seconds in API answers
// (shared/reference/lambda-wire.md). Listens on 127.0.0.1, on a free port
// written to F once it listens.
import { createServer } from "node:http";
import { writeFileSync, renameSync } from "node:fs";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";

const portFile = process.argv[process.argv.indexOf("--port-file") + 1];
if (!portFile || process.argv.indexOf("--port-file") < 0) {
  console.error("usage: bridge.mjs --port-file F");
  process.exit(2);
}

// Dates as the wire has them: ms in the event, seconds in API answers.
const wire = (v, unit) =>
  JSON.parse(
    JSON.stringify(v, function (k, x) {
      const raw = this[k];
      return raw instanceof Date ? (unit === "ms" ? raw.getTime() : raw.getTime() / 1000) : x;
    }),
  );

// Per function ("" the one /_test/run starts): events waiting for its host
// ({event, resolve, reject, run}) and its hosts waiting in /next (res).
const queues = new Map();
const queueOf = (fn) => {
  if (!queues.has(fn)) queues.set(fn, { invocations: [], waiters: [] });
  return queues.get(fn);
};
const byArn = new Map(); // execution arn -> the run (or child) record its requests go to
const functions = [];
for (let i = 0; i < process.argv.length; i++)
  if (process.argv[i] === "--function" && process.argv[i + 1]) functions.push(process.argv[i + 1]);
const inflight = new Map(); // request id -> {resolve, reject, run}
let client = null; // the runner's checkpoint client, from the first event
let current = null; // the run in progress
const runs = [];
const inbox = []; // what submitters POST to /_test/inbox
let nextRequest = 1;

function handOut(fn) {
  const { invocations, waiters } = queueOf(fn);
  while (invocations.length && waiters.length) {
    const inv = invocations.shift();
    const res = waiters.shift();
    const rid = "req-" + nextRequest++;
    inflight.set(rid, inv);
    send(res, 200, inv.event, {
      "Lambda-Runtime-Aws-Request-Id": rid,
      "Lambda-Runtime-Deadline-Ms": String(Date.now() + 900000),
      "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:" + (fn || "cairn"),
    });
  }
}

// The handler the runner invokes for function fn: a pipe to fn's C host.
const pipeTo = (fn) => async function handler(event) {
  client = event.durableExecutionClient;
  let run = byArn.get(event.DurableExecutionArn);
  if (!run && !current.arn && fn === current.function) run = current; // the run's own first event
  if (!run) {
    // an execution the runner started for a chained invoke of fn
    run = {
      function: fn, arn: event.DurableExecutionArn,
      input: event.InitialExecutionState.Operations[0]?.ExecutionDetails?.InputPayload,
      invocations: 0, events: [], answers: [], updates: [], refusals: [], callbacks: [],
    };
    current.children.push(run);
  }
  run.arn ??= event.DurableExecutionArn;
  byArn.set(event.DurableExecutionArn, run);
  run.invocations++;
  const ev = wire(
    {
      DurableExecutionArn: event.DurableExecutionArn,
      CheckpointToken: event.CheckpointToken,
      InitialExecutionState: { Operations: event.InitialExecutionState.Operations },
    },
    "ms",
  );
  run.events.push(ev);
  const answer = await new Promise((resolve, reject) => {
    queueOf(fn).invocations.push({ event: ev, resolve, reject, run });
    handOut(fn);
  });
  return answer;
};

function send(res, status, body, headers = {}) {
  const data = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(data),
    ...headers,
  });
  res.end(data);
}

function refuse(res, err, what, run = current) {
  const type = err?.name && err.name !== "Error" ? err.name : "InvalidParameterValueException";
  const message = err?.message ?? String(err);
  if (run) run.refusals.push({ what, type, message });
  send(res, 400, { Type: "User", Message: message, message }, { "x-amzn-ErrorType": type });
}

async function route(req, res, body, fn) {
  const url = new URL(req.url, "http://x");
  const path = url.pathname;
  let m;
  if (path === "/2018-06-01/runtime/invocation/next" && req.method === "GET") {
    queueOf(fn).waiters.push(res);
    return handOut(fn);
  }
  if ((m = path.match(/^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/))) {
    const inv = inflight.get(m[1]);
    if (!inv) return send(res, 400, { errorType: "InvalidRequestID" });
    inflight.delete(m[1]);
    send(res, 202, { status: "OK" });
    const parsed = body.length ? JSON.parse(body) : null;
    inv.run.answers.push({ kind: m[2], body: parsed });
    if (m[2] === "response") inv.resolve(parsed);
    else inv.reject(Object.assign(new Error(parsed?.errorMessage ?? "error"), { name: parsed?.errorType ?? "Error" }));
    return;
  }
  if (path === "/2018-06-01/runtime/init/error") {
    if (current) current.answers.push({ kind: "init_error", body: JSON.parse(body || "{}") });
    return send(res, 202, { status: "OK" });
  }
  if ((m = path.match(/^\/2025-12-01\/durable-executions\/([^/]+)\/(checkpoint|state)$/))) {
    const arn = decodeURIComponent(m[1]);
    const run = byArn.get(arn) ?? current;
    try {
      if (m[2] === "checkpoint" && req.method === "POST") {
        const r = JSON.parse(body);
        run?.updates.push(...(r.Updates ?? []));
        const out = await client.checkpoint({ ...r, DurableExecutionArn: arn });
        for (const o of out.NewExecutionState?.Operations ?? [])
          if (o.CallbackDetails?.CallbackId && run && !run.callbacks.includes(o.CallbackDetails.CallbackId))
            run.callbacks.push(o.CallbackDetails.CallbackId);
        return send(res, 200, wire(out, "s"));
      }
      if (m[2] === "state" && req.method === "GET") {
        const q = Object.fromEntries(url.searchParams);
        const out = await client.getExecutionState({ ...q, DurableExecutionArn: arn });
        return send(res, 200, wire(out, "s"));
      }
    } catch (err) {
      return refuse(res, err, m[2], run);
    }
  }
  if ((m = path.match(/^\/2025-12-01\/durable-execution-callbacks\/([^/]+)\/(succeed|fail|heartbeat)$/))) {
    const id = decodeURIComponent(m[1]);
    const api = LocalDurableTestRunner.createDurableApi();
    try {
      if (m[2] === "succeed") await api.sendCallbackSuccess({ CallbackId: id, Result: body.toString() });
      else if (m[2] === "fail") await api.sendCallbackFailure({ CallbackId: id, Error: JSON.parse(body || "{}") });
      else await api.sendCallbackHeartbeat({ CallbackId: id });
      return send(res, 200, {});
    } catch (err) {
      return refuse(res, err, "callback-" + m[2]);
    }
  }
  if (path === "/_test/inbox" && req.method === "POST") {
    inbox.push(body.toString());
    return send(res, 200, { ok: true });
  }
  if (path === "/_test/inboxes") return send(res, 200, inbox);
  if (path === "/_test/run" && req.method === "POST") {
    if (current && !current.done) return send(res, 409, { message: "a run is in progress" });
    const { input, function: fn = "" } = JSON.parse(body);
    const run = {
      id: runs.length, function: fn, done: false, invocations: 0, events: [], answers: [],
      updates: [], refusals: [], callbacks: [], children: [],
    };
    runs.push(run);
    current = run;
    const runner = new LocalDurableTestRunner({ handlerFunction: pipeTo(fn) });
    for (const f of functions) runner.registerDurableFunction(f, pipeTo(f));
    runner
      .run({ payload: typeof input === "string" ? JSON.parse(input) : input })
      .then((ex) => {
        run.status = ex.getStatus();
        try {
          run.result = ex.getResult() ?? null;
        } catch (e) {
          run.result = null;
        }
        run.error = run.status === "FAILED" ? ex.getError() : null;
        run.operations = wire(ex.getOperations().map((o) => ({
          id: o.getId?.(), parent: o.getParentId?.(), type: o.getType?.(),
          subType: o.getSubType?.(), name: o.getName?.(), status: o.getStatus?.(),
        })), "s");
      })
      .catch((err) => {
        run.status = "RUN_REJECTED";
        run.error = { ErrorType: err?.name ?? err?.error?.ErrorType, ErrorMessage: err?.message ?? err?.error?.ErrorMessage };
      })
      .finally(() => {
        run.done = true;
      });
    return send(res, 200, { id: run.id });
  }
  if (path === "/_test/result") {
    const run = runs[Number(url.searchParams.get("id"))];
    if (!run) return send(res, 404, { message: "no run" });
    return send(res, 200, wire(run, "s"));
  }
  send(res, 404, { message: `no route ${req.method} ${path}` }, { "x-amzn-ErrorType": "UnknownOperationException" });
}

await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
// A listener whose Runtime API is function fn's; written to file once it listens.
function listen(fn, file) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      route(req, res, Buffer.concat(chunks), fn).catch((err) => {
        console.error("bridge:", err);
        if (!res.headersSent) send(res, 500, { message: String(err) });
      });
    });
  });
  server.keepAliveTimeout = 0;
  server.requestTimeout = 0;
  server.listen(0, "127.0.0.1", () => {
    writeFileSync(file + ".tmp", String(server.address().port));
    renameSync(file + ".tmp", file);
  });
}
for (const f of functions) listen(f, portFile + "." + f);
listen("", portFile);
