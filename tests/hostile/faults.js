#!/usr/bin/env node
'use strict';
// Fault tests: the service under load while things go wrong.
//
//   1. --workers 2 behind nginx, concurrent load, one worker SIGKILLed:
//      at most KILL_502_BOUND answers are 502 (the requests that worker had
//      accepted: one per thread), every other answer is a valid token, the
//      supervisor starts a replacement, and the load keeps being served.
//      Then SIGTERM to the supervisor under load: exit 0 within 5 s.
//   2. SIGTERM during load (one process, straight FastCGI): requests held
//      in flight across the signal are answered; no answer is ever cut or
//      5xx; every request sent until 100 ms before the signal is answered;
//      connections from 500 ms after it are refused; exit 0 within 5 s of
//      the signal (STOP_BOUND_MS), socket removed.  And the same exit bound
//      with one idle client connection open (one process and --workers).
//   3. Clients that go away mid-request or mid-response (through nginx and
//      straight over FastCGI, closed or reset): the same process keeps
//      serving.
//   4. nginx stopped (SIGTERM, then SIGQUIT) and started again while the
//      service runs: the service answers again through the new nginx.
//   5. AGORA_TOKEN_TEST_FAIL_RANDOM=1: every token route answers 500
//      {"error":"internal error","status":500} and no token, /ping is
//      200, and each failure is logged on stderr (FastCGI and CGI).
//
//   node tests/hostile/faults.js [--bin ./agora-token-fcgi] [--only N,N]

const fs = require('fs');
const net = require('net');
const L = require('./lib');
const decoder = require('../http/decoder');

const bin = L.binPath();
const oi = process.argv.indexOf('--only');
const only = oi > 0 ? process.argv[oi + 1].split(',').map(Number) : null;
const want = (n) => !only || only.includes(n);

const THREADS = 2; // per worker in test 1
const KILL_502_BOUND = THREADS; // requests the killed worker can hold
const STOP_BOUND_MS = 5000;
const show = (v) => JSON.stringify(v);

// A token answer for /rtc/<ch>/publisher/uid/<uid>: fully checked by the
// official package (sample) or by the own decoder (every answer).
function quickTokenCheck(res, channel, uid) {
  if (res.status !== 200) return `status ${res.status}`;
  let tok;
  try {
    tok = JSON.parse(res.body.toString()).rtcToken;
  } catch (e) {
    return `not JSON: ${res.body.toString().slice(0, 100)}`;
  }
  try {
    const d = decoder.decode(tok);
    if (!decoder.verify(d, L.cases.APP_CERTIFICATE)) return 'bad signature';
    const s = d.services[0];
    if (s.channel.toString() !== channel || s.uid.toString() !== uid) return `token for ${s.channel}/${s.uid}, asked ${channel}/${uid}`;
  } catch (e) {
    return `undecodable token: ${e.message}`;
  }
  return null;
}

function summarize(results) {
  const by = {};
  for (const r of results) {
    const k = r.status || `error:${(r.error || '').slice(0, 40)}`;
    by[k] = (by[k] || 0) + 1;
  }
  return by;
}

async function nginxFor(T, sock) {
  const [port] = await L.procs.freePorts(1, 21100);
  const text = L.nginxConf(T, [{ port, body: L.rootLocation(sock) }]);
  const rec = await L.startNginx(T, text, '/ping', port);
  return { rec, port, text };
}

