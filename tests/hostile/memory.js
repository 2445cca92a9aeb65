#!/usr/bin/env node
'use strict';
// Memory test: one FastCGI process (--no-sandbox: valgrind cannot follow a
// seccomp filter) driven straight over its Unix socket through MEM_REQUESTS
// (default 20 000) mixed requests -- valid and invalid, every route, GET,
// HEAD, OPTIONS, POST JSON and form, refusals of every kind -- by 4
// keep-alive FastCGI connections plus one new connection per 50 requests,
// then SIGTERM.  Under
//   valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
//            --error-exitcode=1
// the process must exit 0 with 0 errors and 0 bytes definitely or
// indirectly lost.  With SANITIZE=1 the binary is the ASan/UBSan build and
// runs directly: LeakSanitizer checks at exit, any report fails the test.
//
//   node tests/hostile/memory.js [--bin ./agora-token-fcgi]
//   MEM_REQUESTS=N to change the count.

const fs = require('fs');
const { spawnSync } = require('child_process');
const L = require('./lib');

const bin = L.binPath();
const N = Number(process.env.MEM_REQUESTS || 20000);
const CONNS = 4;
const J = (o) => JSON.stringify(o);

// The mix: [label, request, expected status].  i makes ids unique.
function mix(i) {
  const post = (body, ct = 'application/json') => ({ method: 'POST', path: '/getToken', ct, body });
  const all = [
    ['rtc uid', { path: `/rtc/ch${i % 13}/publisher/uid/${i}` }, 200],
    ['rtc account', { path: `/rtc/ch/subscriber/userAccount/user${i}`, query: 'expiry=600' }, 200],
    ['rtm', { path: `/rtm/u${i}` }, 200],
    ['rte', { path: `/rte/ch/host/uid/${i}/r${i}` }, 200],
    ['rte default rtmuid', { path: `/rte/ch/audience/uid/${i + 1}` }, 200],
    ['chat app', { path: '/chat/app', query: 'expiry=60' }, 200],
    ['chat user', { path: `/chat/account/c${i}` }, 200],
    ['root', { path: '/' }, 200],
    ['ping', { path: '/ping' }, 200],
    ['HEAD ping', { method: 'HEAD', path: '/ping' }, 200],
    ['OPTIONS', { method: 'OPTIONS', path: '/getToken', origin: 'https://app.example' }, 204],
    ['origin echoed', { path: `/rtm/o${i}`, origin: 'https://app.example' }, 200],
    ['POST json rtc', post(J({ tokenType: 'rtc', channel: 'c', role: 'publisher', uid: i })), 200],
    ['POST json rtm+channel', post(J({ tokenType: 'rtm', uid: `p${i}`, channel: 'c', expire: 300 })), 200],
    ['POST json chat', post(J({ tokenType: 'chat', uid: `q${i}` })), 200],
    ['POST form rtc', post(`tokenType=rtc&channel=c&role=2&uid=acc${i}`, 'application/x-www-form-urlencoded'), 200],
    ['POST form chat app', post('tokenType=chat&expire=120', 'application/x-www-form-urlencoded'), 200],
    ['bad role', { path: '/rtc/ch/king/uid/1' }, 400],
    ['bad uid', { path: '/rtc/ch/publisher/uid/99999999999' }, 400],
    ['bad channel', { path: '/rtc/a%2Fb/publisher/uid/1' }, 400],
    ['bad escape', { path: '/rtm/a%G1' }, 400],
    ['%00', { path: '/rtm/a%00' }, 400],
    ['dots', { path: '/rtc/../ping' }, 400],
    ['expiry twice', { path: '/chat/app', query: 'expiry=1&expiry=2' }, 400],
    ['bad expiry', { path: '/rtm/x', query: 'expiry=1e3' }, 400],
    ['unknown route', { path: `/nope/${i}` }, 404],
    ['too many segments', { path: '/a/b/c/d/e/f/g/h/i/j' }, 404],
    ['405', { method: 'DELETE', path: '/rtm/x' }, 405],
    ['GET getToken', { path: '/getToken' }, 405],
    ['origin refused', { path: '/ping', origin: 'https://a\r\nb' }, 403],
    ['long origin', { path: '/ping', origin: 'https://' + 'o'.repeat(1100) }, 403],
    ['path 414', { path: '/rtm/' + 'p'.repeat(2100) }, 414],
    ['query 414', { path: '/ping', query: 'x=' + 'q'.repeat(4200) }, 414],
    ['body 413', post(J({ tokenType: 'rtm', uid: 'big' }).padEnd(17000, ' ')), 413],
    ['415', post('{}', 'text/plain'), 415],
    ['json dup', post('{"tokenType":"rtm","uid":"a","uid":"b"}'), 400],
    ['json NUL', post('{"tokenType":"rtm","uid":"a\\u0000"}'), 400],
    ['json deep', post('['.repeat(3000)), 400],
    ['json invalid', post('{"tokenType":"rtm",'), 400],
    ['json types', post('{"tokenType":"rtc","channel":5,"role":[],"uid":{}}'), 400],
    ['json error quoting input', post('{"tokenType":"rtm", \u00e9}'), 400],
    ['json bad escape before UTF-8 (known bug B2: 500)', post('{"a":"\\\u00e9"}'), null],
    ['form dup', post('tokenType=rtm&uid=a&uid=b', 'application/x-www-form-urlencoded'), 400],
    ['form bad', post('tokenType=rtm&uid=%4', 'application/x-www-form-urlencoded'), 400],
    ['form long key', post(`tokenType=rtm&uid=a&${'k'.repeat(40)}=1`, 'application/x-www-form-urlencoded'), null],
    ['empty body', post(''), 400],
  ];
  return all[i % all.length];
}

