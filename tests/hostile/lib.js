'use strict';
// Shared helpers of the hostile-input, fault and memory tests: result
// lines, temp dirs, starting the service and nginx by pid, raw sockets,
// a keep-alive FastCGI client, an HTTP load generator and /proc sampling.
// Builds on tests/http (client, cgi, fcgi, check, procs), unchanged.

const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const { spawnSync } = require('child_process');

const procs = require('../http/procs');
const client = require('../http/client');
const cgi = require('../http/cgi');
const fcgi = require('../http/fcgi');
const check = require('../http/check');
const cases = require('../http/cases');

const ROOT = path.resolve(__dirname, '..', '..');
const NGINX = '/usr/sbin/nginx';
const FASTCGI_PARAMS = '/etc/nginx/fastcgi_params';
const SANITIZED = process.env.SANITIZE === '1';

// ------------------------------------------------------------------ results
// One runner per script: "ok - ..." / "FAIL - ..." lines, and last
// "N passed, M failed" (printed by finish()).
//
// Known bugs: a test may name a bug of the binary it is known to show
// (record(name, problems, { id, match })).  It then states the documented
// behaviour; while the bug is there (every problem contains `match`, if
// given) the line reads "ok - NAME # TODO known bug ID: ..." and does not
// count as a failure, once fixed it is a plain "ok" plus a note to drop the
// tag.  HOSTILE_STRICT=1 counts known bugs as failures.
const STRICT = process.env.HOSTILE_STRICT === '1';
class Results {
  constructor() {
    this.passed = 0;
    this.failed = 0;
    this.known = new Map();
  }
  record(name, problems, knownBug) {
    problems = problems.filter(Boolean);
    const kb = knownBug;
    if (kb && !STRICT && problems.length && problems.every((m) => !kb.match || m.includes(kb.match))) {
      this.passed++;
      this.known.set(kb.id, (this.known.get(kb.id) || 0) + 1);
      console.log(`ok - ${name} # TODO known bug ${kb.id}: ${problems.join('; ').replace(/[\r\n]+/g, ' ').slice(0, 400)}`);
      return true;
    }
    if (kb && problems.length === 0) this.note(`known bug ${kb.id} did not show in "${name}": drop its tag if it is fixed`);
    if (problems.length === 0) {
      this.passed++;
      console.log(`ok - ${name}`);
    } else {
      this.failed++;
      console.log(`FAIL - ${name}: ${problems.join('; ').replace(/[\r\n]+/g, ' ').slice(0, 2000)}`);
    }
    return problems.length === 0;
  }
  // Runs fn (returns a list of problems, may throw) and records it.
  async test(name, fn, knownBug) {
    let p;
    try {
      p = (await fn()) || [];
    } catch (e) {
      p = [`exception: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`];
    }
    return this.record(name, p, knownBug);
  }
  note(text) {
    console.log(`# ${text}`);
  }
}

// Last-resort cleanup (process 'exit' handler, so synchronous): SIGTERM to
// every child still registered (nginx: SIGQUIT), up to 3 s for them to go,
// then SIGKILL -- a child that ignores SIGTERM must not outlive the tests.
function killAllHard() {
  const pids = [...procs.live.keys()];
  procs.killAllSync();
  const deadline = Date.now() + 3000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (pids.some(alive) && Date.now() < deadline) Atomics.wait(pause, 0, 0, 50);
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e) {
      /* gone */
    }
  }
}

// Runs main(results) with cleanup of every child and the temp dirs, and
// prints the summary line.  Exit status 0 iff nothing failed.
const temps = [];
function run(main) {
  const results = new Results();
  const cleanup = () => {
    killAllHard();
    for (const t of temps.splice(0)) {
      if (process.env.KEEP) console.log(`# kept ${t}`);
      else fs.rmSync(t, { recursive: true, force: true });
    }
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));
  const internal = (e) => {
    results.failed++;
    console.log(`FAIL - internal: ${e && e.stack ? e.stack.replace(/\n/g, ' | ') : e}`);
    console.log(`${results.passed} passed, ${results.failed} failed`);
    process.exit(1);
  };
  process.on('uncaughtException', internal);
  process.on('unhandledRejection', internal);
  main(results)
    .catch((e) => results.record('setup', [`${e && e.stack ? e.stack.replace(/\n/g, ' | ') : e}`]))
    .then(async () => {
      // Stop what is still running (by pid), politely first.
      for (const [, rec] of procs.live) await procs.stop(rec, rec.name.startsWith('nginx') ? 'SIGQUIT' : 'SIGTERM', 5000);
      for (const [id, n] of results.known) console.log(`# known bug ${id} still present (${n} TODO line${n > 1 ? 's' : ''})`);
      console.log(`${results.passed} passed, ${results.failed} failed`);
      // Exit now: tests/http/procs.js stop() leaves its timeout timer
      // running, which would keep node alive for up to that long.
      process.exit(results.failed === 0 ? 0 : 1);
    });
}