// ---------------------------------------------------------------- 1
async function workerKill(R) {
  const T = L.tempDir('kill');
  const svc = await L.startService(T, 'workers', bin, { args: ['--workers', '2', '--threads', String(THREADS)] });
  const ng = await nginxFor(T, svc.sock);
  // Both workers up.
  let kids = [];
  for (let i = 0; i < 100 && kids.length < 2; i++) {
    kids = L.childPids(svc.pid);
    await L.procs.sleep(50);
  }
  const victim = kids[0];
  const t0 = Date.now();
  let tKill = 0;
  let stopAt = Infinity;
  const killer = (async () => {
    await L.procs.sleep(1000);
    tKill = Date.now();
    process.kill(victim, 'SIGKILL');
    stopAt = Date.now() + 2000;
  })();
  const results = await L.httpLoad({
    port: ng.port,
    concurrency: 16,
    stop: () => Date.now() > stopAt || Date.now() - t0 > 20000,
    next: (i) => ({ target: `/rtc/kill${i % 5}/publisher/uid/${100000 + i}`, meta: { ch: `kill${i % 5}`, uid: String(100000 + i) } }),
  });
  await killer;
  const by = summarize(results);
  R.note(`worker kill: ${results.length} requests in ${Date.now() - t0} ms, by status ${show(by)}`);

  await R.test(`SIGKILL of a worker under load: at most ${KILL_502_BOUND} answers are 502, the rest valid tokens`, async () => {
    const p = [];
    const n502 = results.filter((r) => r.status === 502).length;
    if (n502 > KILL_502_BOUND) p.push(`${n502} answers were 502 (bound ${KILL_502_BOUND})`);
    const other = results.filter((r) => r.status !== 200 && r.status !== 502);
    if (other.length) p.push(`${other.length} answers neither 200 nor 502: ${show(summarize(other))}`);
    let bad = 0;
    for (const r of results.filter((x) => x.status === 200)) {
      const why = quickTokenCheck(r.res, r.req.meta.ch, r.req.meta.uid);
      if (why && bad++ < 3) p.push(`uid ${r.req.meta.uid}: ${why}`);
    }
    const sample = results.find((r) => r.status === 200 && r.t0 > tKill);
    if (!sample) p.push('no token answered after the kill');
    else p.push(...L.checkRtcToken(sample.res, sample.req.meta.ch, sample.req.meta.uid));
    return p;
  });
  // Salts come from per-worker pools: a pool shared across the fork (or a
  // stuck one) would repeat salts by the dozen.  Among n random 32-bit
  // salts a chance repeat is rare (n^2 / 2^33 expected pairs: < 0.1 for
  // 20 000), three or more practically never.
  await R.test('no salt repeats across the workers and threads (fewer than 3 chance repeats)', async () => {
    const seen = new Map();
    let dups = 0;
    let n = 0;
    for (const r of results.filter((x) => x.status === 200)) {
      let salt;
      try {
        salt = decoder.decode(JSON.parse(r.res.body.toString()).rtcToken).salt;
      } catch (e) {
        continue; // counted by the token check above
      }
      n++;
      if (seen.has(salt)) dups++;
      seen.set(salt, true);
    }
    if (n < 100) return [`only ${n} tokens to compare`];
    return dups >= 3 ? [`${dups} repeated salts among ${n} tokens`] : [];
  });
  await R.test('after the kill: the last second of load is all 200', async () => {
    const late = results.filter((r) => r.t0 > tKill + 1000);
    const notOk = late.filter((r) => r.status !== 200);
    if (late.length < 5) return [`only ${late.length} requests in the last second`];
    return notOk.length ? [`${notOk.length} of ${late.length} not 200: ${show(summarize(notOk))}`] : [];
  });
  await R.test('the supervisor replaced the killed worker (log, /proc)', async () => {
    const p = [];
    const log = svc.rec.output;
    const m = new RegExp(`worker (\\d+) \\(pid ${victim}\\) killed by signal 9; replacing it`).exec(log);
    if (!m) p.push(`no "killed by signal 9; replacing it" line for pid ${victim}`);
    else {
      const starts = [...log.matchAll(new RegExp(`worker ${m[1]} started \\(pid (\\d+)\\)`, 'g'))].map((x) => Number(x[1]));
      const repl = starts.filter((x) => x !== victim).pop();
      if (!repl) p.push('no replacement started');
      else if (!L.alive(repl)) p.push(`replacement pid ${repl} not alive`);
      const now = L.childPids(svc.pid);
      if (now.length !== 2 || now.includes(victim) || (repl && !now.includes(repl))) p.push(`supervisor children now ${show(now)} (victim ${victim}, replacement ${repl})`);
    }
    if (!L.alive(svc.pid) || svc.rec.exited) p.push('supervisor is gone');
    return p;
  });
  // Supervisor SIGTERM while load continues.
  let tTerm = 0;
  let termStop = Infinity;
  const loadP = L.httpLoad({
    port: ng.port,
    concurrency: 8,
    stop: () => Date.now() > termStop || Date.now() - t0 > 30000,
    next: (i) => ({ target: `/rtc/term/publisher/uid/${1000 + i}`, meta: { ch: 'term', uid: String(1000 + i) } }),
  });
  await L.procs.sleep(500);
  tTerm = Date.now();
  const stP = L.procs.stop(svc.rec, 'SIGTERM', STOP_BOUND_MS);
  const st = await stP;
  const tExit = Date.now();
  termStop = Date.now() + 300;
  const during = await loadP;
  await R.test(`--workers: SIGTERM under load exits 0 within ${STOP_BOUND_MS} ms, no cut or 5xx-but-502 answer`, async () => {
    const p = [];
    if (st.timeout) p.push(`did not exit within ${STOP_BOUND_MS} ms`);
    else if (st.code !== 0) p.push(`exit ${show(st)}`);
    const bad = during.filter((r) => r.status !== 200 && r.status !== 502);
    if (bad.length) p.push(`${bad.length} answers neither 200 nor 502 (cut answers show as errors): ${show(summarize(bad))}`);
    const before = during.filter((r) => r.t1 < tTerm);
    if (!before.length || before.some((r) => r.status !== 200)) p.push(`before the signal: ${show(summarize(before))}`);
    for (const r of during.filter((x) => x.status === 200)) {
      const why = quickTokenCheck(r.res, r.req.meta.ch, r.req.meta.uid);
      if (why) {
        p.push(why);
        break;
      }
    }
    R.note(`supervisor stop: exit after ${tExit - tTerm} ms; load during stop ${show(summarize(during))}`);
    if (fs.existsSync(svc.sock)) p.push('socket not removed');
    return p;
  }, null);
  await L.procs.stop(ng.rec, 'SIGQUIT', 10000);
}

