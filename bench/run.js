#!/usr/bin/env node
'use strict';
// `make bench`: agora-token-fcgi behind nginx against three references, side
// by side in one run, in alternating rounds (A B C D, A B C D, ...) so that
// drift of this shared machine falls on every target alike; then the
// one-thread core microbenchmark (C against the Node package), alternating
// too.  Every process is started here, in the foreground, from a temp dir,
// on loopback ports below 32768, and stopped by pid at the end, on failure
// and on Ctrl-C.
//
//   node bench/run.js              the full run
//   node bench/run.js --scaling    threads/workers x connections matrix
//   node bench/run.js --core-only  only the core microbenchmark
//
// Knobs (environment; defaults in DEFAULTS below): BENCH_SECONDS,
// BENCH_ROUNDS, BENCH_CONNS, BENCH_WRK_THREADS, BENCH_WARMUP, BENCH_TARGETS,
// BENCH_THREADS, BENCH_WORKERS, BENCH_KEEPCONN, BENCH_KEEPALIVE,
// BENCH_CLOSE_POLL, BENCH_NGINX_WORKERS, BENCH_CEIL_THREADS,
// BENCH_CEIL_PROCS, BENCH_CEIL_KEEPCONN, BENCH_CEIL_KEEPALIVE, BENCH_ALT_BIN, BENCH_ALT_ARGS,
// BENCH_CORE_SECONDS, BENCH_CORE_ROUNDS, BENCH_SCALE_THREADS,
// BENCH_SCALE_CONNS, BENCH_OUT.  See bench/README.md.

const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const http = require('http');
const { spawn, spawnSync, execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'agora-token-fcgi');
const CEILING = path.join(ROOT, 'build', 'bench', 'ceiling');
const CORE = path.join(ROOT, 'build', 'bench', 'core');
const NGINX = '/usr/sbin/nginx';
const FASTCGI_PARAMS = '/etc/nginx/fastcgi_params';
const DEPS = path.join(ROOT, 'tests', '.deps', 'node_modules');
// Agora's public test credentials: tokens verify, no project accepts them.
const APP_ID = '970CA35de60c44645bbae8a215061b33';
const CERT = '5CFd2fd1755d40ecb72977518be15d3b';
const ROUTE = '/rtc/test/publisher/uid/42/?expiry=3600';

const DEFAULTS = {
  BENCH_SECONDS: '10', // per wrk round (scaling: 5)
  BENCH_ROUNDS: '5', // (scaling: 3)
  BENCH_CONNS: '32',
  BENCH_WRK_THREADS: '2',
  BENCH_WARMUP: '2', // seconds per target, not counted
  BENCH_TARGETS: 'ours,ceiling,static,node',
  // agora-token-fcgi: threads per process, --workers (0 = no supervisor)
  BENCH_THREADS: '4',
  BENCH_WORKERS: '0',
  // nginx -> FastCGI: fastcgi_keep_conn + upstream keepalive (idle
  // connections kept per nginx worker; must stay below the backend's
  // threads: a request would wait on a kept connection)
  BENCH_KEEPCONN: '1',
  BENCH_KEEPALIVE: '1',
  // LIBFCGI_OS_CLOSE_POLL_TIMEOUT (ms) for both FastCGI backends; 'default'
  // leaves libfcgi's 2000
  BENCH_CLOSE_POLL: 'default',
  BENCH_NGINX_WORKERS: '1',
  BENCH_CEIL_THREADS: '2',
  BENCH_CEIL_PROCS: '1',
  BENCH_CEIL_KEEPCONN: '', // '' = same as BENCH_KEEPCONN
  BENCH_CEIL_KEEPALIVE: '', // '' = same as BENCH_KEEPALIVE
  BENCH_ALT_BIN: '', // a second agora-token-fcgi binary, target "alt"
  BENCH_ALT_ARGS: '', // extra arguments for "alt" only
  BENCH_CORE_SECONDS: '2',
  BENCH_CORE_ROUNDS: '3',
  BENCH_SCALE_THREADS: '1,2,4,8',
  BENCH_SCALE_CONNS: '16,64,256',
  BENCH_OUT: path.join(ROOT, 'build', 'bench'),
};
const MODE = process.argv.includes('--scaling') ? 'scaling' : process.argv.includes('--core-only') ? 'core' : 'full';
if (MODE === 'scaling') Object.assign(DEFAULTS, { BENCH_SECONDS: '5', BENCH_ROUNDS: '3' });
const K = {};
for (const [k, v] of Object.entries(DEFAULTS)) K[k] = process.env[k] !== undefined && process.env[k] !== '' ? process.env[k] : v;
const num = (k) => {
  const n = Number(K[k]);
  if (!Number.isFinite(n) || n < 0) die(`${k}=${K[k]}: expected a number`);
  return n;
};