function tempDir(tag) {
  const T = fs.mkdtempSync(path.join(os.tmpdir(), `agora-hostile-${tag}-`));
  fs.chmodSync(T, 0o755); // nginx workers (nobody) must reach the sockets
  temps.push(T);
  return T;
}

function binPath() {
  const i = process.argv.indexOf('--bin');
  return path.resolve(i > 0 ? process.argv[i + 1] : process.env.AGORA_BIN || path.join(ROOT, 'agora-token-fcgi'));
}

function writeConf(T, name = 'app.conf', extra = {}) {
  const file = path.join(T, name);
  const vars = { APP_ID: cases.APP_ID, APP_CERTIFICATE: cases.APP_CERTIFICATE, ...extra };
  fs.writeFileSync(file, Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''), { mode: 0o600 });
  return file;
}

// ------------------------------------------------------------------ service
// Starts the binary in FastCGI mode on a Unix socket (mode 0666 so nginx's
// workers reach it).  opts: { args, env, wrap: [cmd, ...args] (valgrind) }.
async function startService(T, name, bin, opts = {}) {
  const sock = opts.sock || path.join(T, `${name}.sock`);
  const conf = opts.conf || writeConf(T, `${name}.conf`);
  const args = ['--listen', `unix:${sock}`, '--socket-mode', '0666', '--config', conf, ...(opts.args || [])];
  const env = procs.cleanEnv(opts.env || {});
  const rec = opts.wrap ? procs.start(`service ${name}`, opts.wrap[0], [...opts.wrap.slice(1), bin, ...args], { env }) : procs.start(`service ${name}`, bin, args, { env });
  await procs.waitForListen({ path: sock }, rec, opts.waitMs || 15000);
  return { rec, sock, pid: rec.child.pid, conf };
}

// ------------------------------------------------------------------ nginx
// A minimal nginx configuration: servers = [{ port, body }] where body is
// the text inside server { } after the listen line; httpExtra goes into
// the http block.
function nginxConf(T, servers, httpExtra = '') {
  const blocks = servers
    .map(
      ({ port, body }) => `    server {
        listen 127.0.0.1:${port};
${body}
    }`
    )
    .join('\n');
  return procs.nginxMain(T, `${httpExtra}\n${blocks}`, { workerConnections: 1024 });
}

// The location most people paste (README): service at the site root.
function rootLocation(sock) {
  return `        location / {
            include ${FASTCGI_PARAMS};
            fastcgi_pass unix:${sock};
        }`;
}

async function startNginx(T, confText, waitTarget = '/ping', port) {
  fs.mkdirSync(path.join(T, 'tmp'), { recursive: true });
  fs.mkdirSync(path.join(T, 'logs'), { recursive: true });
  const conf = path.join(T, 'nginx.conf');
  fs.writeFileSync(conf, confText);
  const rec = procs.start('nginx', NGINX, ['-e', 'stderr', '-p', T, '-c', conf]);
  if (port) await waitHttp(port, waitTarget, rec);
  return rec;
}

async function waitHttp(port, target, rec, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (rec && rec.exited) throw new Error(`${rec.name} exited: ${rec.output}`);
    try {
      const r = await client.request({ port, target, timeoutMs: 2000 });
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await procs.sleep(50);
  }
  throw new Error(`http://127.0.0.1:${port}${target} not answering 200 (${last}); ${rec ? rec.output : ''}`);
}

