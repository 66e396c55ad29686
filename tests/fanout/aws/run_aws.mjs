// run_aws.mjs — the handlers of tests/fanout/test_aws.sh, written with AWS's
// durable execution SDK as its docs show, each the twin of a cairn workflow
// (tests/fanout/aws_*.yaml), run in AWS's local runner (time skipped). Prints
// one JSON object: for each case its status, result and operations
// {id, parent, type, subType, name, status, result}.
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { LocalDurableTestRunner } from "@aws/durable-execution-sdk-js-testing";

const once = { retryStrategy: () => ({ shouldRetry: false }) }; // cairn: retry: none

const summary = (b) => ({
  status: b.status,
  completion_reason: b.completionReason,
  success_count: b.successCount,
  failure_count: b.failureCount,
  started_count: b.startedCount,
  total_count: b.totalCount,
  results: b.getResults(),
});

const cases = {
  // aws_batch.yaml: a parallel, a map two at a time, a child context, a condition
  aws_batch: {
    input: { lines: [1, 2, 3] },
    handler: async (event, ctx) => {
      const p = await ctx.parallel("approvals", [
        { name: "alice", func: async (c) => c.step("ask", async () => "a", once) },
        { name: "bob", func: async (c) => c.step("ask", async () => "b", once) },
      ]);
      const m = await ctx.map(
        "lines",
        event.lines,
        async (c, item) => c.step("charge", async () => item * 2, once),
        { maxConcurrency: 2 },
      );
      const g = await ctx.runInChildContext("shipping", async (c) =>
        c.step("label", async () => "L", once),
      );
      const w = await ctx.waitForCondition("ready", async (state) => ({ n: state.n + 1 }), {
        initialState: { n: 0 },
        waitStrategy: (s) =>
          s.n >= 3 ? { shouldContinue: false } : { shouldContinue: true, delay: { seconds: 1 } },
      });
      return { p: p.getResults(), m: m.getResults(), g, w };
    },
  },
  // aws_tolerate.yaml: a map whose third item fails, one failure tolerated
  aws_tolerate: {
    input: { lines: [1, 2, 3, 4] },
    handler: async (event, ctx) => {
      const m = await ctx.map(
        "lines",
        event.lines,
        async (c, item) =>
          c.step(
            "charge",
            async () => {
              if (item === 3) throw new Error("line 3 declined");
              return item * 10;
            },
            once,
          ),
        { completionConfig: { toleratedFailureCount: 1 } },
      );
      return summary(m);
    },
  },
  // aws_quorum.yaml: done at one success; the branch still waiting is left behind
  aws_quorum: {
    input: {},
    handler: async (event, ctx) => {
      const p = await ctx.parallel(
        "race",
        [
          {
            name: "slow",
            func: async (c) => {
              await c.wait("pause", { hours: 1 });
              return c.step("late", async () => "late", once);
            },
          },
          { name: "quick", func: async (c) => c.step("fast", async () => "fast", once) },
        ],
        { completionConfig: { minSuccessful: 1 } },
      );
      return summary(p);
    },
  },
};

const out = {};
await LocalDurableTestRunner.setupTestEnvironment({ skipTime: true });
for (const [name, c] of Object.entries(cases)) {
  const runner = new LocalDurableTestRunner({ handlerFunction: withDurableExecution(c.handler) });
  const ex = await runner.run({ payload: c.input });
  const ops = ex.getOperations().map((op) => {
    const d = op.getOperationData();
    const text = d.StepDetails?.Result ?? d.ContextDetails?.Result;
    return {
      id: d.Id,
      parent: d.ParentId ?? null,
      type: d.Type,
      subType: d.SubType ?? null,
      name: d.Name ?? null,
      status: d.Status,
      result: text === undefined ? null : JSON.parse(text),
    };
  });
  out[name] = { status: ex.getStatus(), result: ex.getResult() ?? null, operations: ops };
}
await LocalDurableTestRunner.teardownTestEnvironment();
console.log(JSON.stringify(out, null, 1));