// ---- processes ----------------------------------------------------------------

const live = new Map(); // pid -> record
let tmp = null;

function die(msg) {
  console.error(`bench: ${msg}`);
  cleanup();
  process.exit(1);
}

function start(name, cmd, args, env) {
  const child = spawn(cmd, args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const rec = { name, child, pid: child.pid, out: '', exited: null };
  const keep = (d) => {
    rec.out += d;
    if (rec.out.length > 65536) rec.out = rec.out.slice(-32768);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  rec.done = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      rec.exited = { code, signal };
      live.delete(rec.pid);
      resolve();
    });
    child.on('error', (e) => {
      rec.exited = { error: e.message };
      live.delete(rec.pid);
      resolve();
    });
  });
  if (child.pid) live.set(child.pid, rec);
  return rec;
}

async function stop(rec, sig = 'SIGTERM') {
  if (!rec || rec.exited) return;
  try {
    process.kill(rec.pid, sig);
  } catch (e) {
    return;
  }
  const t = sleep(5000).then(() => 'timeout');
  if ((await Promise.race([rec.done, t])) === 'timeout') {
    try {
      process.kill(rec.pid, 'SIGKILL');
    } catch (e) {
      /* gone */
    }
    await rec.done;
  }
}

// Synchronous last resort (exit, signals): every child still running, by pid.
function cleanup() {
  for (const rec of live.values()) {
    try {
      process.kill(rec.pid, 'SIGTERM');
    } catch (e) {
      /* gone */
    }
  }
  const until = Date.now() + 3000;
  for (const rec of live.values()) {
    while (Date.now() < until && alive(rec.pid)) spawnSync('sleep', ['0.05']);
    if (alive(rec.pid)) {
      try {
        process.kill(rec.pid, 'SIGKILL');
      } catch (e) {
        /* gone */
      }
    }
  }
  live.clear();
  if (tmp) {
    fs.rmSync(tmp, { recursive: true, force: true });
    tmp = null;
  }
}

function alive(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(st);
  } catch (e) {
    return false;
  }
}

process.on('exit', cleanup);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(s, () => {
    console.error(`\nbench: ${s}, stopping everything`);
    cleanup();
    process.exit(130);
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

// Below the ephemeral port range, so a test port never collides with an outgoing connection.
async function freePorts(n) {
  const out = [];
  for (let p = 21000 + Math.floor(Math.random() * 4000); p < 32768 && out.length < n; p++) {
    if (await portFree(p)) out.push(p);
  }
  if (out.length < n) die('no free loopback ports below 32768');
  return out;
}

async function waitFor(what, rec, test) {
  for (let i = 0; i < 200; i++) {
    if (await test()) return;
    if (rec && rec.exited) die(`${what} exited early: ${JSON.stringify(rec.exited)}\n${rec.out}`);
    await sleep(25);
  }
  die(`${what} did not come up${rec ? `\n${rec.out}` : ''}`);
}

function get(port, p) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
  });
}

// The process and its descendants (workers of a supervisor, nginx workers).
function tree(pid) {
  const kids = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch (e) {
      /* raced with an exit */
    }
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    for (const k of kids.get(p) || []) walk(k);
  };
  walk(pid);
  return out;
}

function memory(pid) {
  let rss = 0;
  let pss = 0;
  for (const p of tree(pid)) {
    try {
      const st = fs.readFileSync(`/proc/${p}/status`, 'utf8');
      rss += Number((/VmRSS:\s+(\d+)/.exec(st) || [0, 0])[1]);
      const sr = fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      pss += Number((/Pss:\s+(\d+)/.exec(sr) || [0, 0])[1]);
    } catch (e) {
      /* gone */
    }
  }
  return { rss_kib: rss, pss_kib: pss, procs: tree(pid).length };
}

// CPU seconds (user + system) of a process tree so far.
const HZ = 100;
function cpu(pid) {
  let t = 0;
  for (const p of tree(pid)) {
    try {
      const st = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      t += Number(f[11]) + Number(f[12]);
    } catch (e) {
      /* gone */
    }
  }
  return t / HZ;
}

// ---- wrk ----------------------------------------------------------------------