// ------------------------------------------------------------------ raw sockets
// Sends `chunks` (Buffers, or [delayMs, Buffer] pairs) and collects
// everything until the peer closes.  halfClose: shut our write side after
// the last chunk.  Resolves { raw, error, timedOut } and never rejects.
function rawExchange({ port, host = '127.0.0.1', path: sockPath, chunks, halfClose = false, timeoutMs = 10000 }) {
  return new Promise((resolve) => {
    const got = [];
    let error = null;
    let timedOut = false;
    const sock = sockPath ? net.connect(sockPath) : net.connect({ port, host });
    const timer = setTimeout(() => {
      timedOut = true;
      sock.destroy();
    }, timeoutMs);
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (Array.isArray(c)) {
          await procs.sleep(c[0]);
          if (!sock.destroyed) sock.write(c[1]);
        } else if (!sock.destroyed) sock.write(c);
      }
      if (halfClose && !sock.destroyed) sock.end();
    });
    sock.on('data', (d) => got.push(d));
    sock.on('error', (e) => (error = e));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ raw: Buffer.concat(got), error, timedOut });
    });
  });
}

// Splits raw bytes into HTTP responses (status line + headers + body by
// Content-Length or chunked); for the "exactly one response" checks.
function splitResponses(raw, isHead) {
  const out = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n', 0, 'latin1');
    if (end < 0) throw new Error(`trailing bytes that are no response: ${JSON.stringify(rest.toString('latin1').slice(0, 100))}`);
    const head = rest.toString('latin1', 0, end);
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
    const status = Number((/^HTTP\/1\.[01] (\d{3})/.exec(head) || [])[1]);
    let len;
    if (isHead || status === 204 || status === 304) len = 0;
    else if (chunked) {
      const term = rest.indexOf('\r\n0\r\n\r\n', end, 'latin1');
      len = term < 0 ? rest.length - end - 4 : term + 7 - (end + 4);
    } else if (cl) len = Number(cl[1]);
    else len = rest.length - end - 4;
    out.push(client.parseResponse(rest.subarray(0, end + 4 + len), isHead));
    rest = rest.subarray(end + 4 + len);
  }
  return out;
}

// Problems with the header section of a raw HTTP (or CGI) response: every
// header line must be "Name: value" with a token name and a value of
// printable ASCII (and tab), so no request byte smuggled a header in.
function headerSafety(raw, injectedNames = ['x-injected']) {
  const p = [];
  const end = raw.indexOf('\r\n\r\n', 0, 'latin1');
  const head = raw.toString('latin1', 0, end < 0 ? raw.length : end);
  const lines = head.split('\r\n');
  lines.forEach((line, i) => {
    if (i === 0 && /^HTTP\/1\.[01] \d{3}/.test(line)) return;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e]*$/.test(line)) p.push(`unsafe header line ${JSON.stringify(line.slice(0, 120))}`);
    const name = line.slice(0, line.indexOf(':')).toLowerCase();
    if (injectedNames.includes(name)) p.push(`injected header ${JSON.stringify(line.slice(0, 120))}`);
  });
  if (/[\r\n]/.test(head.replace(/\r\n/g, ''))) p.push('bare CR or LF in the header section');
  return p;
}

// ------------------------------------------------------------------ CGI, raw
// Like tests/http/cgi.js cgiRequest, but also returns the raw stdout, and
// extraEnv may override CONTENT_LENGTH (a lying length).
function cgiRaw(bin, req) {
  const env = cgi.cgiEnv(req);
  const r = spawnSync(bin, [], { env, input: req.body == null ? Buffer.alloc(0) : Buffer.from(req.body), timeout: 10000, maxBuffer: 4 * 1024 * 1024 });
  if (r.error && r.error.code !== 'EPIPE') throw new Error(`CGI run failed: ${r.error.message}`);
  const out = { raw: r.stdout || Buffer.alloc(0), exitCode: r.status, signal: r.signal, stderr: (r.stderr || '').toString() };
  if (r.signal) return out;
  out.res = cgi.parseCgiOutput(out.raw);
  return out;
}

// ------------------------------------------------------------------ FastCGI, fast
// Parses FastCGI records from a growing buffer.  Returns [records, rest].
function parseRecords(buf) {
  const recs = [];
  let pos = 0;
  while (pos + 8 <= buf.length) {
    const len = buf.readUInt16BE(pos + 4);
    const pad = buf.readUInt8(pos + 6);
    if (pos + 8 + len + pad > buf.length) break;
    recs.push({ type: buf.readUInt8(pos + 1), id: buf.readUInt16BE(pos + 2), content: buf.subarray(pos + 8, pos + 8 + len) });
    pos += 8 + len + pad;
  }
  return [recs, buf.subarray(pos)];
}

