// twins.mjs — cairn's workflows written with AWS's durable execution SDK for
// JavaScript, as its docs show, for tests/aws/test_wire.sh: each handler does
// the operations of its YAML twin, in the same order, with the same names,
// retries and options. The step bodies stand in for cairn's hooks: they
// return the values and raise the errors (type, message, data) the hooks do
// for the test's inputs.
//   order     examples/order/order.yaml      (steps, an at-most-once step
//             retried, a wait, a caught error and its compensation)
//   approval  examples/approval/approval.yaml (wait_for_callback: a submitter
//             POSTing the callback id to the input's inbox)
//   payment   examples/payment/payment.yaml  (callback, an http step, await)
//   aws_batch tests/fanout/aws_batch.yaml    (parallel, map, group, condition)
//   aws_tolerate tests/fanout/aws_tolerate.yaml (a map, one item failing, tolerated)
import {
  DurableOperationError,
  JitterStrategy,
  StepSemantics,
  createRetryStrategy,
  createWaitStrategy,
} from "@aws/durable-execution-sdk-js";

// An error with cairn's three parts. A plain Error reaches the wire as
// {ErrorType: name, ErrorMessage} only; a DurableOperationError also carries
// ErrorData, the one way the SDK has to send an error's data.
class Failure extends DurableOperationError {
  constructor(type, message, data) {
    super(message, undefined, data === undefined ? undefined : JSON.stringify(data));
    this.name = type;
    this.errorType = type;
  }
}

// cairn's retry: {max_attempts, initial, max, rate, jitter, on}; `on` matches
// the error's type (here its name), as cairn's does; the delays are the SDK's.
const retry = ({ attempts = 3, initial = 1, max = 30, rate = 2, jitter = "full", on } = {}) => {
  const s = createRetryStrategy({
    maxAttempts: attempts,
    initialDelay: { seconds: initial },
    maxDelay: { seconds: max },
    backoffRate: rate,
    jitter: jitter === "none" ? JitterStrategy.NONE : JitterStrategy.FULL,
  });
  return (e, n) => (on && !on.includes(e.name) ? { shouldRetry: false } : s(e, n));
};
const NONE = { retryStrategy: () => ({ shouldRetry: false }) }; // retry: none

// A failed step, as a workflow's catch sees it: {type, message, data}, when
// its type is one of types; anything else goes on failing.
const caught = (e, types) => {
  const type = e?.cause?.name;
  if (!(e instanceof DurableOperationError) || !types.includes(type)) throw e;
  return { type, message: e.message, data: e.errorData === undefined ? null : JSON.parse(e.errorData) };
};

// ---- order (examples/order/order.lua, order_hooks.c) ----
const CATALOGUE = {
  "BOOK-1": { name: "The Art of Computer Programming", price: 189.0, stock: 5 },
  "MUG-7": { name: "Cairn mug", price: 12.5, stock: 40 },
  "LAMP-3": { name: "Desk lamp", price: 49.9, stock: 2 },
  "TENT-2": { name: "Four-season tent", price: 1350.0, stock: 3 },
};
const cents = (x) => Math.floor(x * 100 + 0.5) / 100;

function validateOrder(input) {
  const lines = [];
  let total = 0, count = 0;
  input.items.forEach((item, i) => {
    const e = CATALOGUE[item.sku];
    if (!e)
      throw new Failure("Order.Invalid", `item ${i + 1}: unknown SKU '${item.sku}'`, { sku: item.sku, line: i + 1 });
    const amount = cents(e.price * item.qty);
    lines.push({ sku: item.sku, name: e.name, qty: item.qty, price: e.price, amount });
    total += amount;
    count += item.qty;
  });
  return { id: input.order_id, lines, count, total: cents(total), currency: "EUR" };
}

function reserveStock(args, attempt) {
  if (attempt === 1) throw new Failure("Inventory.Busy", "inventory is locked by another order; try again");
  for (const l of args.lines) {
    const stock = CATALOGUE[l.sku].stock;
    if (l.qty > stock)
      throw new Failure("Inventory.OutOfStock", `only ${stock} of ${l.sku} left, ${l.qty} wanted`,
        { sku: l.sku, wanted: l.qty, available: stock });
  }
  return { id: `rsv-${args.order_id}`, lines: args.lines.length, attempt };
}

function chargeCard(args, attempt) {
  const last4 = args.card.slice(-4);
  if (args.card.startsWith("4000"))
    throw new Failure("Payment.Declined", `card ending ${last4} declined: insufficient funds`,
      { decline_code: "insufficient_funds", card: last4 });
  return { charge_id: `ch_${args.order_id}_${attempt}`, amount: args.amount, currency: args.currency, card: last4 };
}