// ---------------------------------------------------------------- 2
async function sigtermUnderLoad(R) {
  const T = L.tempDir('term');
  const svc = await L.startService(T, 'term', bin, { args: ['--threads', '8'] });
  const conn = { path: svc.sock };
  const rtcParams = (ch, uid) => L.fcgiParams({ path: `/rtc/${ch}/publisher/uid/${uid}` });
  const t0 = Date.now();
  let tSig = Infinity;
  let stopAt = Infinity;
  const outcomes = [];
  let n = 0;
  const loop = async () => {
    while (Date.now() < stopAt && Date.now() - t0 < 20000) {
      const uid = String(1000 + n++);
      const r = await L.fcgiOnce(conn, rtcParams('term', uid));
      r.uid = uid;
      outcomes.push(r);
      if (r.outcome === 'refused') await L.procs.sleep(5);
    }
  };
  const loops = Array.from({ length: 5 }, loop);
  // Two POSTs held in flight: params and half the body now, the rest
  // after the signal.
  let release;
  const gate = new Promise((r) => (release = r));
  const held = ['held-a', 'held-b'].map((uid) => {
    const body = JSON.stringify({ tokenType: 'rtm', uid });
    const params = { ...L.fcgiParams({ method: 'POST', path: '/getToken', body }), CONTENT_TYPE: 'application/json' };
    return L.fcgiOnce(conn, params, body, { hold: gate, timeoutMs: 15000 }).then((r) => ({ ...r, uid }));
  });
  await L.procs.sleep(1000);
  tSig = Date.now();
  process.kill(svc.pid, 'SIGTERM');
  await L.procs.sleep(300);
  release();
  const heldRes = await Promise.all(held);
  // Wait for the exit (the signal is already sent), and if it does not
  // come, say where the threads are before the SIGKILL.
  const st = await Promise.race([svc.rec.exitPromise, L.procs.sleep(Math.max(0, tSig + STOP_BOUND_MS - Date.now())).then(() => null)]).then(async (r) => {
    if (r) return r;
    svc.spin = L.threadStates(svc.pid);
    return L.procs.stop(svc.rec, 'SIGKILL', 1000).then(() => ({ timeout: true }));
  });
  const tExit = Date.now();
  // Keep connecting until well past the 500 ms mark, however fast the
  // service stopped, so the "refused" check below always has attempts.
  stopAt = Math.max(Date.now(), tSig + 700) + 200;
  await Promise.all(loops);
  const count = (xs) => xs.reduce((a, r) => ((a[r.outcome] = (a[r.outcome] || 0) + 1), a), {});
  R.note(`SIGTERM under load: ${outcomes.length} requests ${show(count(outcomes))}; exit ${tExit - tSig} ms after the signal`);

  await R.test('SIGTERM: the requests held in flight across the signal are answered with tokens', async () => {
    const p = [];
    for (const r of heldRes) {
      if (r.outcome !== 'ok') {
        p.push(`${r.uid}: ${r.outcome} (${r.bytes} bytes)`);
        continue;
      }
      const c = { name: r.uid, method: 'POST', status: 200, tokens: { token: [{ type: 2, userId: r.uid, privs: [1] }] } };
      p.push(...L.check.checkResponse(c, r.res, { suite: 'fcgi', defaultExpire: 3600, nowSec: Math.round(r.t1 / 1000), viaNginx: false }).map((m) => `${r.uid}: ${m}`));
    }
    return p;
  });
  await R.test('SIGTERM: no answer cut short or 5xx; every answer a valid token', async () => {
    const p = [];
    const cut = outcomes.filter((r) => r.outcome === 'truncated' || r.outcome === 'timeout');
    if (cut.length) p.push(`${cut.length} cut/hung: ${show(cut.slice(0, 3).map((r) => [r.outcome, r.bytes]))}`);
    for (const r of outcomes.filter((x) => x.outcome === 'ok')) {
      const why = quickTokenCheck(r.res, 'term', r.uid);
      if (why) {
        p.push(`uid ${r.uid}: ${why}`);
        break;
      }
    }
    return p;
  });
  await R.test('SIGTERM: every request sent until 100 ms before the signal was answered', async () => {
    const early = outcomes.filter((r) => r.t0 < tSig - 100);
    const lost = early.filter((r) => r.outcome !== 'ok');
    return early.length < 5 ? [`only ${early.length} requests before the signal`] : lost.length ? [`${lost.length} lost: ${show(count(lost))}`] : [];
  });
  await R.test('SIGTERM: new connections stop (refused from 500 ms after the signal)', async () => {
    const late = outcomes.filter((r) => r.t0 > tSig + 500);
    const served = late.filter((r) => r.outcome !== 'refused');
    return late.length === 0 ? ['no connection attempted after the signal'] : served.length ? [`${served.length} of ${late.length} late connections not refused: ${show(count(served))}`] : [];
  });
  await R.test(
    `SIGTERM: exit 0 within ${STOP_BOUND_MS} ms, socket removed, log says so`,
    async () => {
      const p = [];
      if (st.timeout) p.push(`no exit within ${STOP_BOUND_MS} ms of SIGTERM (killed with SIGKILL)`);
      else if (st.code !== 0) p.push(`exit ${show(st)}`);
      else if (tExit - tSig > STOP_BOUND_MS) p.push(`exit after ${tExit - tSig} ms`);
      if (fs.existsSync(svc.sock)) p.push('socket still there');
      if (!/signal 15: finishing requests in flight/.test(svc.rec.output) || !/ stopped/.test(svc.rec.output)) p.push(`log lacks "stopped": ${svc.rec.output.slice(-200)}`);
      if (svc.spin) p.push(`threads at the kill: ${svc.spin}`);
      return p;
    },
    null
  );
}

