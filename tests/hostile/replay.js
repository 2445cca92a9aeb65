#!/usr/bin/env node
'use strict';
// Replays the bad-input catalogue (catalogue.js) through three legs -- nginx
// -> FastCGI over a Unix socket, the same FastCGI process directly, and CGI
// mode -- and checks every answer: status, the exact {"error":...,"status":N}
// shape with a message naming the field, no token in any refusal, headers
// that no request byte leaked into (raw response bytes), one response per
// request.  Afterwards the same service process (same pid) still answers
// /ping and mints a token that the official agora-token package verifies.
//
//   node tests/hostile/replay.js [--bin ./agora-token-fcgi] [--filter substr]
//   (HOSTILE_VERBOSE=1 prints every answer)

const L = require('./lib');
const { list } = require('./catalogue');

const bin = L.binPath();
const fi = process.argv.indexOf('--filter');
const filter = fi > 0 ? process.argv[fi + 1] : '';
const LEGS = ['nginx', 'fcgi', 'cgi'];

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const show = (v) => JSON.stringify(v);
const ERROR_SHAPE = /^\{"error":"((?:[^"\\]|\\.)*)","status":(\d{3})\}$/;

// What one leg must see: the entry's own expectation, with that leg's
// override on top (an override may also say nginx answered, or nothing).
function expectation(e, leg) {
  const base = { status: e.status, error: e.error, tokens: e.tokens, expire: e.expire, json: e.json, noBody: e.noBody, allow: e.allow, acao: e.acao, preflight: e.preflight, noHeader: e.noHeader };
  const o = e[leg];
  if (!o) return base;
  if (o.html || o.none) return o;
  return { ...base, tokens: undefined, json: undefined, error: undefined, acao: undefined, allow: undefined, ...o };
}

// Checks that hold for every answer the service itself gives.
function checkServiceAnswer(e, x, res, raw, leg) {
  const c = {
    name: e.name,
    method: e.method || 'GET',
    status: x.status,
    tokens: x.tokens,
    expire: x.expire,
    json: x.json,
    noBody: x.noBody,
    allow: x.allow,
    acao: x.acao,
    preflight: x.preflight,
    noHeader: x.noHeader,
    error: x.error ? [new RegExp(esc(x.error))] : undefined,
  };
  const p = L.check.checkResponse(c, res, { suite: leg, defaultExpire: 3600, nowSec: Math.round(Date.now() / 1000), viaNginx: leg === 'nginx' });
  const body = res.body.toString('latin1');
  if (res.status >= 400 && body.length > 0) {
    const m = ERROR_SHAPE.exec(body);
    if (!m) p.push(`error body is not exactly {"error":"...","status":N}: ${show(body.slice(0, 200))}`);
    else {
      if (Number(m[2]) !== res.status) p.push(`body status ${m[2]} != ${res.status}`);
      let msg = '';
      try {
        msg = JSON.parse(body).error;
      } catch (err) {
        p.push('error body is not JSON');
      }
      // SECURITY.md: messages that quote input escape every non-printable byte.
      if (/[^\x20-\x7e]/.test(msg)) p.push(`message is not printable ASCII: ${show(msg.slice(0, 120))}`);
    }
  }
  if (res.status !== 200 && /007eJ/.test(raw.toString('latin1'))) p.push('a refusal carries a token');
  return p;
}

async function nginxLeg(e, port) {
  const x = expectation(e, 'nginx');
  const method = e.method === undefined ? 'GET' : e.method;
  const target = e.path + (e.query === undefined ? '' : `?${e.query}`);
  const host = `127.0.0.1:${port}`;
  const bytes = e.raw ? e.raw(host) : L.client.buildRequest({ method, target, host, headers: e.headers || [], body: e.body });
  const r = await L.rawExchange({ port, chunks: [bytes], halfClose: !!e.rawHalfClose, timeoutMs: 15000 });
  if (r.timedOut) return ['no answer within 15 s'];
  if (x.none) return r.raw.length === 0 ? [] : [`expected no answer (nginx drops the request), got ${show(r.raw.toString('latin1').slice(0, 200))}`];
  let answers;
  try {
    answers = L.splitResponses(r.raw, method === 'HEAD');
  } catch (err) {
    return [`unparsable answer: ${err.message}`];
  }
  if (answers.length !== 1) return [`${answers.length} responses in the raw bytes, expected exactly 1${answers.length ? ` (statuses ${answers.map((a) => a.status)})` : r.error ? ` (${r.error.code})` : ''}`];
  const res = answers[0];
  verbose('nginx', e, res);
  const p = L.headerSafety(r.raw);
  if (x.html) {
    const ct = L.check.headerValues(res, 'content-type')[0] || '';
    if (res.status !== x.status) p.push(`nginx answered ${res.status}, expected its own ${x.status}`);
    if (!/text\/html/.test(ct)) p.push(`expected nginx's own HTML answer, got ${ct} ${show(res.body.toString('latin1').slice(0, 200))}`);
    if (/007eJ/.test(r.raw.toString('latin1'))) p.push('answer carries a token');
    return p;
  }
  return p.concat(checkServiceAnswer(e, x, res, r.raw, 'nginx'));
}

function fcgiParamsFor(e) {
  // lighttpd's way of passing a site-root mount (SCRIPT_NAME "", the raw
  // REQUEST_URI): the service routes on exactly the bytes sent.
  const params = L.fcgiParams({ method: e.method === undefined ? 'GET' : e.method, path: e.path, query: e.query, body: e.body });
  params.SCRIPT_NAME = '';
  for (const [name, value] of e.headers || []) {
    const k = name.toLowerCase();
    if (k === 'content-type') params.CONTENT_TYPE = value;
    else if (k === 'content-length') params.CONTENT_LENGTH = value;
    else params['HTTP_' + name.toUpperCase().replace(/-/g, '_')] = value;
  }
  return { ...params, ...(e.fcgiParams || {}) };
}

