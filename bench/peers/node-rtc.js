'use strict';
// The Node peer for `make bench`: a minimal Node `http` server that mints an
// RTC token per request with the official agora-token package (2.0.6, from
// tests/.deps), with the service's token semantics for this route:
//
//   GET /rtc/:channelName/:role/uid/:uid/?expiry=N  ->  {"rtcToken":"007..."}
//
// role publisher (host, 1) or subscriber (audience, 2); token and privilege
// expiry both = expiry (default 3600, 1..86400); uid 0..4294967295.  The
// same response headers as agora-token-fcgi, so the bytes on the wire
// match.  One process, one thread: Node as most people run it.
//
//   APP_ID=... APP_CERTIFICATE=... node bench/peers/node-rtc.js PORT
const http = require('http');
const path = require('path');
const deps = path.join(__dirname, '..', '..', 'tests', '.deps', 'node_modules');
const { RtcTokenBuilder, RtcRole } = require(path.join(deps, 'agora-token'));

const APP_ID = process.env.APP_ID;
const CERT = process.env.APP_CERTIFICATE;
const port = Number(process.argv[2] || process.env.PORT || 8091);
const ROLES = { publisher: RtcRole.PUBLISHER, host: RtcRole.PUBLISHER, 1: RtcRole.PUBLISHER,
  subscriber: RtcRole.SUBSCRIBER, audience: RtcRole.SUBSCRIBER, 2: RtcRole.SUBSCRIBER };
const HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'private, no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  Expires: '-1',
  Vary: 'Origin',
};
const RTC = /^\/rtc\/([^/]+)\/([^/]+)\/uid\/([0-9]{1,10})\/?$/;

function reply(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { ...HEADERS, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

http.createServer((req, res) => {
  const q = req.url.indexOf('?');
  const m = RTC.exec(q < 0 ? req.url : req.url.slice(0, q));
  if (req.method !== 'GET' || !m) return reply(res, 404, { error: 'no such route', status: 404 });
  const role = ROLES[m[2].toLowerCase()];
  const uid = Number(m[3]);
  const e = q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get('expiry');
  const expiry = e === null ? 3600 : /^[0-9]{1,5}$/.test(e) ? Number(e) : 0;
  let channel;
  try {
    channel = decodeURIComponent(m[1]);
  } catch (err) {
    channel = '';
  }
  if (role === undefined || uid > 4294967295 || expiry < 1 || expiry > 86400 || channel === '')
    return reply(res, 400, { error: 'bad request', status: 400 });
  const token = RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, channel, uid, role, expiry, expiry);
  reply(res, 200, { rtcToken: token });
}).listen(port, '127.0.0.1');