// A client (or local user) that connected to the socket and has not sent
// its request yet when SIGTERM comes: libfcgi's shutdown flag would then
// make its accept loop spin on the closed descriptor for ever.
async function idleConnectionSigterm(R) {
  for (const mode of ['one process', '--workers 2']) {
    const T = L.tempDir('idle');
    const args = mode === 'one process' ? ['--threads', '4'] : ['--workers', '2', '--threads', '2'];
    const svc = await L.startService(T, 'idle', bin, { args });
    await L.procs.sleep(200);
    const idle = net.connect(svc.sock);
    idle.on('error', () => {});
    await L.procs.sleep(300); // accepted; libfcgi waits up to 2 s for its first bytes
    const tSig = Date.now();
    process.kill(svc.pid, 'SIGTERM');
    const r = await Promise.race([svc.rec.exitPromise, L.procs.sleep(STOP_BOUND_MS).then(() => null)]);
    const spin = r ? '' : [svc.pid, ...L.childPids(svc.pid)].map((p) => `pid ${p}: ${L.threadStates(p)}`).join('; ');
    idle.destroy();
    if (!r) {
      for (const kid of L.childPids(svc.pid)) process.kill(kid, 'SIGKILL');
      await L.procs.stop(svc.rec, 'SIGKILL', 2000);
    }
    await R.test(
      `SIGTERM with an idle client connection open (${mode}): exit 0 within ${STOP_BOUND_MS} ms`,
      async () => (r && r.code === 0 ? [] : r ? [`exit ${show(r)}`] : [`no exit within ${STOP_BOUND_MS} ms of SIGTERM (killed); threads: ${spin}`]),
      null
    );
    if (r) R.note(`idle connection, ${mode}: exit ${Date.now() - tSig} ms after SIGTERM`);
  }
}

