// aws.mjs — the 10-step workflow of bench/ten.yaml and the one-callback
// workflow of bench/waiter.yaml written with AWS's durable execution JS SDK,
// run in its local runner (@aws/durable-execution-sdk-js-testing): an
// in-memory test double of the durable-execution backend, in this process
// (the checkpoint logic in a worker thread), nothing written to disk, not
// AWS. Part of bench/peers.sh.
//
//   node aws.mjs LATENCY_RUNS THROUGHPUT_RUNS CALLBACKS
//
// Prints `aws MEASURE VALUE` lines:
//   latency_p50_ms   one execution, runner.run() called -> result, p50 of
//                    LATENCY_RUNS sequential runs (a fresh runner each);
//   throughput       executions/s with 16 runs in flight (16 runners), of
//                    THROUGHPUT_RUNS in all;
//   callback_p50_ms  sendCallbackSuccess() called -> runner.run() resolved
//                    with the execution SUCCEEDED, p50 of CALLBACKS, one at a
//                    time;
//   returned_p50_ms  the same runs as latency_p50_ms, run() called -> the
//                    handler's return statement reached;
//   callback_returned_p50_ms  the same callbacks, sendCallbackSuccess()
//                    called -> the handler's return statement reached.
// The two last ones leave out what run() adds after the handler returned:
// the final checkpoint and a fixed 100 ms timer of the runner's own
// (executeHandler in history-event-types.mjs: "TODO: improve the polling
// mechanism so that we don't need an arbitrary timer").
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { p50, perSecond } from "./measure.mjs";
import {
  LocalDurableTestRunner,
  WaitingOperationStatus,
} from "@aws/durable-execution-sdk-js-testing";

const [latencyRuns, throughputRuns, callbacks] = process.argv.slice(2).map(Number);
const inFlight = 16;

let returned = 0; // when a handler last reached its return statement

// bench/ten.yaml: ten steps, each adding one.
const ten = withDurableExecution(async (event, ctx) => {
  let n = 0;
  for (let i = 1; i <= 10; i++) {
    const m = n;
    n = await ctx.step(`s${i}`, async () => m + 1);
  }
  returned = performance.now();
  return n;
});

// bench/waiter.yaml: one callback, its result the output.
const waiter = withDurableExecution(async (event, ctx) => {
  const [answer] = await ctx.createCallback("answer", { timeout: { hours: 1 } });
  const result = await answer;
  returned = performance.now();
  return result;
});


async function runTen(runner) {
  const ex = await runner.run({ payload: {} });
  if (ex.getStatus() !== "SUCCEEDED" || ex.getResult() !== 10)
    throw new Error(`aws: ten ended ${ex.getStatus()} ${JSON.stringify(ex.getResult())}`);
}

// Real timers: skipTime installs fake timers, which fake performance.now()
// as well; these workflows have no wait to skip.
await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });

// Warm up (JIT, the checkpoint worker).
for (let i = 0; i < 20; i++) await runTen(new LocalDurableTestRunner({ handlerFunction: ten }));

const lat = [];
const latReturned = [];
for (let i = 0; i < latencyRuns; i++) {
  const runner = new LocalDurableTestRunner({ handlerFunction: ten });
  const t = performance.now();
  await runTen(runner);
  lat.push(performance.now() - t);
  latReturned.push(returned - t);
}
console.log(`aws latency_p50_ms ${p50(lat).toFixed(3)}`);
console.log(`aws returned_p50_ms ${p50(latReturned).toFixed(3)}`);

const perS = await perSecond(throughputRuns, inFlight, () =>
  runTen(new LocalDurableTestRunner({ handlerFunction: ten })),
);
console.log(`aws throughput ${perS.toFixed(1)}`);

const rt = [];
const rtReturned = [];
for (let i = 0; i < callbacks; i++) {
  const runner = new LocalDurableTestRunner({ handlerFunction: waiter });
  const done = runner.run({ payload: {} });
  const op = runner.getOperation("answer");
  await op.waitForData(WaitingOperationStatus.STARTED);
  const t = performance.now();
  await op.sendCallbackSuccess(JSON.stringify("yes"));
  const ex = await done;
  rt.push(performance.now() - t);
  rtReturned.push(returned - t);
  if (ex.getStatus() !== "SUCCEEDED")
    throw new Error(`aws: waiter ended ${ex.getStatus()}`);
}
console.log(`aws callback_p50_ms ${p50(rt).toFixed(3)}`);
console.log(`aws callback_returned_p50_ms ${p50(rtReturned).toFixed(3)}`);

await LocalDurableTestRunner.teardownTestEnvironment();
