// restate-driver.mjs — the client side of bench/peers.sh's Restate figures:
// calls a Restate server's HTTP ingress (keep-alive connections), the
// service restate-service.mjs registered with it.
//
//   node restate-driver.mjs INGRESS_URL LATENCY_RUNS THROUGHPUT_RUNS CALLBACKS
//
// Prints `restate MEASURE VALUE` lines:
//   latency_p50_ms   POST /ten/run (request-response) sent -> 10 received,
//                    p50 of LATENCY_RUNS sequential calls;
//   throughput       executions/s with 16 calls in flight, THROUGHPUT_RUNS
//                    in all;
//   callback_p50_ms  CALLBACKS workflows started (POST /waiter/KEY/run/send)
//                    and their awakeable ids read; then one at a time:
//                    POST /restate/awakeables/ID/resolve sent -> the
//                    workflow's result received from
//                    GET /restate/workflow/waiter/KEY/attach, p50.
import http from "node:http";

import { p50, perSecond } from "./measure.mjs";

const [base, ...nums] = process.argv.slice(2);
const [latencyRuns, throughputRuns, callbacks] = nums.map(Number);
const inFlight = 16;
const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
const url = new URL(base);

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: data === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode < 200 || res.statusCode >= 300)
            reject(new Error(`restate: ${method} ${path} -> ${res.statusCode} ${text}`));
          else resolve(text === "" ? null : JSON.parse(text));
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}


async function runTen() {
  const r = await call("POST", "/ten/run", {});
  if (r !== 10) throw new Error(`restate: ten returned ${JSON.stringify(r)}`);
}

for (let i = 0; i < 20; i++) await runTen(); // warm up

const lat = [];
for (let i = 0; i < latencyRuns; i++) {
  const t = performance.now();
  await runTen();
  lat.push(performance.now() - t);
}
console.log(`restate latency_p50_ms ${p50(lat).toFixed(3)}`);

const perS = await perSecond(throughputRuns, inFlight, runTen);
console.log(`restate throughput ${perS.toFixed(1)}`);

const run = `${process.pid}-${Date.now()}`;
const keys = Array.from({ length: callbacks }, (_, i) => `w-${run}-${i}`);
for (const k of keys) await call("POST", `/waiter/${k}/run/send`, {});
const ids = [];
for (const k of keys) {
  let id = "";
  for (let tries = 0; !id; tries++) {
    if (tries > 2000) throw new Error(`restate: ${k} never created its awakeable`);
    id = await call("POST", `/waiter/${k}/awakeable`, {});
    if (!id) await new Promise((r) => setTimeout(r, 5));
  }
  ids.push(id);
}
const rt = [];
for (let i = 0; i < callbacks; i++) {
  const t = performance.now();
  await call("POST", `/restate/awakeables/${ids[i]}/resolve`, "yes");
  const r = await call("GET", `/restate/workflow/waiter/${keys[i]}/attach`);
  rt.push(performance.now() - t);
  if (r !== "yes") throw new Error(`restate: waiter returned ${JSON.stringify(r)}`);
}
console.log(`restate callback_p50_ms ${p50(rt).toFixed(3)}`);
agent.destroy();