// ---------------------------------------------------------------- 3
async function disconnects(R) {
  const T = L.tempDir('disc');
  const svc = await L.startService(T, 'disc', bin, { args: ['--threads', '4'] });
  const ng = await nginxFor(T, svc.sock);
  const host = `127.0.0.1:${ng.port}`;
  const httpReq = (i) => Buffer.from(`GET /rtc/disc/publisher/uid/${i} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const J = JSON.stringify({ tokenType: 'rtm', uid: 'gone' });
  const counts = {};
  // mode(sock, i): what the client does once connected.
  const modes = {
    'HTTP request, then close at once': (s, i) => {
      s.write(httpReq(i));
      s.destroy();
    },
    'HTTP request, then reset (RST) after 1 ms': (s, i) => {
      s.write(httpReq(i));
      setTimeout(() => s.resetAndDestroy(), 1);
    },
    'half a request line, then close': (s) => {
      s.write('GET /rtc/disc/publ');
      setTimeout(() => s.destroy(), 2);
    },
    'POST with half its body, then reset': (s) => {
      s.write(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${J.length}\r\n\r\n${J.slice(0, 10)}`);
      setTimeout(() => s.resetAndDestroy(), 5);
    },
    'HTTP request, read 10 bytes, close': (s, i) => {
      s.write(httpReq(i));
      s.once('data', () => s.destroy());
    },
  };
  const begin = Buffer.alloc(8);
  begin.writeUInt16BE(1, 0);
  const fcgiHead = (p, query) => Buffer.concat([L.fcgi.record(1, begin), L.fcgi.paramsRecords(L.fcgiParams({ path: p, query }))]);
  const fmodes = {
    'FastCGI request, close before the answer': (s, i) => {
      s.write(Buffer.concat([fcgiHead(`/rtc/disc/publisher/uid/${i}`), L.fcgi.record(5)]));
      s.destroy();
    },
    'FastCGI request, close on the first answer bytes': (s, i) => {
      s.write(Buffer.concat([fcgiHead(`/rtm/u${i}`), L.fcgi.record(5)]));
      s.once('data', () => s.destroy());
    },
    'FastCGI params cut in the middle, close': (s) => {
      const h = fcgiHead('/rtc/disc/publisher/uid/1');
      s.write(h.subarray(0, 30));
      setTimeout(() => s.destroy(), 2);
    },
    'FastCGI POST with half its body, close': (s) => {
      const params = { ...L.fcgiParams({ method: 'POST', path: '/getToken', body: J }), CONTENT_TYPE: 'application/json' };
      s.write(Buffer.concat([L.fcgi.record(1, begin), L.fcgi.paramsRecords(params), L.fcgi.record(5, Buffer.from(J.slice(0, 8)))]));
      setTimeout(() => s.destroy(), 3);
    },
    'FastCGI connect, close at once': (s) => s.destroy(),
    'FastCGI 40 KiB query, close before the answer': (s, i) => {
      s.write(Buffer.concat([fcgiHead('/chat/app', `x=${'q'.repeat(40000)}&i=${i}`), L.fcgi.record(5)]));
      s.destroy();
    },
  };
  const run = async (label, opts, fn, total) => {
    let done = 0;
    const one = (i) =>
      new Promise((resolve) => {
        const s = net.connect(opts);
        s.on('connect', () => fn(s, i));
        s.on('error', () => {});
        s.on('data', () => {});
        s.on('close', () => {
          done++;
          resolve();
        });
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 5000);
      });
    for (let i = 0; i < total; i += 50) await Promise.all(Array.from({ length: Math.min(50, total - i) }, (_, k) => one(i + k)));
    counts[label] = done;
  };
  for (const [label, fn] of Object.entries(modes)) await run(label, { port: ng.port, host: '127.0.0.1' }, fn, 200);
  for (const [label, fn] of Object.entries(fmodes)) await run(label, { path: svc.sock }, fn, 200);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  R.note(`disconnecting clients: ${total} connections, ${show(counts)}`);
  await L.procs.sleep(300);

  await R.test(`${total} clients that went away mid-request/mid-response: same process alive`, async () => {
    const p = [];
    if (svc.rec.exited || !L.alive(svc.pid)) p.push(`service gone: ${show(svc.rec.exited)} ${svc.rec.output.slice(-500)}`);
    return p;
  });
  await R.test('after the disconnects: 200 concurrent requests through nginx all get their token', async () => {
    const jobs = Array.from({ length: 200 }, (_, i) => L.client.request({ port: ng.port, target: `/rtc/after/publisher/uid/${1000 + i}` }).then((res) => quickTokenCheck(res, 'after', String(1000 + i))).catch((e) => e.message));
    const bad = (await Promise.all(jobs)).filter(Boolean);
    const res = await L.client.request({ port: ng.port, target: '/rtc/after/publisher/uid/77' });
    return bad.length ? [`${bad.length} failed: ${bad.slice(0, 3)}`] : L.checkRtcToken(res, 'after', '77');
  });
  await R.test('after the disconnects: straight FastCGI still answers', async () => {
    const r = await L.fcgiOnce({ path: svc.sock }, L.fcgiParams({ path: '/ping' }));
    return r.outcome === 'ok' && r.res.status === 200 ? [] : [`${r.outcome} ${r.res && r.res.status}`];
  });
  await R.test('after the disconnects: no error in the service log', async () => {
    const bad = L.badLogLines(svc.rec.output);
    return bad.length ? bad.slice(0, 3) : [];
  });
  await L.procs.stop(ng.rec, 'SIGQUIT', 10000);
  const st = await L.procs.stop(svc.rec, 'SIGTERM', STOP_BOUND_MS);
  await R.test('after the disconnects: SIGTERM exits 0', async () => (st.code === 0 ? [] : [show(st)]));
}

