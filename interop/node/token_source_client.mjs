// Fetch a token from a LiveKit token endpoint with LiveKit's own JS client (TokenSource.endpoint of
// livekit-client) and print a summary without the token.
//
//   node token_source_client.mjs [ENDPOINT_URL] ['{"roomName": "test_room", "participantIdentity": "alice"}']
//
// ENDPOINT_URL defaults to LIVEKIT_TOKEN_ENDPOINT; extra request headers (an app's own
// authentication) come as a JSON object in LIVEKIT_TOKEN_ENDPOINT_HEADERS. The options are the
// client's TokenSourceFetchOptions (roomName, participantIdentity, participantName,
// participantMetadata, participantAttributes, agentName, agentMetadata).
//
// Prints one JSON object: client version, token fingerprint (first 12 hex digits of its SHA-256),
// length, identity, room, name, server_url, expiry, and whether a second fetch with the same
// options was served from the client's cache. Exits 1 with one sentence on standard error when
// the client cannot fetch a token, 2 on wrong usage.
//
// With LIVEKIT_TOKEN_ENDPOINT_METHOD=GET (a connection-details route), the options are the query
// parameters in the app's own names, and the client's TokenSource.custom fetches them with GET as
// such an app's own code does; the answer is read in either JSON name of LiveKit's fields.
//
// Node.js 18 or newer runs it as it is: TokenSource.endpoint needs only fetch(), which Node has.

import { createHash } from 'node:crypto';
import process from 'node:process';

const JWT_LIKE = /ey[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;

function fingerprint(token) {
  return 'sha256:' + createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12);
}

function scrub(text) {
  return String(text).replace(JWT_LIKE, (match) => `<token ${fingerprint(match)}>`).replace(/\s+/g, ' ').slice(0, 300);
}

let shownUrl = null; // [full URL, URL without query]: a query may carry a credential

function fail(code, sentence) {
  let text = String(sentence);
  if (shownUrl && shownUrl[0] !== shownUrl[1]) {
    text = text.split(shownUrl[0]).join(shownUrl[1]);
  }
  process.stderr.write(scrub(text) + '\n');
  process.exit(code);
}

function readArguments(argv) {
  let url = process.env.LIVEKIT_TOKEN_ENDPOINT || '';
  let options = {};
  for (const argument of argv) {
    if (argument.trim().startsWith('{')) {
      try {
        options = JSON.parse(argument);
      } catch {
        fail(2, 'The options argument is not a JSON object.');
      }
    } else {
      url = argument;
    }
  }
  if (!/^https?:\/\//i.test(url)) {
    fail(2, 'Give the token endpoint URL (http:// or https://) as an argument or in LIVEKIT_TOKEN_ENDPOINT.');
  }
  let headers = {};
  if (process.env.LIVEKIT_TOKEN_ENDPOINT_HEADERS) {
    try {
      headers = JSON.parse(process.env.LIVEKIT_TOKEN_ENDPOINT_HEADERS);
    } catch {
      fail(2, 'LIVEKIT_TOKEN_ENDPOINT_HEADERS is not a JSON object.');
    }
  }
  return { url, options, headers };
}

function reason(error) {
  const cause = error && error.cause;
  const code = cause && (cause.code || (cause.errors && cause.errors[0] && cause.errors[0].code));
  if (code === 'ECONNREFUSED') return 'the connection was refused (is the endpoint running?)';
  if (code) return `${error.message} (${code})`;
  return (error && error.message) || String(error);
}

async function fetchByGet(url, query, headers) {
  const target = new URL(url);
  for (const [name, value] of Object.entries(query)) target.searchParams.set(name, String(value));
  const response = await fetch(target, { headers });
  if (!response.ok) throw new Error(`the route answered ${response.status}`);
  const answer = await response.json();
  return {
    serverUrl: answer.serverUrl ?? answer.server_url,
    participantToken: answer.participantToken ?? answer.participant_token,
  };
}

async function main() {
  const { url, options, headers } = readArguments(process.argv.slice(2));
  shownUrl = [url, url.split('?')[0].split('#')[0]];
  let client;
  try {
    client = await import('livekit-client');
  } catch (error) {
    fail(1, `The livekit-client package cannot be loaded; run 'npm ci' in interop/node (${reason(error)}).`);
  }
  const byGet = (process.env.LIVEKIT_TOKEN_ENDPOINT_METHOD || '').toUpperCase() === 'GET';
  const source = byGet ? client.TokenSource.custom(() => fetchByGet(url, options, headers)) : client.TokenSource.endpoint(url, { headers });
  let first;
  let second;
  try {
    first = await source.fetch(byGet ? {} : options);
    second = await source.fetch(byGet ? {} : options);
  } catch (error) {
    fail(1, `${byGet ? 'TokenSource.custom' : 'TokenSource.endpoint'} could not fetch a token: ${reason(error)}.`);
  }
  const token = first.participantToken;
  if (typeof token !== 'string' || !token) {
    fail(1, 'TokenSource.endpoint returned no participant token.');
  }
  let payload;
  try {
    payload = client.decodeTokenPayload(token);
  } catch (error) {
    fail(1, `The client cannot decode the token it received: ${reason(error)}.`);
  }
  const summary = {
    client: `livekit-client ${client.version}`,
    source: byGet ? 'TokenSource.custom (GET, as the app fetches)' : 'TokenSource.endpoint',
    fingerprint: fingerprint(token),
    token_length: token.length,
    identity: payload.sub || '',
    room: (payload.video && payload.video.room) || '',
    name: payload.name || '',
    server_url: first.serverUrl,
    expires: typeof payload.exp === 'number' ? new Date(payload.exp * 1000).toISOString() : null,
    agents: ((payload.roomConfig && payload.roomConfig.agents) || []).map((agent) => agent.agentName),
    reused: fingerprint(second.participantToken) === fingerprint(token),
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
}

main().catch((error) => fail(1, `Unexpected failure in the JS client check: ${reason(error)}.`));