const REPORT_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%.1f,"p90":%.1f,"p99":%.1f,"max":%.1f,"mean":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read,
    e.write, e.status, e.timeout, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;

function wrk(url, seconds, conns) {
  return new Promise((resolve) => {
    const threads = Math.min(num('BENCH_WRK_THREADS'), conns);
    const args = [`-t${threads}`, `-c${conns}`, `-d${seconds}s`, '--timeout', '5s', '-s', path.join(tmp, 'report.lua'), url];
    const rec = start('wrk', 'wrk', args, {});
    rec.done.then(() => {
      const m = /BENCHJSON (\{.*\})/.exec(rec.out);
      if (!m) die(`wrk failed: ${rec.out}`);
      const r = JSON.parse(m[1]);
      r.rps = r.requests / (r.duration_us / 1e6);
      r.errors = r.connect + r.read + r.write + r.status + r.timeout;
      resolve(r);
    });
  });
}

// ---- targets ------------------------------------------------------------------

const isRoot = process.getuid() === 0;
const nogroupGid = (() => {
  try {
    return Number(execFileSync('getent', ['group', 'nogroup']).toString().split(':')[2]);
  } catch (e) {
    return null;
  }
})();

// nginx workers run as nobody when we are root: the socket's group lets them in.
function socketAccess(sock) {
  if (isRoot && nogroupGid !== null) fs.chownSync(sock, 0, nogroupGid);
}

const closePollEnv = () => (K.BENCH_CLOSE_POLL === 'default' ? {} : { LIBFCGI_OS_CLOSE_POLL_TIMEOUT: K.BENCH_CLOSE_POLL });

async function startService(name, bin, sock, threads, workers, extraArgs) {
  const args = ['--listen', `unix:${sock}`, '--socket-mode', '0660', '--threads', String(threads)];
  if (workers > 0) args.push('--workers', String(workers));
  if (extraArgs) args.push(...extraArgs.split(/\s+/).filter(Boolean));
  const rec = start(name, bin, args, { APP_ID, APP_CERTIFICATE: CERT, ...closePollEnv() });
  await waitFor(name, rec, () => fs.existsSync(sock));
  socketAccess(sock);
  return rec;
}

async function startCeiling(sock, threads, procs) {
  const rec = start('ceiling', CEILING, [sock, path.join(tmp, 'response.bin'), String(threads), String(procs)], closePollEnv());
  await waitFor('ceiling', rec, () => fs.existsSync(sock));
  socketAccess(sock);
  return rec;
}

function nginxConf(servers) {
  const user = isRoot ? 'user nobody nogroup;' : '';
  const blocks = servers
    .map((s) => {
      if (s.kind === 'static') {
        const hdr = ['Cache-Control "private, no-cache, no-store, must-revalidate"', 'Pragma no-cache', 'Expires -1', 'Vary Origin'];
        return `    server {
        listen 127.0.0.1:${s.port};
        location / {
            default_type application/json;
${hdr.map((h) => `            add_header ${h};`).join('\n')}
            return 200 '${s.body}';
        }
    }`;
      }
      const keep = s.keepconn;
      const up = `    upstream ${s.name} {
        server unix:${s.sock};${keep && s.keepalive > 0 ? `\n        keepalive ${s.keepalive};` : ''}
    }`;
      return `${up}
    server {
        listen 127.0.0.1:${s.port};
        location / {
            include ${FASTCGI_PARAMS};
            fastcgi_pass ${s.name};${keep ? '\n            fastcgi_keep_conn on;' : ''}
        }
    }`;
    })
    .join('\n');
  return `${user}
daemon off;
master_process on;
worker_processes ${K.BENCH_NGINX_WORKERS};
worker_rlimit_nofile 16384;
pid ${tmp}/nginx.pid;
error_log stderr error;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path ${tmp}/tmp/body;
    fastcgi_temp_path ${tmp}/tmp/fastcgi;
    proxy_temp_path ${tmp}/tmp/proxy;
    uwsgi_temp_path ${tmp}/tmp/uwsgi;
    scgi_temp_path ${tmp}/tmp/scgi;
${blocks}
}
`;
}

async function startNginx(servers) {
  fs.writeFileSync(path.join(tmp, 'nginx.conf'), nginxConf(servers));
  const rec = start('nginx', NGINX, ['-e', 'stderr', '-p', tmp, '-c', path.join(tmp, 'nginx.conf')], {});
  for (const s of servers) await waitFor(`nginx on ${s.port}`, rec, async () => (await get(s.port, '/ping')) !== null);
  return rec;
}