async function fcgiLeg(e, sock) {
  const x = expectation(e, 'fcgi');
  const conn = new L.FcgiConn({ path: sock });
  let res;
  try {
    await conn.ready;
    res = await Promise.race([conn.request(fcgiParamsFor(e), e.body), L.procs.sleep(15000).then(() => null)]);
  } finally {
    conn.close();
  }
  if (!res) return ['no answer within 15 s'];
  verbose('fcgi', e, res);
  return L.headerSafety(res.raw).concat(checkServiceAnswer(e, x, res, res.raw, 'fcgi'));
}

function cgiLeg(e, conf) {
  const x = expectation(e, 'cgi');
  const out = L.cgiRaw(bin, { method: e.method === undefined ? 'GET' : e.method, path: e.path, query: e.query, headers: e.headers || [], body: e.body, configFile: conf, extraEnv: e.cgiEnv || {} });
  if (out.signal) return [`CGI process killed by ${out.signal}: ${out.stderr.slice(0, 500)}`];
  verbose('cgi', e, out.res);
  const p = L.headerSafety(out.raw).concat(checkServiceAnswer(e, x, out.res, out.raw, 'cgi'));
  if (out.exitCode !== 0) p.push(`CGI exit status ${out.exitCode}`);
  if (/Sanitizer|runtime error|\berror:/.test(out.stderr)) p.push(`stderr: ${out.stderr.trim().slice(0, 300)}`);
  return p;
}

function verbose(leg, e, res) {
  if (process.env.HOSTILE_VERBOSE) console.log(`# ${leg} ${e.name}: ${res.status} ${show(res.body.toString('latin1').slice(0, 200))}`);
}

L.run(async (R) => {
  const T = L.tempDir('replay');
  const conf = L.writeConf(T, 'cgi.conf');
  const svc = await L.startService(T, 'app', bin, {});
  const [port] = await L.procs.freePorts(1, 21000);
  const nginx = await L.startNginx(T, L.nginxConf(T, [{ port, body: L.rootLocation(svc.sock) }]), '/ping', port);

  const entries = list.filter((e) => !filter || e.name.includes(filter));
  const counts = { entries: entries.length, answers: 0 };
  for (const leg of LEGS) {
    for (const e of entries) {
      if (e.legs && !e.legs.includes(leg)) continue;
      const name = `${leg} ${e.name}`;
      let p;
      try {
        if (leg === 'nginx') p = await nginxLeg(e, port);
        else if (leg === 'fcgi') p = await fcgiLeg(e, svc.sock);
        else p = cgiLeg(e, conf);
      } catch (err) {
        p = [`exception: ${err && err.stack ? err.stack.split('\n').slice(0, 2).join(' ') : err}`];
      }
      counts.answers++;
      const kb = e.knownBug && (!e.knownBug.legs || e.knownBug.legs.includes(leg)) ? e.knownBug : null;
      R.record(name, p, kb);
    }
  }
  R.note(`catalogue: ${counts.entries} hostile requests, ${counts.answers} answers checked over ${LEGS.length} legs`);

  // ---- the same process survived all of it
  await R.test('after the catalogue: the same service process (pid unchanged) is alive', async () => {
    const p = [];
    if (svc.rec.exited) p.push(`service exited: ${show(svc.rec.exited)}`);
    if (!L.alive(svc.pid)) p.push(`pid ${svc.pid} is gone`);
    if (svc.rec.child.pid !== svc.pid) p.push('pid changed');
    return p;
  });
  await R.test('after the catalogue: /ping through nginx answers pong', async () => {
    const res = await L.client.request({ port, target: '/ping' });
    return res.status === 200 && res.body.toString() === '{"message":"pong"}' ? [] : [`${res.status} ${res.body}`];
  });
  await R.test('after the catalogue: a token through nginx, verified by the official agora-token package', async () => {
    const res = await L.client.request({ port, target: '/rtc/after-hostile/publisher/uid/4242' });
    return L.checkRtcToken(res, 'after-hostile', '4242');
  });
  await R.test('after the catalogue: /ping straight over FastCGI', async () => {
    const c = new L.FcgiConn({ path: svc.sock });
    await c.ready;
    const res = await c.request(L.fcgiParams({ path: '/ping' }));
    c.close();
    return res.status === 200 ? [] : [`status ${res.status}`];
  });
  // One problem per line, so that the lines known bug B2 causes (a 500
  // logged as "out of memory") can be told from any other.
  await R.test('service log: no error, warning or sanitizer line', async () => L.badLogLines(svc.rec.output).map((l) => `log: ${l}`), { id: 'B2', match: '500: out of memory' });
  await R.test('nginx log: no upstream failure (the service never dropped a connection)', async () => {
    const bad = nginx.output.split('\n').filter((l) => /upstream|connect\(\) to unix/.test(l));
    return bad.length ? [`nginx: ${bad.slice(0, 3).join(' | ')}`] : [];
  });
  await R.test('SIGTERM after the catalogue: exit 0', async () => {
    await L.procs.stop(nginx, 'SIGQUIT', 10000);
    const st = await L.procs.stop(svc.rec, 'SIGTERM', 10000);
    return st.code === 0 ? [] : [`exit ${show(st)}: ${svc.rec.output.slice(-500)}`];
  });
});
