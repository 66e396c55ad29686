// restate-service.mjs — the workflows of bench/ten.yaml and bench/waiter.yaml
// written with Restate's TypeScript SDK, served on a free port for a Restate
// server to call (HTTP/2 on loopback). Part of bench/peers.sh.
//
//   node restate-service.mjs PORT_FILE
//
// Writes the port it listens on to PORT_FILE once it listens.
//   ten     a service: ten ctx.run steps, each adding one (journaled by the
//           server before the handler goes on), returns 10;
//   waiter  a workflow: creates an awakeable, keeps its id in the
//           workflow's state (read by the shared handler `awakeable`),
//           returns what the awakeable is resolved with.
import { writeFileSync } from "node:fs";
import http2 from "node:http2";
import * as restate from "@restatedev/restate-sdk";

// The SDK calls Promise.withResolvers (Node 22); Debian 12's node is 20.
Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new this((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
};

const ten = restate.service({
  name: "ten",
  handlers: {
    run: async (ctx) => {
      let n = 0;
      for (let i = 1; i <= 10; i++) {
        const m = n;
        n = await ctx.run(`s${i}`, async () => m + 1);
      }
      return n;
    },
  },
});

const waiter = restate.workflow({
  name: "waiter",
  handlers: {
    run: async (ctx) => {
      const { id, promise } = ctx.awakeable();
      ctx.set("awakeable", id);
      return await promise;
    },
    awakeable: async (ctx) => (await ctx.get("awakeable")) ?? "",
  },
});

// What endpoint.listen() does, on loopback only and a port the system picks.
const server = http2.createServer(restate.endpoint().bind(ten).bind(waiter).http2Handler());
server.listen(0, "127.0.0.1", () => writeFileSync(process.argv[2], `${server.address().port}\n`));