async function startNode(port) {
  const rec = start('node', process.execPath, [path.join(__dirname, 'peers', 'node-rtc.js'), String(port)], { APP_ID, APP_CERTIFICATE: CERT });
  await waitFor('node peer', rec, async () => (await get(port, '/ping')) !== null);
  return rec;
}

// The exact CGI response the service gives for ROUTE: the ceiling replays
// it and nginx's static answer carries its body, so every target sends the
// same number of bytes.
function captureResponse() {
  const [p, q] = ROUTE.split('?');
  const r = spawnSync(BIN, [], {
    input: '',
    env: { APP_ID, APP_CERTIFICATE: CERT, REQUEST_METHOD: 'GET', REQUEST_URI: ROUTE, QUERY_STRING: q, SCRIPT_NAME: '', PATH_INFO: p },
  });
  const out = r.stdout;
  const i = out.indexOf('\r\n\r\n');
  if (r.status !== 0 || i < 0 || !/^Status: 200/.test(out.toString())) die(`CGI run of ${BIN} failed: ${r.stderr}`);
  fs.writeFileSync(path.join(tmp, 'response.bin'), out);
  return out.slice(i + 4).toString();
}

// A token answer must verify with the official package and carry the RTC
// publisher grant for (test, 42) with both expiries 3600.
function checkToken(name, body) {
  const { AccessToken2 } = require(path.join(DEPS, 'agora-token', 'src', 'AccessToken2'));
  let tok;
  try {
    tok = JSON.parse(body).rtcToken;
  } catch (e) {
    die(`${name}: not JSON: ${body}`);
  }
  const t = new AccessToken2();
  if (!t.from_string(tok) || !t.verifySignature(CERT)) die(`${name}: token does not verify: ${tok}`);
  const s = t.services[0];
  const privs = s && s.__privileges;
  const ok = t.services.length === 1 && s.service_type() === 1 && s.__channel_name.toString() === 'test' && s.__uid.toString() === '42' && t.expire === 3600 &&
    [1, 2, 3, 4].every((k) => privs[k] === 3600);
  if (!ok) die(`${name}: unexpected token content: ${tok}`);
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// ---- the full run -------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  const v = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
    } catch (e) {
      return '?';
    }
  };
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: `${cpus.length} x ${cpus[0] ? cpus[0].model : '?'}`,
    mem_gib: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel: os.release(),
    os: (v('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']) || '?'),
    wrk: (v('dpkg-query', ['-W', '-f=${Version}', 'wrk'])),
    node: process.version,
    libfcgi: v('dpkg-query', ['-W', '-f=${Version}', 'libfcgi-dev']),
    openssl: v('openssl', ['version']),
    zlib: v('dpkg-query', ['-W', '-f=${Version}', 'zlib1g']),
  };
}

function nginxVersion() {
  const r = spawnSync(NGINX, ['-v']);
  return (r.stderr.toString() + r.stdout.toString()).trim().replace('nginx version: ', '');
}

function preflight() {
  for (const [f, how] of [
    [BIN, 'make'],
    [CEILING, 'make bench-build'],
    [CORE, 'make bench-build'],
    [path.join(DEPS, 'agora-token', 'package.json'), 'sh tests/http/setup.sh'],
  ]) {
    if (!fs.existsSync(f)) die(`${f} is missing: run \`${how}\` (make bench does it)`);
  }
  if (spawnSync('wrk', ['-v']).error) die('wrk is missing: sh bench/deps.sh');
  if (!fs.existsSync(NGINX)) die('nginx is missing: sh tests/deps.sh');
}

function makeTmp() {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-token-bench.'));
  fs.chmodSync(tmp, 0o711); // nginx workers (nobody) must reach the sockets
  fs.mkdirSync(path.join(tmp, 'tmp'));
  fs.writeFileSync(path.join(tmp, 'report.lua'), REPORT_LUA);
}