// ---------------------------------------------------------------- 4
async function nginxRestart(R) {
  const T = L.tempDir('ngx');
  const svc = await L.startService(T, 'ngx', bin, { args: ['--threads', '4'] });
  let ng = await nginxFor(T, svc.sock);
  for (const [round, sig] of [
    [1, 'SIGTERM'],
    [2, 'SIGQUIT'],
  ]) {
    // Light load running while nginx goes away.
    let stop = false;
    const loadP = L.httpLoad({ port: ng.port, concurrency: 4, stop: () => stop, next: (i) => ({ target: `/rtc/ngx/publisher/uid/${i}` }) });
    await L.procs.sleep(300);
    const st = await L.procs.stop(ng.rec, sig, 10000);
    await L.procs.sleep(200);
    stop = true;
    const during = await loadP;
    await R.test(`nginx stopped with ${sig} (round ${round}): it exits, the service stays`, async () => {
      const p = [];
      if (st.timeout) p.push('nginx did not stop');
      if (svc.rec.exited || !L.alive(svc.pid)) p.push('service gone');
      const bad = during.filter((r) => r.status && r.status !== 200);
      if (bad.length) p.push(`answers other than 200 while nginx stopped: ${show(summarize(bad))}`);
      try {
        await L.client.request({ port: ng.port, target: '/ping', timeoutMs: 1000 });
        p.push('port still answering after nginx stopped');
      } catch (e) {
        /* refused: expected */
      }
      return p;
    });
    await L.procs.sleep(200);
    const rec = await L.startNginx(T, ng.text, '/ping', ng.port);
    ng = { ...ng, rec };
    await R.test(`nginx started again (round ${round}): the same service process answers with tokens`, async () => {
      const res = await L.client.request({ port: ng.port, target: `/rtc/back${round}/publisher/uid/9` });
      const p = L.checkRtcToken(res, `back${round}`, '9');
      const jobs = await Promise.all(Array.from({ length: 50 }, (_, i) => L.client.request({ port: ng.port, target: `/rtc/back/publisher/uid/${1000 + i}` }).then((r) => quickTokenCheck(r, 'back', String(1000 + i)))));
      const bad = jobs.filter(Boolean);
      if (bad.length) p.push(`${bad.length} of 50 failed: ${bad[0]}`);
      if (svc.rec.child.pid !== svc.pid || svc.rec.exited) p.push('service restarted or gone');
      return p;
    });
  }
  await L.procs.stop(ng.rec, 'SIGQUIT', 10000);
  const st = await L.procs.stop(svc.rec, 'SIGTERM', STOP_BOUND_MS);
  await R.test('after the nginx restarts: no error in the service log, SIGTERM exits 0', async () => {
    const bad = L.badLogLines(svc.rec.output);
    return bad.concat(st.code === 0 ? [] : [show(st)]);
  });
}

