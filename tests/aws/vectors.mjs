// vectors.mjs — reference requests and signatures for cairn's SigV4 signer
// and its Lambda API calls (tests/aws/test_sigv4.sh; the committed copy,
// sigv4_vectors.json, is what the unit test test_rt_aws_sigv4 reads).
//
// For each case, the request is the one @aws-sdk/client-lambda's own
// serializer builds for the command (method, path with the ARN or callback id
// percent-encoded as one segment, query, body, content-type), captured before
// it is sent; then @smithy/signature-v4 signs exactly the headers cairn sends
// (host, content-type when there is a body, and what the signer adds:
// x-amz-content-sha256, x-amz-date, x-amz-security-token) with fixed
// credentials and a fixed date. The C side builds the same request from
// `api` with its own code, signs it, and must match byte for byte.
//
// Usage: node vectors.mjs > vectors.json
import { createHash, createHmac } from 'node:crypto';
import {
  LambdaClient,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand,
} from '@aws-sdk/client-lambda';
import { SignatureV4, getCanonicalHeaders, getPayloadHash } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/protocols';

// node's crypto behind the interface SignatureV4 wants (as @smithy/hash-node does).
class Sha256 {
  constructor(secret) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data) {
    this.h.update(data);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

const DATE = '2026-03-01T12:34:56Z';
const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TOKEN = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+test/token==';

// ARNs with ':', '/', '$' and callback ids (base64) with '+', '/', '='.
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:order-flow:$LATEST/durable-execution/run-1/5f0c2b1e-8d7a-4e1f-9b3c-2a6d4e8f0a1b';
const ARN2 = 'arn:aws:lambda:eu-west-1:123456789012:function:pay:7/durable-execution/a b~c_d.e/0e9c';
const CB = 'Ab+cD/ef==';
const CB2 = 'eyJleGVjdXRpb24iOiJydW4tMSIsIm9wIjoiYzRjYTQyMzhhMGI5MjM4MiJ9+/+/==';

const cases = [
  { name: 'callback succeed: base64 id with + / =, JSON result',
    api: { op: 'CallbackSuccess', CallbackId: CB, Result: '{"approved":true,"by":"ada"}' } },
  { name: 'callback succeed: long id, empty result, session token', token: TOKEN,
    api: { op: 'CallbackSuccess', CallbackId: CB2, Result: '' } },
  { name: 'callback succeed: a result that is not JSON, UTF-8',
    api: { op: 'CallbackSuccess', CallbackId: CB, Result: 'plain text: caf\u00e9 & more' } },
  { name: 'callback fail: type, message, data, session token', token: TOKEN,
    api: { op: 'CallbackFailure', CallbackId: CB2,
           Error: { ErrorType: 'Payment.Declined', ErrorMessage: 'card declined: "51"', ErrorData: '{"code":51}' } } },
  { name: 'callback fail: type and message only',
    api: { op: 'CallbackFailure', CallbackId: CB, Error: { ErrorType: 'Rejected', ErrorMessage: 'no' } } },
  { name: 'callback heartbeat',
    api: { op: 'CallbackHeartbeat', CallbackId: CB } },
  { name: 'callback heartbeat: local endpoint with a port', endpoint: 'http://127.0.0.1:9014',
    api: { op: 'CallbackHeartbeat', CallbackId: CB2 } },
  { name: 'get execution: ARN with : / $, execution data',
    api: { op: 'GetDurableExecution', DurableExecutionArn: ARN, IncludeExecutionData: true } },
  { name: 'get execution: ARN with a space and ~ _ ., another region, session token', token: TOKEN,
    region: 'eu-west-1',
    api: { op: 'GetDurableExecution', DurableExecutionArn: ARN2, IncludeExecutionData: true } },
  { name: 'history: first page',
    api: { op: 'GetDurableExecutionHistory', DurableExecutionArn: ARN, IncludeExecutionData: true, MaxItems: 1000 } },
  { name: 'history: a marker with + / = and UTF-8, session token', token: TOKEN,
    endpoint: 'http://127.0.0.1:9014',
    api: { op: 'GetDurableExecutionHistory', DurableExecutionArn: ARN, IncludeExecutionData: true, MaxItems: 1000,
           Marker: 'eyJwIjoyfQ==+/x\u00e9' } },
  { name: 'stop: with an error',
    api: { op: 'StopDurableExecution', DurableExecutionArn: ARN,
           Error: { ErrorType: 'Ops.Cancelled', ErrorMessage: 'stopped by the on-call' } } },
  { name: 'stop: no error', token: TOKEN,
    api: { op: 'StopDurableExecution', DurableExecutionArn: ARN2 } },
];

const commands = {
  CallbackSuccess: (a) => new SendDurableExecutionCallbackSuccessCommand({
    CallbackId: a.CallbackId, Result: new TextEncoder().encode(a.Result) }),
  CallbackFailure: (a) => new SendDurableExecutionCallbackFailureCommand({
    CallbackId: a.CallbackId, Error: a.Error }),
  CallbackHeartbeat: (a) => new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: a.CallbackId }),
  GetDurableExecution: (a) => new GetDurableExecutionCommand({
    DurableExecutionArn: a.DurableExecutionArn, IncludeExecutionData: a.IncludeExecutionData }),
  GetDurableExecutionHistory: (a) => new GetDurableExecutionHistoryCommand({
    DurableExecutionArn: a.DurableExecutionArn, IncludeExecutionData: a.IncludeExecutionData,
    MaxItems: a.MaxItems, Marker: a.Marker }),
  StopDurableExecution: (a) => new StopDurableExecutionCommand({
    DurableExecutionArn: a.DurableExecutionArn, Error: a.Error }),
};

