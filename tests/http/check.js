'use strict';
// Response checks: headers, JSON shape, error bodies, CORS and every token
// (decoded by the official agora-token package AND by ./decoder.js).

const path = require('path');
const decoder = require('./decoder');
const { APP_ID, APP_CERTIFICATE } = require('./cases');

const DEPS = path.resolve(__dirname, '..', '.deps', 'node_modules', 'agora-token');
let AccessToken2;
function official() {
  if (!AccessToken2) AccessToken2 = require(path.join(DEPS, 'src', 'AccessToken2')).AccessToken2;
  return AccessToken2;
}

const CACHE_HEADERS = {
  'cache-control': 'private, no-cache, no-store, must-revalidate',
  pragma: 'no-cache',
  expires: '-1',
};
const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Authorization',
  'access-control-max-age': '7200',
};

const headerValues = (res, name) => res.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
const show = (v) => JSON.stringify(v);

function statusMatches(expected, got) {
  return Array.isArray(expected) ? expected.includes(got) : expected === got;
}

// Compares one decoded service (own decoder) with its spec.
function checkServiceOwn(i, svc, spec, expire, problems) {
  const where = `service[${i}]`;
  if (svc.type !== spec.type) {
    problems.push(`${where} type ${svc.type}, expected ${spec.type}`);
    return;
  }
  const want = spec.privs.map((k) => [k, expire]);
  if (show(svc.privileges) !== show(want)) problems.push(`${where} privileges ${show(svc.privileges)}, expected ${show(want)}`);
  const bytesEq = (field, buf, text) => {
    if (!buf || !buf.equals(Buffer.from(text, 'utf8'))) problems.push(`${where} ${field} bytes ${show(buf && buf.toString('latin1'))}, expected ${show(text)}`);
  };
  if (spec.type === 1) {
    bytesEq('channel', svc.channel, spec.channel);
    bytesEq('uid', svc.uid, spec.uid);
  } else {
    bytesEq('user id', svc.userId, spec.userId);
  }
}

// Same checks through the official package's parsed objects.
function checkServiceOfficial(i, svc, spec, expire, problems) {
  const where = `official service[${i}]`;
  if (svc.service_type() !== spec.type) {
    problems.push(`${where} type ${svc.service_type()}, expected ${spec.type}`);
    return;
  }
  const want = {};
  for (const k of spec.privs) want[k] = expire;
  if (show(svc.__privileges) !== show(want)) problems.push(`${where} privileges ${show(svc.__privileges)}, expected ${show(want)}`);
  const str = (b) => (Buffer.isBuffer(b) ? b.toString('utf8') : String(b));
  if (spec.type === 1) {
    if (str(svc.__channel_name) !== spec.channel) problems.push(`${where} channel ${show(str(svc.__channel_name))}, expected ${show(spec.channel)}`);
    if (str(svc.__uid) !== spec.uid) problems.push(`${where} uid ${show(str(svc.__uid))}, expected ${show(spec.uid)}`);
  } else if (str(svc.__user_id) !== spec.userId) {
    problems.push(`${where} user id ${show(str(svc.__user_id))}, expected ${show(spec.userId)}`);
  }
}

function checkToken(key, tok, services, expire, nowSec, problems) {
  const p = [];
  if (typeof tok !== 'string' || !tok.startsWith('007')) {
    problems.push(`${key}: not a 007 token: ${show(tok)}`);
    return;
  }
  // (1) official package
  const T = official();
  const t = new T();
  if (!t.from_string(tok)) p.push('official from_string failed');
  else {
    if (t.verifySignature(APP_CERTIFICATE) !== true) p.push('official verifySignature(cert) is not true');
    if (t.verifySignature('0'.repeat(32)) !== false) p.push('official verifySignature(wrong cert) is not false');
    const appId = Buffer.isBuffer(t.appId) ? t.appId.toString('latin1') : t.appId; // a Buffer in 2.0.6
    if (appId !== APP_ID) p.push(`official appId ${show(appId)}`);
    if (t.expire !== expire) p.push(`official expire ${t.expire}, expected ${expire}`);
    if (!t.salt) p.push('official salt is 0');
    const issue = t.issueTs !== undefined ? t.issueTs : t.issue_ts;
    if (!(Math.abs(issue - nowSec) <= 5)) p.push(`official issue_ts ${issue} not within 5 s of ${nowSec}`);
    if (t.services.length !== services.length) p.push(`official: ${t.services.length} services, expected ${services.length}`);
    else t.services.forEach((s, i) => checkServiceOfficial(i, s, services[i], expire, p));
  }
  // (2) own decoder, exact bytes
  let d;
  try {
    d = decoder.decode(tok);
  } catch (e) {
    p.push(`own decoder: ${e.message}`);
  }
  if (d) {
    if (!decoder.verify(d, APP_CERTIFICATE)) p.push('own decoder: signature mismatch');
    if (d.signature.length !== 32) p.push(`signature length ${d.signature.length}`);
    if (d.appId !== APP_ID) p.push(`app id ${show(d.appId)}`);
    if (d.expire !== expire) p.push(`expire ${d.expire}, expected ${expire}`);
    if (d.salt === 0) p.push('salt is 0');
    if (!(Math.abs(d.issueTs - nowSec) <= 5)) p.push(`issue_ts ${d.issueTs} not within 5 s of ${nowSec}`);
    if (d.trailing !== 0) p.push(`${d.trailing} trailing bytes after the services`);
    if (d.serviceCount !== services.length) p.push(`service_count ${d.serviceCount}, expected ${services.length}`);
    else d.services.forEach((s, i) => checkServiceOwn(i, s, services[i], expire, p));
  }
  for (const x of p) problems.push(`${key}: ${x}`);
}