// A FastCGI connection that keeps the connection open between requests
// (FCGI_KEEP_CONN, which libfcgi honours); one request at a time.
class FcgiConn {
  constructor(connectOpts) {
    this.sock = net.connect(connectOpts);
    this.buf = Buffer.alloc(0);
    this.out = [];
    this.err = [];
    this.pending = null;
    this.closed = false;
    this.ready = new Promise((resolve, reject) => {
      this.sock.once('connect', resolve);
      this.sock.once('error', reject);
    });
    this.ready.catch(() => {});
    this.sock.on('data', (d) => this.onData(d));
    this.sock.on('error', (e) => this.fail(e));
    this.sock.on('close', () => {
      this.closed = true;
      this.fail(new Error('connection closed'));
    });
  }
  fail(e) {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      p.reject(e);
    }
  }
  onData(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    const [recs, rest] = parseRecords(this.buf);
    this.buf = rest;
    for (const r of recs) {
      if (r.type === 6) this.out.push(r.content);
      else if (r.type === 7) this.err.push(r.content);
      else if (r.type === 3 && this.pending) {
        const p = this.pending;
        this.pending = null;
        const raw = Buffer.concat(this.out);
        const stderr = Buffer.concat(this.err).toString();
        this.out = [];
        this.err = [];
        try {
          const res = cgi.parseCgiOutput(raw);
          res.raw = raw;
          res.stderr = stderr;
          p.resolve(res);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }
  request(params, body) {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (this.pending) return Promise.reject(new Error('one request at a time'));
    const begin = Buffer.alloc(8);
    begin.writeUInt16BE(1, 0); // FCGI_RESPONDER
    begin.writeUInt8(1, 2); // FCGI_KEEP_CONN
    const parts = [fcgi.record(1, begin), fcgi.paramsRecords(params)];
    const b = body == null ? Buffer.alloc(0) : Buffer.from(body);
    for (let i = 0; i < b.length; i += 65535) parts.push(fcgi.record(5, b.subarray(i, i + 65535)));
    parts.push(fcgi.record(5));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.sock.write(Buffer.concat(parts));
    });
  }
  close() {
    this.sock.destroy();
  }
}

// One FastCGI request on its own connection (no keep-alive), never
// rejecting: resolves { outcome, res, bytes, error, t0, t1 } where outcome
// is 'ok' (FCGI_END_REQUEST and a parsable answer), 'refused' (could not
// connect), 'dropped' (connected, closed without a byte), or 'truncated'
// (some bytes, then the connection ended without FCGI_END_REQUEST).
// hold: resolve-able gate; the STDIN end record is sent only after it.
function fcgiOnce(connectOpts, params, body, { hold, timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const sock = net.connect(connectOpts);
    let buf = Buffer.alloc(0);
    let error = null;
    let connected = false;
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...r, bytes: buf.length, error, t0, t1: Date.now() });
    };
    const timer = setTimeout(() => finish({ outcome: 'timeout' }), timeoutMs);
    sock.on('connect', async () => {
      connected = true;
      const begin = Buffer.alloc(8);
      begin.writeUInt16BE(1, 0);
      const b = body == null ? Buffer.alloc(0) : Buffer.from(body);
      const head = Buffer.concat([fcgi.record(1, begin), fcgi.paramsRecords(params)]);
      const stdin = (x) => {
        const recs = [];
        for (let i = 0; i < x.length; i += 65535) recs.push(fcgi.record(5, x.subarray(i, i + 65535)));
        return Buffer.concat(recs);
      };
      if (hold) {
        const cut = Math.floor(b.length / 2);
        sock.write(Buffer.concat([head, stdin(b.subarray(0, cut))]));
        await hold;
        if (!sock.destroyed) sock.write(Buffer.concat([stdin(b.subarray(cut)), fcgi.record(5)]));
      } else {
        sock.write(Buffer.concat([head, stdin(b), fcgi.record(5)]));
      }
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const [recs] = parseRecords(buf);
      if (recs.some((r) => r.type === 3)) {
        const out = Buffer.concat(recs.filter((r) => r.type === 6).map((r) => r.content));
        try {
          const res = cgi.parseCgiOutput(out);
          res.raw = out;
          finish({ outcome: 'ok', res });
        } catch (e) {
          error = e;
          finish({ outcome: 'truncated' });
        }
      }
    });
    sock.on('error', (e) => (error = e));
    sock.on('close', () => finish({ outcome: !connected ? 'refused' : buf.length === 0 ? 'dropped' : 'truncated' }));
  });
}