class Captured extends Error {}

// The request the SDK's serializer builds for the command, as it would go on the wire.
async function serialized(region, endpoint, api) {
  let got;
  const client = new LambdaClient({
    region,
    endpoint,
    credentials: KEY,
    maxAttempts: 1,
    requestHandler: {
      handle: async (req) => {
        got = req;
        throw new Captured('captured');
      },
    },
  });
  try {
    await client.send(commands[api.op](api));
  } catch (e) {
    if (!(e instanceof Captured) && !got) throw e;
  }
  if (!got) throw new Error(`${api.op}: no request captured`);
  return got;
}

function bodyText(body) {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  return Buffer.from(body).toString('utf8');
}

const out = { date: DATE, access_key_id: KEY.accessKeyId, secret_access_key: KEY.secretAccessKey, cases: [] };
for (const c of cases) {
  const region = c.region ?? 'us-east-1';
  const endpoint = c.endpoint ?? `https://lambda.${region}.amazonaws.com`;
  const sdk = await serialized(region, endpoint, c.api);
  const body = bodyText(sdk.body);
  const host = sdk.port ? `${sdk.hostname}:${sdk.port}` : sdk.hostname;
  const headers = { host };
  const ct = sdk.headers['content-type'];
  if (body.length > 0 && ct) headers['content-type'] = ct;
  const query = Object.entries(sdk.query ?? {}).map(([k, v]) => [k, String(v)]);
  const request = new HttpRequest({
    method: sdk.method, protocol: sdk.protocol, hostname: sdk.hostname, port: sdk.port,
    path: sdk.path, query: sdk.query, headers: { ...headers }, body: body.length ? body : undefined,
  });
  const signer = new SignatureV4({
    service: 'lambda', region, sha256: Sha256,
    credentials: c.token ? { ...KEY, sessionToken: c.token } : KEY,
  });
  const signed = await signer.sign(request, { signingDate: new Date(DATE) });
  // the canonical request, for a readable difference when the signatures differ
  const canon = signer.createCanonicalRequest(signed, getCanonicalHeaders(signed),
    await getPayloadHash(signed, Sha256));
  out.cases.push({
    name: c.name,
    region,
    endpoint,
    session_token: c.token ?? null,
    api: c.api,
    request: {
      method: sdk.method,
      path: sdk.path,
      query,
      headers,
      body,
    },
    sent: {
      'x-amz-date': signed.headers['x-amz-date'],
      'x-amz-content-sha256': signed.headers['x-amz-content-sha256'],
      ...(c.token ? { 'x-amz-security-token': signed.headers['x-amz-security-token'] } : {}),
    },
    canonical_request: canon,
    authorization: signed.headers.authorization,
  });
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