async function order(input, ctx) {
  const rejected = (problem) => {
    throw new Failure("Order.Rejected", `order ${input.order_id} rejected: ${problem.message}`, problem);
  };
  let o, reservation, payment;
  try {
    o = await ctx.step("validate", async () => validateOrder(input), NONE);
  } catch (e) {
    return rejected(caught(e, ["Order.Invalid"]));
  }
  try {
    reservation = await ctx.step(
      "reserve-stock",
      async (sc) => reserveStock({ order_id: o.id, lines: o.lines }, sc.attempt),
      {
        semantics: StepSemantics.AtMostOncePerRetry,
        retryStrategy: retry({ attempts: 4, initial: 2, jitter: "none", on: ["Inventory.Busy", "StepInterruptedError"] }),
      },
    );
  } catch (e) {
    return rejected(caught(e, ["Inventory.OutOfStock"]));
  }
  try {
    payment = await ctx.step(
      "charge-card",
      async (sc) => chargeCard({ order_id: o.id, card: input.card.number, amount: o.total, currency: o.currency }, sc.attempt),
      { retryStrategy: retry({ on: ["Payment.Unavailable"] }) },
    );
  } catch (e) {
    const problem = caught(e, ["Payment.Declined"]);
    await ctx.step("release-stock", async () => ({ released: reservation.id, reason: problem.type }), { retryStrategy: retry() });
    return rejected(problem);
  }
  if (o.total >= 1000) await ctx.wait("fraud-review", { minutes: 30 });
  const shipment = await ctx.step(
    "ship",
    async () => ({ tracking: `TRK-${o.id}`, carrier: "cairn-post", to: input.address?.city ?? "pickup point" }),
    { retryStrategy: retry() },
  );
  return {
    order_id: o.id,
    status: "shipped",
    total: o.total,
    currency: o.currency,
    charge: payment.charge_id,
    card: payment.card,
    tracking: shipment.tracking,
    summary: `order ${o.id}: ${o.count} items, ${o.total} ${o.currency}, tracking ${shipment.tracking}`,
  };
}

// ---- approval (examples/approval/approval.lua) ----
async function post(url, message) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(message) });
  await res.text();
  if (res.status < 200 || res.status > 299)
    throw new Failure("Inbox.Unavailable", `the inbox answered ${res.status}`, { status: res.status });
  return res;
}

async function approval(input, ctx) {
  const answer = await ctx.waitForCallback(
    "manager-approval",
    async (callbackId) => {
      await post(input.inbox, {
        kind: "approval-request", callback_id: callbackId, request: input.request_id,
        amount: input.amount, item: input.item,
      });
    },
    {
      timeout: { hours: 24 },
      heartbeatTimeout: { hours: 2 },
      retryStrategy: retry({ attempts: 3, initial: 1, jitter: "none" }),
    },
  );
  const decision = JSON.parse(answer);
  if (decision.approved === true && input.amount < 10000)
    return { request: input.request_id, approved: true, by: decision.by };
  throw new Failure("Approval.Rejected", `request ${input.request_id} rejected by ${decision.by}`, decision);
}

// ---- payment (examples/payment/payment.yaml: an http step) ----
async function payment(input, ctx) {
  const [paid, callbackId] = await ctx.createCallback("payment", { timeout: { hours: 1 } });
  const charge = await ctx.step(
    "request-charge",
    async () => {
      const res = await fetch(`${input.service}/charges`, {
        method: "POST",
        headers: { "Idempotency-Key": `charge-${input.order_id}`, "Content-Type": "application/json" },
        body: JSON.stringify({ callback_id: callbackId, order_id: input.order_id, amount: input.amount, currency: input.currency }),
        signal: AbortSignal.timeout(5000),
      });
      const text = await res.text();
      if (res.status >= 500) throw new Failure(`Http.Status.${res.status}`, `the service answered ${res.status}`);
      if (res.status < 200 || res.status > 299) throw new Failure(`Http.Status.${res.status}`, `the service answered ${res.status}`);
      return { status: res.status, headers: Object.fromEntries(res.headers), body: JSON.parse(text) };
    },
    { retryStrategy: retry({ attempts: 4, initial: 1, jitter: "none", on: ["Http.Transport", "Http.Status.500", "Http.Status.503"] }) },
  );
  const verdict = JSON.parse(await paid);
  return { order_id: input.order_id, status: "paid", charge: charge.body.charge_id, receipt: verdict.receipt };
}

// ---- aws_batch (tests/fanout/aws_batch.yaml, aws.lua) ----
async function aws_batch(event, ctx) {
  const p = await ctx.parallel("approvals", [
    { name: "alice", func: async (c) => c.step("ask", async () => "a", NONE) },
    { name: "bob", func: async (c) => c.step("ask", async () => "b", NONE) },
  ]);
  const m = await ctx.map("lines", event.lines, async (c, item) => c.step("charge", async () => item * 2, NONE), {
    maxConcurrency: 2,
  });
  const g = await ctx.runInChildContext("shipping", async (c) => c.step("label", async () => "L", NONE));
  // backoff: { initial: 1s, jitter: none }: the rest is AWS's wait strategy (60, ×1.5, 5 m)
  const w = await ctx.waitForCondition("ready", async (state) => ({ n: state.n + 1 }), {
    initialState: { n: 0 },
    waitStrategy: createWaitStrategy({
      initialDelay: { seconds: 1 },
      jitter: JitterStrategy.NONE,
      shouldContinuePolling: (s) => s.n < 3,
    }),
  });
  return { p: p.getResults(), m: m.getResults(), g, w };
}

// ---- aws_tolerate (tests/fanout/aws_tolerate.yaml): the third item fails, one failure tolerated ----
async function aws_tolerate(event, ctx) {
  const m = await ctx.map(
    "lines",
    event.lines,
    async (c, item) =>
      c.step(
        "charge",
        async () => {
          if (item === 3) throw new Failure("Charge.Declined", "line 3 declined");
          return item * 10;
        },
        NONE,
      ),
    { completionConfig: { toleratedFailureCount: 1 } },
  );
  return {
    status: m.status,
    completion_reason: m.completionReason,
    success_count: m.successCount,
    failure_count: m.failureCount,
    started_count: m.startedCount,
    total_count: m.totalCount,
    results: m.getResults(),
  };
}

export const twins = { order, approval, payment, aws_batch, aws_tolerate };