// ---------------------------------------------------------------- 5
const J = (o) => JSON.stringify(o);
const TOKEN_REQUESTS = [
  { name: 'GET /rtc uid', path: '/rtc/test/publisher/uid/1' },
  { name: 'GET /rtc userAccount', path: '/rtc/test/subscriber/userAccount/bob' },
  { name: 'GET /rtm', path: '/rtm/alice' },
  { name: 'GET /rte', path: '/rte/test/publisher/uid/5' },
  { name: 'GET /rte with rtmuid', path: '/rte/test/publisher/uid/0/carol' },
  { name: 'GET /chat/app', path: '/chat/app' },
  { name: 'GET /chat/account', path: '/chat/account/dave' },
  { name: 'POST json rtc', method: 'POST', path: '/getToken', ct: 'application/json', body: J({ tokenType: 'rtc', channel: 'c', role: 'publisher', uid: 7 }) },
  { name: 'POST json rtm', method: 'POST', path: '/getToken', ct: 'application/json', body: J({ tokenType: 'rtm', uid: 'eve' }) },
  { name: 'POST json rtm + channel', method: 'POST', path: '/getToken', ct: 'application/json', body: J({ tokenType: 'rtm', uid: 'eve', channel: 'c' }) },
  { name: 'POST json chat app', method: 'POST', path: '/getToken', ct: 'application/json', body: J({ tokenType: 'chat' }) },
  { name: 'POST json chat user', method: 'POST', path: '/getToken', ct: 'application/json', body: J({ tokenType: 'chat', uid: 'frank' }) },
  { name: 'POST form rtc', method: 'POST', path: '/getToken', ct: 'application/x-www-form-urlencoded', body: 'tokenType=rtc&channel=c&role=2&uid=al' },
];
const INTERNAL = '{"error":"internal error","status":500}';