async function serviceRun(mc) {
  const targets = K.BENCH_TARGETS.split(',').map((s) => s.trim()).filter(Boolean);
  if (K.BENCH_ALT_BIN && !targets.includes('alt')) targets.splice(1, 0, 'alt');
  for (const t of targets) if (!['ours', 'alt', 'ceiling', 'static', 'node'].includes(t)) die(`unknown target ${t}`);
  const ports = await freePorts(targets.length);
  const port = Object.fromEntries(targets.map((t, i) => [t, ports[i]]));
  const keepconn = num('BENCH_KEEPCONN') > 0;
  const ceilKeep = K.BENCH_CEIL_KEEPCONN === '' ? keepconn : Number(K.BENCH_CEIL_KEEPCONN) > 0;
  const ceilKa = K.BENCH_CEIL_KEEPALIVE === '' ? num('BENCH_KEEPALIVE') : num('BENCH_CEIL_KEEPALIVE');
  const body = captureResponse();
  const servers = [];
  const procs = {};
  const setup = {};
  if (targets.includes('ours')) {
    procs.ours = await startService('ours', BIN, path.join(tmp, 'ours.sock'), num('BENCH_THREADS'), num('BENCH_WORKERS'), '');
    servers.push({ name: 'ours', kind: 'fcgi', port: port.ours, sock: path.join(tmp, 'ours.sock'), keepconn, keepalive: num('BENCH_KEEPALIVE') });
  }
  if (targets.includes('alt')) {
    procs.alt = await startService('alt', path.resolve(K.BENCH_ALT_BIN), path.join(tmp, 'alt.sock'), num('BENCH_THREADS'), num('BENCH_WORKERS'), K.BENCH_ALT_ARGS);
    servers.push({ name: 'alt', kind: 'fcgi', port: port.alt, sock: path.join(tmp, 'alt.sock'), keepconn, keepalive: num('BENCH_KEEPALIVE') });
  }
  if (targets.includes('ceiling')) {
    procs.ceiling = await startCeiling(path.join(tmp, 'ceiling.sock'), num('BENCH_CEIL_THREADS'), num('BENCH_CEIL_PROCS'));
    servers.push({ name: 'ceiling', kind: 'fcgi', port: port.ceiling, sock: path.join(tmp, 'ceiling.sock'), keepconn: ceilKeep, keepalive: ceilKa });
  }
  if (targets.includes('static')) servers.push({ name: 'static', kind: 'static', port: port.static, body });
  let nginx = null;
  if (servers.length) nginx = await startNginx(servers);
  if (targets.includes('static')) procs.static = nginx;
  if (targets.includes('node')) procs.node = await startNode(port.node);

  const workers = num('BENCH_WORKERS');
  setup.ours = `nginx -> unix socket, ${workers > 0 ? `--workers ${workers} ` : ''}--threads ${num('BENCH_THREADS')}, keep_conn ${keepconn ? `on (keepalive ${num('BENCH_KEEPALIVE')})` : 'off'}`;
  setup.alt = `${K.BENCH_ALT_BIN} ${K.BENCH_ALT_ARGS}, as ours`;
  setup.ceiling = `nginx -> unix socket, libfcgi responder ${num('BENCH_CEIL_PROCS')} proc x ${num('BENCH_CEIL_THREADS')} threads, keep_conn ${ceilKeep ? `on (keepalive ${ceilKa})` : 'off'}`;
  setup.static = `nginx return 200, same body and headers`;
  setup.node = `node http, 1 process, agora-token 2.0.6`;

  // Every target answers, with the same number of body bytes; tokens verify.
  const sizes = {};
  for (const t of targets) {
    const r = await get(port[t], ROUTE);
    if (!r || r.status !== 200) die(`${t}: GET ${ROUTE} gave ${r ? r.status : 'no answer'}${procs[t] ? `\n${procs[t].out}` : ''}`);
    if (t === 'ours' || t === 'alt' || t === 'node') checkToken(t, r.body);
    sizes[t] = Buffer.byteLength(r.body);
  }
  console.log(`bench: targets answer; body bytes ${targets.map((t) => `${t} ${sizes[t]}`).join(', ')}; tokens of ours${targets.includes('node') ? ' and node' : ''} verified with agora-token`);

  const url = (t) => `http://127.0.0.1:${port[t]}${ROUTE}`;
  const secs = num('BENCH_SECONDS');
  const rounds = num('BENCH_ROUNDS');
  const conns = num('BENCH_CONNS');
  if (num('BENCH_WARMUP') > 0) for (const t of targets) await wrk(url(t), num('BENCH_WARMUP'), conns);
  const res = Object.fromEntries(targets.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    const line = [];
    for (const t of targets) {
      const c0 = procs[t] ? cpu(procs[t].pid) : 0;
      const n0 = nginx && t !== 'node' && t !== 'static' ? cpu(nginx.pid) : 0;
      const w = await wrk(url(t), secs, conns);
      w.cpu_backend = procs[t] ? cpu(procs[t].pid) - c0 : 0;
      w.cpu_nginx = nginx && t !== 'node' && t !== 'static' ? cpu(nginx.pid) - n0 : 0;
      res[t].push(w);
      line.push(`${t} ${Math.round(w.rps)}`);
    }
    console.log(`bench: round ${r + 1}/${rounds}: ${line.join(', ')} req/s`);
  }
  const mem = {};
  for (const t of targets) mem[t] = procs[t] ? memory(procs[t].pid) : null;
  if (nginx) mem.nginx = memory(nginx.pid);
  const summary = {};
  for (const t of targets) {
    const a = res[t];
    summary[t] = {
      setup: setup[t],
      rps: median(a.map((x) => x.rps)),
      rps_min: Math.min(...a.map((x) => x.rps)),
      rps_max: Math.max(...a.map((x) => x.rps)),
      p50_ms: median(a.map((x) => x.p50)) / 1000,
      p99_ms: median(a.map((x) => x.p99)) / 1000,
      errors: a.reduce((s, x) => s + x.errors, 0),
      requests: a.reduce((s, x) => s + x.requests, 0),
      // CPU per request, all rounds: the backend's own, and nginx's
      cpu_us_backend: (a.reduce((s, x) => s + x.cpu_backend, 0) / a.reduce((s, x) => s + x.requests, 0)) * 1e6,
      cpu_us_nginx: (a.reduce((s, x) => s + x.cpu_nginx, 0) / a.reduce((s, x) => s + x.requests, 0)) * 1e6,
      mem: mem[t],
      body_bytes: sizes[t],
      rounds: a.map((x) => Math.round(x.rps)),
    };
  }
  for (const rec of [procs.node, procs.ours, procs.alt, procs.ceiling, nginx]) await stop(rec);
  return { targets, summary, nginx_mem: mem.nginx, settings: { secs, rounds, conns, wrk_threads: num('BENCH_WRK_THREADS') } };
}

