// livekit-server-sdk as an oracle for the interop suite.
//
// Reads one JSON request a line on stdin and answers each with one JSON line on stdout, in order.
// API secrets and tokens travel only through these pipes: never on the command line (other
// processes can read it), never in a log. Nothing else is written to stdout.
//
//   {"op": "mint", "apiKey": ..., "apiSecret": ..., "request": {...}}  -> {"ok": true, "token": ...}
//   {"op": "verify", "apiKey": ..., "apiSecret": ..., "token": ...}     -> {"ok": true, "claims": {...}}
//   {"op": "webhook", "apiKey": ..., "apiSecret": ..., "body": ..., "authorization": ...}
//                                                                      -> {"ok": true, "event": {...}}
//   failures                                                           -> {"ok": false, "outcome": ..., "error": {...}}
//
// "outcome" is "refused" when the SDK rejects a token (a jose JWT/JWS error) or a webhook (also
// WebhookReceiver's own errors for a missing header or a body hash that does not match),
// "crashed" when it fails in another way while verifying, and "invalid-request" when a mint
// request asks for something this SDK cannot write.

import { createInterface } from 'node:readline';
import { AccessToken, TokenVerifier, TrackSource, WebhookReceiver } from 'livekit-server-sdk';

// The fields of VideoGrant, SIPGrant, InferenceGrant and ObservabilityGrant in
// livekit-server-sdk 2.19.2 (dist/grants.d.ts). This SDK has no agent grant.
const GRANT_FIELDS = {
  video: [
    'roomCreate', 'roomJoin', 'roomList', 'roomRecord', 'roomAdmin', 'room', 'ingressAdmin',
    'canPublish', 'canPublishSources', 'canSubscribe', 'canPublishData', 'canUpdateOwnMetadata',
    'hidden', 'recorder', 'agent', 'canSubscribeMetrics', 'canManageAgentSession', 'destinationRoom',
  ],
  sip: ['admin', 'call'],
  inference: ['perform'],
  observability: ['write'],
};
const ADDERS = {
  video: 'addGrant',
  sip: 'addSIPGrant',
  inference: 'addInferenceGrant',
  observability: 'addObservabilityGrant',
};
// The SDK takes track sources as protocol enum values and writes them as these names.
const SOURCES = {
  camera: TrackSource.CAMERA,
  microphone: TrackSource.MICROPHONE,
  screen_share: TrackSource.SCREEN_SHARE,
  screen_share_audio: TrackSource.SCREEN_SHARE_AUDIO,
};

class InvalidRequest extends Error {}

function checkFields(group, grant) {
  const known = GRANT_FIELDS[group];
  if (!known) {
    throw new InvalidRequest(`livekit-server-sdk has no ${group} grant`);
  }
  const unknown = Object.keys(grant).filter((name) => !known.includes(name));
  if (unknown.length) {
    throw new InvalidRequest(`livekit-server-sdk's ${group} grant has no field ${unknown.join(', ')}`);
  }
}

async function mint(message) {
  const request = message.request ?? {};
  const options = {};
  for (const name of ['identity', 'name', 'metadata', 'attributes']) {
    if (request[name] !== undefined && request[name] !== null) options[name] = request[name];
  }
  if (request.ttl !== undefined && request.ttl !== null) options.ttl = request.ttl; // seconds
  const token = new AccessToken(message.apiKey, message.apiSecret, options);
  if (request.kind !== undefined && request.kind !== null) token.kind = request.kind;
  for (const group of ['video', 'sip', 'agent', 'inference', 'observability']) {
    const grant = request[group];
    if (grant === undefined || grant === null) continue;
    checkFields(group, grant);
    const copy = { ...grant };
    if (Array.isArray(copy.canPublishSources)) {
      copy.canPublishSources = copy.canPublishSources.map((source) => {
        if (!(source in SOURCES)) throw new InvalidRequest(`unknown track source ${source}`);
        return SOURCES[source];
      });
    }
    token[ADDERS[group]](copy);
  }
  return { ok: true, token: await token.toJwt() };
}

async function verify(message) {
  const verifier = new TokenVerifier(message.apiKey, message.apiSecret);
  try {
    return { ok: true, claims: await verifier.verify(message.token) };
  } catch (error) {
    const refused = typeof error?.code === 'string' && /^ERR_J(WT|WS|OSE)/.test(error.code);
    return { ok: false, outcome: refused ? 'refused' : 'crashed', error: describe(error) };
  }
}

// WebhookReceiver.receive (livekit-server-sdk 2.19.2, src/WebhookReceiver.ts) throws these itself.
const WEBHOOK_REFUSALS = ['authorization header is empty', 'sha256 checksum of body does not match'];

async function webhook(message) {
  const receiver = new WebhookReceiver(message.apiKey, message.apiSecret);
  try {
    const event = await receiver.receive(message.body, message.authorization ?? undefined);
    return { ok: true, event: event.toJson() };
  } catch (error) {
    const refused =
      (typeof error?.code === 'string' && /^ERR_J(WT|WS|OSE)/.test(error.code)) ||
      WEBHOOK_REFUSALS.includes(String(error?.message));
    return { ok: false, outcome: refused ? 'refused' : 'crashed', error: describe(error) };
  }
}

function describe(error) {
  return {
    name: String(error?.name ?? 'Error'),
    code: typeof error?.code === 'string' ? error.code : null,
    message: String(error?.message ?? error).slice(0, 300),
  };
}

async function answer(line) {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return { ok: false, outcome: 'invalid-request', error: { name: 'SyntaxError', code: null, message: 'the request is not JSON' } };
  }
  try {
    if (message.op === 'mint') return await mint(message);
    if (message.op === 'verify') return await verify(message);
    if (message.op === 'webhook') return await webhook(message);
    if (message.op === 'ping') return { ok: true, node: process.version };
    return { ok: false, outcome: 'invalid-request', error: { name: 'Error', code: null, message: `unknown op ${message.op}` } };
  } catch (error) {
    return { ok: false, outcome: error instanceof InvalidRequest ? 'invalid-request' : 'crashed', error: describe(error) };
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  process.stdout.write(`${JSON.stringify(await answer(line))}\n`);
}