// CGI/1.1 parameters nginx's fastcgi_params would send for a request at
// the site root (SCRIPT_NAME = the decoded path, no PATH_INFO).
function fcgiParams({ method = 'GET', path: p, query, contentType, body, origin }) {
  const params = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'nginx',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: method,
    REQUEST_URI: p + (query === undefined ? '' : `?${query}`),
    // nginx's "location /" sends the decoded path; a path nginx would
    // refuse to decode goes the way lighttpd passes a root mount ("").
    SCRIPT_NAME: /%(?![0-9A-Fa-f]{2})|%00/.test(p) ? '' : decodeURIComponentLatin1(p),
    QUERY_STRING: query === undefined ? '' : query,
    REMOTE_ADDR: '127.0.0.1',
  };
  if (contentType !== undefined) params.CONTENT_TYPE = contentType;
  if (body != null) params.CONTENT_LENGTH = String(Buffer.byteLength(body));
  if (origin !== undefined) params.HTTP_ORIGIN = origin;
  return params;
}

function decodeURIComponentLatin1(s) {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16)));
}

// ------------------------------------------------------------------ load
// Runs `concurrency` loops, each sending one request after the other (a
// new connection each, as nginx does for FastCGI) until stop() is true.
// next(i) returns { target, method, headers, body }.  Every outcome is
// recorded: { t0, t1, status, body, error }.
async function httpLoad({ port, concurrency, next, stop, timeoutMs = 10000 }) {
  const results = [];
  let n = 0;
  const loop = async () => {
    while (!stop()) {
      const r = next(n++);
      const t0 = Date.now();
      try {
        const res = await client.request({ port, timeoutMs, ...r });
        results.push({ t0, t1: Date.now(), status: res.status, res, req: r });
      } catch (e) {
        results.push({ t0, t1: Date.now(), status: 0, error: e.message, req: r });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return results;
}

// ------------------------------------------------------------------ /proc
function procStatus(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (e) {
    return null;
  }
}
function rssKiB(pid) {
  const s = procStatus(pid);
  const m = s && /^VmRSS:\s+(\d+) kB/m.exec(s);
  return m ? Number(m[1]) : null;
}
function childPids(pid) {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch (e) {
    return [];
  }
}
// "tid state syscall" of every thread: where a hung process spins.
function threadStates(pid) {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .map((t) => {
        const st = (/^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8')) || [])[1];
        let sc = '';
        try {
          sc = fs.readFileSync(`/proc/${pid}/task/${t}/syscall`, 'utf8').split(' ')[0];
        } catch (e) {
          sc = '?';
        }
        return `${t}:${st}:${sc === 'running' ? 'running' : `syscall ${sc}`}`;
      })
      .join(' ');
  } catch (e) {
    return '';
  }
}
function alive(pid) {
  try {
    process.kill(pid, 0);
    const s = procStatus(pid);
    return !!s && !/^State:\s+Z/m.test(s);
  } catch (e) {
    return false;
  }
}

// Lines of a service log that point at trouble: errors, warnings and
// sanitizer reports -- except the warning every sanitizer build gives
// (no seccomp sandbox there, by design).
function badLogLines(output) {
  return output.split('\n').filter((l) => / (error|warning):|Sanitizer|runtime error/.test(l) && !/sandbox not active: not in sanitizer builds/.test(l));
}

// ------------------------------------------------------------------ token checks
// A valid token answer for GET /rtc/<channel>/publisher/uid/<uid>, checked
// by tests/http/check.js (official agora-token package + own decoder).
function checkRtcToken(res, channel, uid, expire = 3600) {
  const c = { name: 'token', path: `/rtc/${channel}/publisher/uid/${uid}`, status: 200, tokens: { rtcToken: [{ type: 1, channel, uid, privs: cases.PUB }] }, expire };
  return check.checkResponse(c, res, { suite: 'hostile', defaultExpire: 3600, nowSec: Math.round(Date.now() / 1000), viaNginx: true });
}

module.exports = {
  ROOT,
  SANITIZED,
  Results,
  run,
  tempDir,
  binPath,
  writeConf,
  startService,
  nginxConf,
  rootLocation,
  startNginx,
  waitHttp,
  rawExchange,
  splitResponses,
  headerSafety,
  cgiRaw,
  parseRecords,
  FcgiConn,
  fcgiOnce,
  fcgiParams,
  httpLoad,
  rssKiB,
  childPids,
  alive,
  threadStates,
  badLogLines,
  checkRtcToken,
  procs,
  client,
  cgi,
  fcgi,
  check,
  cases,
};