// The core microbenchmark: C and Node alternating, medians.
function coreRun() {
  const secs = String(num('BENCH_CORE_SECONDS'));
  const rounds = num('BENCH_CORE_ROUNDS');
  const c = [];
  const n = [];
  const parse = (r, what) => {
    const m = /COREJSON (\{.*\})/.exec(r.stdout ? r.stdout.toString() : '');
    if (r.status !== 0 || !m) die(`${what} failed: ${r.stderr}`);
    return { ...JSON.parse(m[1]), text: r.stdout.toString().replace(/COREJSON.*\n?/, '') };
  };
  for (let i = 0; i < rounds; i++) {
    c.push(parse(spawnSync(CORE, [secs]), 'core'));
    n.push(parse(spawnSync(process.execPath, [path.join(__dirname, 'core.js'), secs]), 'core.js'));
    console.log(`bench: core round ${i + 1}/${rounds}: C ${Math.round(c[i].tokens_per_s)}, Node ${Math.round(n[i].tokens_per_s)} tokens/s`);
  }
  const cm = median(c.map((x) => x.tokens_per_s));
  const nm = median(n.map((x) => x.tokens_per_s));
  // The breakdown shown is the run closest to the median.
  const mid = c.reduce((b, x) => (Math.abs(x.tokens_per_s - cm) < Math.abs(b.tokens_per_s - cm) ? x : b));
  return { c_tokens_per_s: cm, node_tokens_per_s: nm, ratio: cm / nm, c_rounds: c.map((x) => Math.round(x.tokens_per_s)), node_rounds: n.map((x) => Math.round(x.tokens_per_s)), request_ns: median(c.map((x) => x.request_ns)), phases: mid.phases, mint_ns: mid.mint_ns, text: mid.text };
}

// ---- report -------------------------------------------------------------------

const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const mib = (kib) => (kib / 1024).toFixed(1);

function table(svc) {
  const rows = [];
  rows.push('| target | req/s (median) | min-max | p50 ms | p99 ms | errors | service RSS MiB (procs) | CPU us/req service + nginx |');
  rows.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const t of svc.targets) {
    const s = svc.summary[t];
    const m = t === 'static' ? svc.nginx_mem : s.mem;
    const cpuCol = t === 'static' ? `${fmt(s.cpu_us_backend, 1)} (nginx)` : t === 'node' ? `${fmt(s.cpu_us_backend, 1)}` : `${fmt(s.cpu_us_backend, 1)} + ${fmt(s.cpu_us_nginx, 1)}`;
    rows.push(`| ${t} | ${fmt(s.rps)} | ${fmt(s.rps_min)}-${fmt(s.rps_max)} | ${fmt(s.p50_ms, 2)} | ${fmt(s.p99_ms, 2)} | ${s.errors} | ${m ? `${mib(m.rss_kib)} (${m.procs})` : '-'} | ${cpuCol} |`);
  }
  return rows.join('\n');
}

