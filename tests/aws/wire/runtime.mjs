// runtime.mjs — a Lambda custom runtime for the JS twins of cairn's workflows
// (twins.mjs), for tests/aws/test_wire.sh: the loop Lambda's Node.js runtime
// runs (GET invocation/next, call the handler, POST its answer to
// .../response, or .../error when it throws), against
// tests/aws/durable_standin.py, as cairn's `HOST lambda` runs against it.
// The handler is AWS's durable execution SDK (withDurableExecution), unchanged:
// its LambdaClient checkpoints wherever AWS_ENDPOINT_URL_LAMBDA points, signed
// with the credentials of the environment, as on Lambda.
//
//   AWS_LAMBDA_RUNTIME_API=HOST:PORT _HANDLER=order node runtime.mjs
import { withDurableExecution } from "@aws/durable-execution-sdk-js";
import { twins } from "./twins.mjs";

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const name = process.env._HANDLER;
if (!api || !twins[name]) {
  console.error(`runtime.mjs: set AWS_LAMBDA_RUNTIME_API and _HANDLER (one of ${Object.keys(twins)})`);
  process.exit(2);
}
const base = `http://${api}/2018-06-01/runtime`;
const handler = withDurableExecution(twins[name]);

for (;;) {
  const next = await fetch(`${base}/invocation/next`);
  const rid = next.headers.get("lambda-runtime-aws-request-id");
  const deadline = Number(next.headers.get("lambda-runtime-deadline-ms"));
  const event = await next.json();
  const context = {
    awsRequestId: rid,
    functionName: "cairn",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:cairn",
    memoryLimitInMB: "128",
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  let path, body, headers = { "Content-Type": "application/json" };
  try {
    const out = await handler(event, context);
    path = "response";
    body = JSON.stringify(out);
    console.error(`${name}: ${out?.Status}`);
  } catch (e) {
    path = "error";
    body = JSON.stringify({ errorMessage: String(e?.message ?? e), errorType: e?.name ?? "Error" });
    headers["Lambda-Runtime-Function-Error-Type"] = e?.name ?? "Error";
    console.error(`${name}: invocation error ${body}`);
  }
  await (await fetch(`${base}/invocation/${rid}/${path}`, { method: "POST", headers, body })).text();
}
