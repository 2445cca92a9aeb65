#!/usr/bin/env node
'use strict';
// The nginx rate-limit example of fcgi.conf.example, run as written: the
// snippet is read from the file (the indented lines after "Rate limiting"),
// its limit_req_zone line goes into the http block and the rest into a
// server block, with only the socket path replaced by the test's.  Then:
//  - 41 requests in a row (1 + burst 40) all get tokens;
//  - a burst of 60 concurrent requests right after: all but what the
//    bucket refilled meanwhile (20/s) get 429 with the JSON body
//    {"error":"too many requests","status":429}, Content-Type
//    application/json, Retry-After: 1, and no token;
//  - the refused requests never reached the service (it logs every request
//    at --log-level debug);
//  - after 2.5 s (the bucket drained) tokens are minted again.
//
//   node tests/hostile/ratelimit.js [--bin ./agora-token-fcgi]

const fs = require('fs');
const path = require('path');
const L = require('./lib');

const bin = L.binPath();
const EXAMPLE = path.join(L.ROOT, 'fcgi.conf.example');
const SOCKET_IN_EXAMPLE = 'unix:/run/agora-token/fcgi.sock';
const BODY_429 = '{"error":"too many requests","status":429}';
const RATE = 20;
const BURST = 40;

// The snippet's directives (comment markers removed), split into the http
// part and the server part.
function snippet() {
  const lines = fs.readFileSync(EXAMPLE, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^# Rate limiting/.test(l));
  if (start < 0) throw new Error('fcgi.conf.example has no "# Rate limiting" section');
  const code = [];
  let seen = false;
  for (const l of lines.slice(start + 1)) {
    if (/^# {3}/.test(l)) {
      seen = true;
      code.push(l.slice(4));
    } else if (seen && !/^#\s*$/.test(l)) break;
  }
  const directives = code.filter((l) => !/^\s*#/.test(l) && l.trim() !== '');
  const http = directives.filter((l) => /^limit_req_zone\b/.test(l.trim()));
  const server = directives.filter((l) => !/^limit_req_zone\b/.test(l.trim()));
  return { http, server, text: code.join('\n') };
}

L.run(async (R) => {
  const T = L.tempDir('rate');
  const snip = snippet();
  await R.test('fcgi.conf.example has a limit_req_zone / limit_req / 429 snippet', async () => {
    const p = [];
    if (snip.http.length !== 1) p.push(`${snip.http.length} limit_req_zone lines`);
    const s = snip.server.join('\n');
    for (const want of [`rate=${RATE}r/s`, `burst=${BURST}`, 'limit_req_status 429', 'error_page 429', BODY_429, SOCKET_IN_EXAMPLE]) if (!(snip.http.join('\n') + s).includes(want)) p.push(`snippet lacks ${want}`);
    return p;
  });
  const svc = await L.startService(T, 'rate', bin, { args: ['--log-level', 'debug'] });
  // "include fastcgi_params" is relative to the configuration's directory.
  fs.copyFileSync('/etc/nginx/fastcgi_params', path.join(T, 'fastcgi_params'));
  const [port] = await L.procs.freePorts(1, 21300);
  const server = snip.server.map((l) => '        ' + l.split(SOCKET_IN_EXAMPLE).join(`unix:${svc.sock}`)).join('\n');
  const conf = L.nginxConf(T, [{ port, body: server }], '    ' + snip.http.join('\n    '));
  const nginx = await L.startNginx(T, conf);
  await L.procs.waitForListen({ host: '127.0.0.1', port }, nginx);
  await L.procs.sleep(2500); // a fresh bucket
  const served0 = () => svc.rec.output.split('\n').filter((l) => / debug: GET \/rtc\/rl\//.test(l)).length;

  const t0 = Date.now();
  const seq = [];
  for (let i = 0; i < BURST + 1; i++) seq.push(await L.client.request({ port, target: `/rtc/rl/publisher/uid/${1000 + i}` }));
  const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => L.client.request({ port, target: `/rtc/rl/publisher/uid/${2000 + i}` })));
  const elapsed = (Date.now() - t0) / 1000;
  const refill = Math.ceil(elapsed * RATE) + 1;
  const ok = burst.filter((r) => r.status === 200).length;
  const limited = burst.filter((r) => r.status === 429);
  R.note(`rate limit: ${BURST + 1} sequential -> ${seq.filter((r) => r.status === 200).length} tokens; then 60 concurrent -> ${ok} tokens, ${limited.length} x 429, in ${elapsed.toFixed(2)} s (refill allows at most ${refill} more)`);

  await R.test(`the first ${BURST + 1} requests (1 + burst ${BURST}) all get valid tokens`, async () => {
    const p = [];
    seq.forEach((r, i) => {
      if (r.status !== 200) p.push(`request ${i + 1}: ${r.status}`);
    });
    if (!p.length) p.push(...L.checkRtcToken(seq[0], 'rl', '1000'), ...L.checkRtcToken(seq[BURST], 'rl', String(1000 + BURST)));
    return p;
  });
  await R.test(`beyond the burst: 429 for all but the ${refill} the bucket refilled in ${elapsed.toFixed(2)} s`, async () => {
    const p = [];
    if (ok > refill) p.push(`${ok} of 60 got tokens, at most ${refill} expected`);
    if (limited.length < 60 - refill) p.push(`only ${limited.length} answers were 429`);
    const other = burst.filter((r) => r.status !== 200 && r.status !== 429);
    if (other.length) p.push(`other statuses: ${other.map((r) => r.status)}`);
    if (limited.length === 0) p.push('no 429 at all: the limit did not apply');
    return p;
  });
  await R.test(`429 answers: exactly ${BODY_429}, application/json, Retry-After 1, no token`, async () => {
    const p = [];
    for (const r of limited) {
      const ct = L.check.headerValues(r, 'content-type');
      const ra = L.check.headerValues(r, 'retry-after');
      if (r.body.toString() !== BODY_429) p.push(`body ${JSON.stringify(r.body.toString().slice(0, 200))}`);
      if (ct.length !== 1 || ct[0] !== 'application/json') p.push(`Content-Type ${JSON.stringify(ct)}`);
      if (ra.length !== 1 || ra[0] !== '1') p.push(`Retry-After ${JSON.stringify(ra)}`);
      if (p.length) break;
    }
    return p;
  });
  await L.procs.sleep(300);
  await R.test('refused requests never reached the service (its debug log counts only the served ones)', async () => {
    const served = served0();
    const tokens = seq.filter((r) => r.status === 200).length + ok;
    return served === tokens ? [] : [`service logged ${served} requests, nginx answered ${tokens} with tokens`];
  });
  await L.procs.sleep(2500);
  await R.test('after 2.5 s the bucket has drained: tokens again', async () => {
    const res = await L.client.request({ port, target: '/rtc/rl/publisher/uid/31337' });
    return L.checkRtcToken(res, 'rl', '31337');
  });
  await L.procs.stop(nginx, 'SIGQUIT', 10000);
  await L.procs.stop(svc.rec, 'SIGTERM', 5000);
});