function verdicts(svc, core) {
  const out = [];
  const S = svc ? svc.summary : {};
  const ratio = (a, b, k = 'rps') => (S[a] && S[b] ? S[a][k] / S[b][k] : NaN);
  const line = (name, v, goal, ok) => out.push(`| ${name} | ${fmt(v, 2)} | ${goal} | ${Number.isFinite(v) ? (ok(v) ? 'met' : 'NOT met') : '-'} |`);
  out.push('| ratio | value | target | |');
  out.push('|---|---:|---|---|');
  if (svc) {
    line('ours / ceiling, req/s', ratio('ours', 'ceiling'), '>= 0.90', (v) => v >= 0.9);
    line('ours / static, req/s', ratio('ours', 'static'), '(information)', () => true);
    line('ours / node, req/s', ratio('ours', 'node'), '>= 2 (3 stretch)', (v) => v >= 2);
    line('ours / ceiling, p99', ratio('ours', 'ceiling', 'p99_ms'), '<= 1.5', (v) => v <= 1.5);
    if (S.alt) line('alt / ours, req/s', ratio('alt', 'ours'), '(A/B)', () => true);
  }
  if (core) line('core C / Node, tokens/s (1 thread)', core.ratio, '>= 6', (v) => v >= 6);
  return out.join('\n');
}

function coreTable(core) {
  const p = core.phases;
  const sum = p.clock + p.salt + p.packing + p.hmac + p.deflate + p.base64;
  const rows = [
    `| core, one thread (CPU time) | tokens/s (median) | us/token | rounds |`,
    `|---|---:|---:|---|`,
    `| C (tok_build + clock + CSPRNG salt) | ${fmt(core.c_tokens_per_s)} | ${fmt(1e6 / core.c_tokens_per_s, 2)} | ${core.c_rounds.join(', ')} |`,
    `| Node agora-token 2.0.6 buildTokenWithUid | ${fmt(core.node_tokens_per_s)} | ${fmt(1e6 / core.node_tokens_per_s, 2)} | ${core.node_rounds.join(', ')} |`,
    '',
    `Whole request function (route, validate, mint, JSON, headers): ${fmt(core.request_ns / 1000, 2)} us.`,
    '',
    '| where a C token\'s time goes (phases timed alone) | ns | share |',
    '|---|---:|---:|',
  ];
  for (const [k, label] of [
    ['clock', 'clock (time)'],
    ['salt', 'salt (RAND_bytes, 64 salts per call)'],
    ['packing', 'packing'],
    ['hmac', 'HMAC-SHA256: k2 and signature (k1 kept for the second)'],
    ['deflate', 'deflate: src/defl.c, zlib level 6 bytes'],
    ['base64', 'base64'],
  ])
    rows.push(`| ${label} | ${fmt(p[k])} | ${fmt((100 * p[k]) / sum, 1)}% |`);
  rows.push(`| sum of phases (the whole mint measured ${fmt(core.mint_ns)} ns) | ${fmt(sum)} | |`);
  rows.push(`| JSON reply {"rtcToken":...} (Jansson, outside the mint) | ${fmt(p.json)} | |`);
  if (p.zlib) rows.push(`| for comparison: zlib deflateReset + deflate of the same content | ${fmt(p.zlib)} | |`);
  return rows.join('\n');
}