function paramsFor(r) {
  const p = L.fcgiParams({ method: r.method || 'GET', path: r.path, query: r.query, body: r.body, origin: r.origin });
  if (r.ct) p.CONTENT_TYPE = r.ct;
  return p;
}

L.run(async (R) => {
  const T = L.tempDir('mem');
  let wrap = null;
  if (!L.SANITIZED) {
    const v = spawnSync('valgrind', ['--version']);
    if (v.status !== 0) {
      R.record('valgrind is installed (tests/deps.sh installs it)', ['valgrind not found']);
      return;
    }
    wrap = ['valgrind', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect', '--show-leak-kinds=definite,indirect', '--error-exitcode=1', '--num-callers=30', `--log-file=${T}/valgrind.log`];
  }
  const tool = wrap ? 'valgrind' : 'LeakSanitizer (ASan build)';
  const t0 = Date.now();
  // A kept connection holds its thread between requests: two threads
  // more than kept connections serve the connections of their own.
  const svc = await L.startService(T, 'mem', bin, { args: ['--no-sandbox', '--threads', String(CONNS + 2)], wrap, waitMs: 120000 });
  const tStart = Date.now();
  const counts = {};
  const wrong = [];
  let next = 0;
  let done = 0;
  const one = async (conn) => {
    const i = next++;
    const [label, r, status] = mix(i);
    const params = paramsFor(r);
    let res;
    // libfcgi closes a kept connection whose request body was not read
    // (the 413 answers): those go on a connection of their own.
    if (conn && status !== 413) res = await conn.request(params, r.body);
    else {
      const o = await L.fcgiOnce({ path: svc.sock }, params, r.body, { timeoutMs: 60000 });
      if (o.outcome !== 'ok') throw new Error(`request ${i} (${label}): ${o.outcome}`);
      res = o.res;
    }
    done++;
    counts[label] = (counts[label] || 0) + 1;
    if (status !== null && res.status !== status && wrong.length < 5) wrong.push(`${label}: ${res.status}, expected ${status}: ${res.body.toString().slice(0, 120)}`);
    if (status === 200 && r.method !== 'HEAD' && !/^\{"(rtcToken|rtmToken|chatToken|token|service|message)"/.test(res.body.toString()) && wrong.length < 5) wrong.push(`${label}: body ${res.body.toString().slice(0, 100)}`);
  };
  await Promise.all(
    Array.from({ length: CONNS }, async () => {
      const conn = new L.FcgiConn({ path: svc.sock });
      await conn.ready;
      while (next < N) {
        await one(conn);
        if (next % 50 === 0 && next < N) await one(null); // a connection of its own
      }
      conn.close();
    })
  );
  const tDrive = Date.now();
  const rate = Math.round(done / ((tDrive - tStart) / 1000));
  R.note(`memory (${tool}): ${done} requests over ${CONNS} keep-alive connections (+1 new connection per 50) in ${((tDrive - tStart) / 1000).toFixed(1)} s, ${rate} req/s; ${Object.keys(counts).length} kinds`);
  await R.test(`memory: ${done} mixed requests answered as expected (${Object.keys(counts).length} kinds, every route)`, async () => (done >= N && wrong.length === 0 ? [] : [`${done} of ${N} done`, ...wrong]));

  const st = await L.procs.stop(svc.rec, 'SIGTERM', 120000);
  const tEnd = Date.now();
  const log = wrap ? fs.readFileSync(`${T}/valgrind.log`, 'utf8') : svc.rec.output;
  if (wrap) {
    const num = (re) => {
      const m = re.exec(log);
      return m ? Number(m[1].replace(/,/g, '')) : null;
    };
    const errors = num(/ERROR SUMMARY: ([\d,]+) errors/);
    const definite = /All heap blocks were freed/.test(log) ? 0 : num(/definitely lost: ([\d,]+) bytes/);
    const indirect = /All heap blocks were freed/.test(log) ? 0 : num(/indirectly lost: ([\d,]+) bytes/);
    const possible = num(/possibly lost: ([\d,]+) bytes/);
    const reachable = num(/still reachable: ([\d,]+) bytes/);
    const heap = (/total heap usage: ([^\n]+)/.exec(log) || [])[1];
    R.note(`valgrind: ${errors} errors; definitely lost ${definite} B, indirectly lost ${indirect} B, possibly lost ${possible || 0} B, still reachable ${reachable || 0} B; heap: ${heap}; total ${((tEnd - t0) / 1000).toFixed(1)} s`);
    await R.test('memory: valgrind exits 0 after SIGTERM (--error-exitcode=1)', async () => (st.code === 0 ? [] : [`exit ${JSON.stringify(st)}; ${log.split('\n').slice(-30).join(' | ')}`]));
    await R.test('memory: valgrind reports 0 errors', async () => (errors === 0 ? [] : [`ERROR SUMMARY ${errors}: ${log.split('\n').filter((l) => /Invalid|uninitialised|Mismatched|at 0x|by 0x/.test(l)).slice(0, 12).join(' | ')}`]));
    await R.test('memory: 0 bytes definitely or indirectly lost', async () => (definite === 0 && indirect === 0 ? [] : [`definitely ${definite}, indirectly ${indirect}: ${log.split('\n').filter((l) => /lost in|at 0x|by 0x/.test(l)).slice(0, 12).join(' | ')}`]));
  } else {
    R.note(`LeakSanitizer: exit ${JSON.stringify(st)} after ${((tEnd - tDrive) / 1000).toFixed(1)} s`);
    await R.test('memory: the ASan build exits 0 after SIGTERM (LeakSanitizer found nothing)', async () => (st.code === 0 ? [] : [`exit ${JSON.stringify(st)}`]));
    await R.test('memory: no sanitizer report in the output', async () => {
      const bad = log.split('\n').filter((l) => /Sanitizer|runtime error|leak/i.test(l));
      return bad.length ? bad.slice(0, 10) : [];
    });
  }
  await R.test('memory: the process logged its orderly stop', async () => (/ stopped/.test(svc.rec.output) ? [] : [svc.rec.output.slice(-300)]));
});