// Checks one response against its case. `ctx`: { suite, defaultExpire,
// nowSec, viaNginx }. Returns a list of problems (empty = pass).
function checkResponse(c, res, ctx) {
  const problems = [];
  const expectedStatus = (c.statusIn && c.statusIn[ctx.suite]) || c.status;
  if (!statusMatches(expectedStatus, res.status)) problems.push(`status ${res.status}, expected ${show(expectedStatus)}`);

  // Requests nginx itself may refuse (HTML answer, the binary never saw them).
  const ctype = headerValues(res, 'content-type')[0] || '';
  if (ctx.viaNginx && c.nginx && /text\/html/i.test(ctype)) {
    if (c.nginx === 'html400' && res.status !== 400) problems.push(`nginx answered ${res.status}, expected 400`);
    if (res.body.includes('007e')) problems.push('body contains a token');
    checkCorsAndExtra(c, res, problems);
    return problems;
  }

  // Headers on every response.
  const isNginx204 = ctx.viaNginx && res.status === 204; // nginx drops Content-Type on 204
  const ct = headerValues(res, 'content-type');
  if (!isNginx204 && !(ct.length === 1 && ct[0] === 'application/json')) problems.push(`Content-Type ${show(ct)}, expected ["application/json"]`);
  for (const [name, value] of Object.entries(CACHE_HEADERS)) {
    const v = headerValues(res, name);
    if (!(v.length === 1 && v[0] === value)) problems.push(`${name} ${show(v)}, expected [${show(value)}]`);
  }
  const vary = headerValues(res, 'vary');
  if (!vary.some((v) => v.split(',').some((x) => x.trim().toLowerCase() === 'origin'))) problems.push(`Vary ${show(vary)} lacks Origin`);
  if (c.allow !== undefined) {
    const a = headerValues(res, 'allow');
    if (!(a.length === 1 && a[0] === c.allow)) problems.push(`Allow ${show(a)}, expected [${show(c.allow)}]`);
  }
  if (c.preflight) {
    for (const [name, value] of Object.entries(PREFLIGHT_HEADERS)) {
      const v = headerValues(res, name);
      if (!(v.length === 1 && v[0] === value)) problems.push(`${name} ${show(v)}, expected [${show(value)}]`);
    }
  }
  checkCorsAndExtra(c, res, problems);

  // Body.
  const raw = res.body.toString('utf8');
  if (c.noBody || res.status === 204 || c.method === 'HEAD') {
    if (res.body.length !== 0) problems.push(`body should be empty, got ${show(raw.slice(0, 200))}`);
    return problems;
  }
  let body;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    problems.push(`body is not JSON: ${show(raw.slice(0, 300))}`);
    return problems;
  }
  if (raw.includes('\\/')) problems.push('body contains "\\/"');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    problems.push('body is not a JSON object');
    return problems;
  }

  if (res.status >= 400) {
    const keys = Object.keys(body).sort().join(',');
    if (keys !== 'error,status') problems.push(`error body keys are ${keys}, expected error,status`);
    if (typeof body.error !== 'string' || body.error === '') problems.push('error is not a non-empty string');
    if (body.status !== res.status) problems.push(`body status ${show(body.status)} != HTTP ${res.status}`);
    if (typeof body.error === 'string') {
      for (const re of [].concat(c.error || [])) if (!re.test(body.error)) problems.push(`error message does not match ${re}`);
      if (c.errorExact !== undefined && body.error !== c.errorExact) problems.push(`error message is not ${show(c.errorExact)}`);
      if (body.error.includes('007e')) problems.push('error message contains a token');
    }
  } else if (c.tokens) {
    const want = Object.keys(c.tokens).sort().join(',');
    const got = Object.keys(body).sort().join(',');
    if (want !== got) problems.push(`body keys ${got}, expected ${want}`);
    const expire = c.expire || ctx.defaultExpire;
    for (const [key, services] of Object.entries(c.tokens)) {
      if (key in body) checkToken(key, body[key], services, expire, ctx.nowSec, problems);
    }
  } else if (c.json) {
    const why = c.json(body);
    if (why) problems.push(why);
  }
  if (problems.length && !problems.some((p) => p.startsWith('body'))) problems.push(`body ${raw.slice(0, 400)}`);
  return problems;
}

function checkCorsAndExtra(c, res, problems) {
  if (c.acao !== undefined) {
    const v = headerValues(res, 'access-control-allow-origin');
    if (c.acao === null) {
      if (v.length) problems.push(`Access-Control-Allow-Origin ${show(v)} must be absent`);
    } else if (!(v.length === 1 && v[0] === c.acao)) {
      problems.push(`Access-Control-Allow-Origin ${show(v)}, expected [${show(c.acao.length > 60 ? c.acao.slice(0, 60) + '...' : c.acao)}]`);
    }
  }
  if (c.noHeader && headerValues(res, c.noHeader.toLowerCase()).length) problems.push(`header ${c.noHeader} must not be present (injection)`);
}

module.exports = { checkResponse, headerValues };