async function scaling(mc) {
  const threads = K.BENCH_SCALE_THREADS.split(',').map(Number);
  const conns = K.BENCH_SCALE_CONNS.split(',').map(Number);
  const secs = num('BENCH_SECONDS');
  const rounds = num('BENCH_ROUNDS');
  const keepconn = num('BENCH_KEEPCONN') > 0;
  const workers = num('BENCH_WORKERS');
  const res = {};
  captureResponse();
  for (let r = 0; r < rounds; r++) {
    for (const th of threads) {
      const [port] = await freePorts(1);
      const sock = path.join(tmp, `s${th}.sock`);
      const svc = await startService('ours', BIN, sock, th, workers, '');
      // Idle kept connections must stay below the threads (P6).
      const total = th * Math.max(workers, 1);
      const ka = Math.min(num('BENCH_KEEPALIVE'), Math.floor(total / 2));
      const ngx = await startNginx([{ name: 'ours', kind: 'fcgi', port, sock, keepconn: keepconn && ka > 0, keepalive: ka }]);
      for (const c of conns) {
        await wrk(`http://127.0.0.1:${port}${ROUTE}`, 1, c);
        const w = await wrk(`http://127.0.0.1:${port}${ROUTE}`, secs, c);
        const key = `${th}x${c}`;
        (res[key] = res[key] || []).push(w);
        console.log(`bench: scaling round ${r + 1}/${rounds}: threads ${th}${workers ? ` x ${workers} workers` : ''}, ${c} connections: ${Math.round(w.rps)} req/s, p99 ${fmt(w.p99 / 1000, 2)} ms, errors ${w.errors}`);
      }
      await stop(ngx);
      await stop(svc);
      fs.rmSync(sock, { force: true });
    }
  }
  const rows = [`| threads${workers ? ` (x ${workers} workers)` : ''} | ${conns.map((c) => `${c} conns req/s (p99 ms)`).join(' | ')} |`, `|---|${conns.map(() => '---:').join('|')}|`];
  for (const th of threads) {
    rows.push(`| ${th} | ${conns.map((c) => {
      const a = res[`${th}x${c}`];
      return `${fmt(median(a.map((x) => x.rps)))} (${fmt(median(a.map((x) => x.p99)) / 1000, 1)})${a.some((x) => x.errors) ? ` ${a.reduce((s, x) => s + x.errors, 0)} err` : ''}`;
    }).join(' | ')} |`);
  }
  return rows.join('\n');
}

async function main() {
  preflight();
  makeTmp();
  const mc = machine();
  mc.nginx = nginxVersion();
  const cmd = `make bench${MODE === 'full' ? '' : MODE === 'scaling' ? '-scaling' : '-core'}`;
  const knobs = Object.keys(DEFAULTS).filter((k) => process.env[k] !== undefined && process.env[k] !== '').map((k) => `${k}=${process.env[k]}`);
  console.log(`bench: ${mc.date}, ${mc.cpu}, ${mc.os}, kernel ${mc.kernel}`);
  let out = `## ${mc.date}: \`${knobs.length ? `${knobs.join(' ')} ` : ''}${cmd}\`\n\nMachine: ${mc.cpu}, ${mc.mem_gib} GiB, ${mc.os}, kernel ${mc.kernel}; nginx ${mc.nginx}, wrk ${mc.wrk}, Node ${mc.node}, libfcgi ${mc.libfcgi}, ${mc.openssl}, zlib ${mc.zlib}.\n\n`;
  const json = { machine: mc, mode: MODE, knobs };
  if (MODE === 'scaling') {
    out += `Scaling (ours only, ${num('BENCH_ROUNDS')} rounds x ${num('BENCH_SECONDS')} s, medians; wrk -t${num('BENCH_WRK_THREADS')}):\n\n${await scaling(mc)}\n`;
  } else {
    let svc = null;
    if (MODE === 'full') {
      svc = await serviceRun(mc);
      json.service = svc;
      out += `Service: wrk -t${svc.settings.wrk_threads} -c${svc.settings.conns}, ${svc.settings.rounds} alternating rounds x ${svc.settings.secs} s, GET ${ROUTE}.\n\n${table(svc)}\n\n`;
      out += svc.targets.map((t) => `- ${t}: ${svc.summary[t].setup}; rounds ${svc.summary[t].rounds.join(', ')}`).join('\n') + '\n';
      if (svc.nginx_mem) out += `- nginx itself (shared by ours, ceiling, static): ${mib(svc.nginx_mem.rss_kib)} MiB RSS in ${svc.nginx_mem.procs} processes\n`;
      out += '\n';
    }
    const core = num('BENCH_CORE_ROUNDS') > 0 ? coreRun() : null;
    json.core = core;
    out += `${core ? `${coreTable(core)}\n\n` : ''}${verdicts(svc, core)}\n`;
  }
  console.log(`\n${out}`);
  fs.mkdirSync(K.BENCH_OUT, { recursive: true });
  fs.writeFileSync(path.join(K.BENCH_OUT, `last-${MODE}.md`), out);
  fs.writeFileSync(path.join(K.BENCH_OUT, `last-${MODE}.json`), JSON.stringify(json, null, 1));
  console.log(`bench: written to ${path.relative(ROOT, path.join(K.BENCH_OUT, `last-${MODE}.md`))} and .json`);
  cleanup();
}

main().catch((e) => die(e.stack || String(e)));
