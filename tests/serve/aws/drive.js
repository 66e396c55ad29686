// drive.js BASE OK_ID FAIL_ID — a client no one here wrote speaks to `serve`:
// @aws-sdk/client-lambda's durable execution callback commands, with
// `endpoint` set to the local server and dummy credentials.
//   OK_ID:   heartbeat, then success with a JSON result; a second success is
//            refused with CallbackTimeoutException (the callback is closed).
//   FAIL_ID: failure with ErrorType, ErrorMessage, ErrorData and StackTrace.
//   An unknown id is refused with ResourceNotFoundException.
// Prints one line per check; exits 1 at the first surprise.
'use strict';
const {
  LambdaClient,
  SendDurableExecutionCallbackSuccessCommand,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
} = require('@aws-sdk/client-lambda');

const [base, okId, failId] = process.argv.slice(2);
if (!base || !okId || !failId) {
  console.error('usage: node drive.js BASE OK_ID FAIL_ID');
  process.exit(2);
}

const client = new LambdaClient({
  endpoint: base,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
  maxAttempts: 1,
});

async function refused(what, command, name) {
  try {
    await client.send(command);
  } catch (e) {
    if (e.name !== name) throw new Error(`${what}: got ${e.name} (${e.message}), expected ${name}`);
    if (e.$metadata.httpStatusCode === undefined) throw new Error(`${what}: no HTTP status`);
    console.log(`ok: ${what} -> ${e.name} (${e.$metadata.httpStatusCode}): ${e.message}`);
    return;
  }
  throw new Error(`${what}: accepted, expected ${name}`);
}

async function main() {
  let out = await client.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: okId }));
  console.log(`ok: heartbeat -> ${out.$metadata.httpStatusCode}`);

  out = await client.send(
    new SendDurableExecutionCallbackSuccessCommand({
      CallbackId: okId,
      Result: new TextEncoder().encode('{"approved":true,"by":"sdk"}'),
    }),
  );
  console.log(`ok: success -> ${out.$metadata.httpStatusCode}`);

  out = await client.send(
    new SendDurableExecutionCallbackFailureCommand({
      CallbackId: failId,
      Error: {
        ErrorType: 'Payment.Declined',
        ErrorMessage: 'card declined',
        ErrorData: '{"code":51}',
        StackTrace: ['at charge (pay.js:1:1)'],
      },
    }),
  );
  console.log(`ok: failure -> ${out.$metadata.httpStatusCode}`);

  await refused(
    'success on an unknown id',
    new SendDurableExecutionCallbackSuccessCommand({
      CallbackId: 'AAAAAAAAAAAAAAAAAAAAAA',
      Result: new TextEncoder().encode('1'),
    }),
    'ResourceNotFoundException',
  );
  await refused(
    'heartbeat on an unknown id',
    new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: 'AAAAAAAAAAAAAAAAAAAAAA' }),
    'ResourceNotFoundException',
  );
  await refused(
    'a second success on a closed callback',
    new SendDurableExecutionCallbackSuccessCommand({
      CallbackId: okId,
      Result: new TextEncoder().encode('2'),
    }),
    'CallbackTimeoutException',
  );
  await refused(
    'failure on a closed callback',
    new SendDurableExecutionCallbackFailureCommand({ CallbackId: failId, Error: {} }),
    'CallbackTimeoutException',
  );
}

main().catch((e) => {
  console.error(`FAIL: ${e.message}`);
  process.exit(1);
});