async function failRandom(R) {
  const T = L.tempDir('rand');
  const svc = await L.startService(T, 'rand', bin, { env: { AGORA_TOKEN_TEST_FAIL_RANDOM: '1' } });
  const ng = await nginxFor(T, svc.sock);
  const conf = L.writeConf(T, 'cgi.conf');
  const expect500 = (res, raw) => {
    const p = [];
    if (res.status !== 500) p.push(`status ${res.status}`);
    if (res.body.toString() !== INTERNAL) p.push(`body ${show(res.body.toString().slice(0, 200))}, expected ${INTERNAL}`);
    if (/007eJ/.test(raw.toString('latin1'))) p.push('a token in the answer');
    const ct = L.check.headerValues(res, 'content-type');
    if (ct.length !== 1 || ct[0] !== 'application/json') p.push(`Content-Type ${show(ct)}`);
    return p;
  };
  for (const q of TOKEN_REQUESTS) {
    await R.test(`random source failing, nginx: ${q.name} -> 500 internal error, no token`, async () => {
      const host = `127.0.0.1:${ng.port}`;
      const bytes = L.client.buildRequest({ method: q.method || 'GET', target: q.path, host, headers: q.ct ? [['Content-Type', q.ct]] : [], body: q.body });
      const r = await L.rawExchange({ port: ng.port, chunks: [bytes] });
      const res = L.splitResponses(r.raw)[0];
      return expect500(res, r.raw);
    });
  }
  const nTokenReq = TOKEN_REQUESTS.length;
  await R.test('random source failing: /ping is 200 pong, / is 200, bad input still 400', async () => {
    const p = [];
    const a = await L.client.request({ port: ng.port, target: '/ping' });
    if (a.status !== 200 || a.body.toString() !== '{"message":"pong"}') p.push(`/ping ${a.status} ${a.body}`);
    const b = await L.client.request({ port: ng.port, target: '/' });
    if (b.status !== 200) p.push(`/ ${b.status}`);
    const c = await L.client.request({ port: ng.port, target: '/rtc/test/admin/uid/1' });
    if (c.status !== 400) p.push(`bad role ${c.status}`);
    return p;
  });
  await R.test(`random source failing: each of the ${nTokenReq} failures logged on stderr with its reason`, async () => {
    const lines = svc.rec.output.split('\n').filter((l) => / error: 500: random source failed/.test(l));
    return lines.length === nTokenReq ? [] : [`${lines.length} log lines "error: 500: random source failed", expected ${nTokenReq}: ${svc.rec.output.slice(-600)}`];
  });
  await R.test('random source failing: the FastCGI process stays up, SIGTERM exits 0', async () => {
    await L.procs.stop(ng.rec, 'SIGQUIT', 10000);
    const st = await L.procs.stop(svc.rec, 'SIGTERM', STOP_BOUND_MS);
    return st.code === 0 ? [] : [show(st)];
  });
  for (const q of TOKEN_REQUESTS) {
    await R.test(`random source failing, CGI: ${q.name} -> 500, no token, reason on stderr`, async () => {
      const out = L.cgiRaw(bin, { method: q.method || 'GET', path: q.path, headers: q.ct ? [['Content-Type', q.ct]] : [], body: q.body, configFile: conf, extraEnv: { AGORA_TOKEN_TEST_FAIL_RANDOM: '1' } });
      if (out.signal) return [`killed by ${out.signal}`];
      const p = expect500(out.res, out.raw);
      if (out.exitCode !== 0) p.push(`exit ${out.exitCode}`);
      if (!/error: 500: random source failed/.test(out.stderr)) p.push(`stderr ${show(out.stderr.slice(0, 300))}`);
      return p;
    });
  }
  await R.test('random source failing, CGI: /ping still 200', async () => {
    const out = L.cgiRaw(bin, { method: 'GET', path: '/ping', configFile: conf, extraEnv: { AGORA_TOKEN_TEST_FAIL_RANDOM: '1' } });
    return out.res && out.res.status === 200 && out.stderr === '' ? [] : [`${out.res && out.res.status} ${out.stderr}`];
  });
}

L.run(async (R) => {
  if (want(1)) await workerKill(R);
  if (want(2)) {
    await sigtermUnderLoad(R);
    await idleConnectionSigterm(R);
  }
  if (want(3)) await disconnects(R);
  if (want(4)) await nginxRestart(R);
  if (want(5)) await failRandom(R);
});
