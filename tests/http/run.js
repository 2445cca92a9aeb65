#!/usr/bin/env node
'use strict';
// End-to-end HTTP tests for agora-token-fcgi.
//
//   sh tests/http/setup.sh            # once: installs agora-token@2.0.6 into tests/.deps
//   node tests/http/run.js [--bin ./agora-token-fcgi] [--filter substr]
//   (HTTP_TESTS_VERBOSE=1 also prints every response)
//
// Starts the real binary in FastCGI mode (two instances: default config and
// a CORS allowlist / TOKEN_MAX_EXPIRY=7200 config) behind the real nginx,
// and runs the same case table through nginx mounted at "/", nginx mounted
// at "/token", and CGI mode (the binary spawned per request like Apache
// mod_cgid does). Prints "ok - ..." / "FAIL - ..." lines and, last,
// "N passed, M failed". Exit status 0 iff nothing failed.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const cases = require('./cases');
const { request } = require('./client');
const { cgiRequest } = require('./cgi');
const { checkResponse } = require('./check');
const procs = require('./procs');
const net = require('net');
const { fcgiRequest, open: fcgiOpen } = require('./fcgi');
const rtc = (channel, uid, privs) => ({ type: 1, channel, uid, privs });

// ------------------------------------------------------------------ options
function parseArgs(argv) {
  const opts = { bin: path.resolve(__dirname, '..', '..', 'agora-token-fcgi'), filter: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--bin' && i + 1 < argv.length) opts.bin = path.resolve(argv[++i]);
    else if (a === '--filter' && i + 1 < argv.length) opts.filter = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log('usage: node tests/http/run.js [--bin ./agora-token-fcgi] [--filter substr]');
      process.exit(0);
    } else {
      console.error(`run.js: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return opts;
}

const { record, fail, summary, onExit } = require('./results');

// ------------------------------------------------------------------ state + cleanup
let T = null;
function removeTemp() {
  if (T) {
    try {
      fs.rmSync(T, { recursive: true, force: true });
    } catch (e) {
      /* best effort */
    }
    T = null;
  }
}
onExit(() => {
  procs.killAllSync();
  removeTemp();
});

function writeConfig(name, vars) {
  const file = path.join(T, name);
  const text = typeof vars === 'string' ? vars : Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join('');
  fs.writeFileSync(file, text, { mode: 0o644 });
  return file;
}

const selected = (opts, suite, name) => !opts.filter || `${suite} ${name}`.includes(opts.filter);

// ------------------------------------------------------------------ transports
function targetFor(mount, c) {
  const base = mount === '/token' ? '/token' + c.path : c.path === '' ? '/' : c.path;
  return base + (c.query === undefined ? '' : `?${c.query}`);
}

async function runHttpCase(suite, port, mount, c, defaultExpire) {
  const before = Date.now() / 1000;
  const res = await request({
    port,
    method: c.method || 'GET',
    target: targetFor(mount, c),
    headers: c.headers || [],
    body: c.body,
    chunked: c.chunked,
  });
  const nowSec = Math.round((before + Date.now() / 1000) / 2);
  verbose(suite, c, res);
  return checkResponse(c, res, { suite, defaultExpire, nowSec, viaNginx: true });
}

function runCgiCase(suite, bin, c, configFile, defaultExpire) {
  const before = Date.now() / 1000;
  const res = cgiRequest(bin, {
    method: c.method || 'GET',
    path: c.path,
    query: c.query,
    headers: c.headers || [],
    body: c.body,
    configFile,
    extraEnv: (c.cgi && c.cgi.env) || {},
  });
  const nowSec = Math.round((before + Date.now() / 1000) / 2);
  verbose(suite, c, res);
  const problems = checkResponse(c, res, { suite, defaultExpire, nowSec, viaNginx: false });
  if (res.exitCode !== 0) problems.push(`CGI exit status ${res.exitCode}, expected 0 (stderr: ${res.stderr.trim()})`);
  if (c.cgi && c.cgi.stderrNot && res.stderr.includes(c.cgi.stderrNot)) problems.push(`stderr contains the secret value: ${res.stderr.trim()}`);
  return problems;
}

// HTTP_TESTS_VERBOSE=1 prints every response as "# ..." lines.
function verbose(suite, c, res) {
  if (!process.env.HTTP_TESTS_VERBOSE) return;
  console.log(`# ${suite} ${c.name}: ${res.status} ${JSON.stringify(res.headers)} ${JSON.stringify(res.body.toString('utf8').slice(0, 300))}`);
}

async function guarded(fn) {
  try {
    return await fn();
  } catch (e) {
    return [`exception: ${e && e.stack ? e.stack.split('\n').slice(0, 2).join(' ') : e}`];
  }
}

// ------------------------------------------------------------------ CLI / lifecycle
function runCliCase(bin, c, idx) {
  let conf = path.join(T, `cli-${idx}.conf`);
  if (c.config !== undefined) writeConfig(`cli-${idx}.conf`, c.config);
  const args = c.args.map((a) => a.replace(/\$CONF/g, conf).replace(/\$T/g, T));
  const r = spawnSync(bin, args, { env: procs.cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000, killSignal: 'SIGKILL' });
  const out = r.stdout ? r.stdout.toString() : '';
  const err = r.stderr ? r.stderr.toString() : '';
  const p = [];
  if (r.error && r.error.code === 'ETIMEDOUT') p.push('did not exit within 5 s (killed)');
  else if (r.error) p.push(`spawn failed: ${r.error.message}`);
  else if (r.signal) p.push(`killed by ${r.signal}`);
  else if (c.exit === 'nonzero' ? r.status === 0 : r.status !== c.exit) p.push(`exit status ${r.status}, expected ${c.exit}`);
  if (c.stdout && !c.stdout.test(out)) p.push(`stdout ${JSON.stringify(out.slice(0, 300))} does not match ${c.stdout}`);
  if (c.stdoutEmpty && out !== '') p.push(`stdout should be empty: ${JSON.stringify(out.slice(0, 200))}`);
  if (c.stderr && !c.stderr.test(err)) p.push(`stderr ${JSON.stringify(err.slice(0, 300))} does not match ${c.stderr}`);
  if (c.stderrNot && (err.includes(c.stderrNot) || out.includes(c.stderrNot))) p.push(`output contains the secret value: ${JSON.stringify(err)}`);
  if (c.oneLine && err.trim().split('\n').length !== 1) p.push(`stderr is not one line: ${JSON.stringify(err)}`);
  try {
    fs.unlinkSync(path.join(T, 'cli.sock'));
  } catch (e) {
    /* usually absent */
  }
  return p;
}

// Starts an instance, checks it, stops it with SIGTERM (exit 0 within 5 s).
async function lifecycle(bin, name, args, check, signal = 'SIGTERM') {
  const rec = procs.start(`binary ${name}`, bin, args);
  const p = [];
  try {
    await check(rec, p);
  } finally {
    const st = await procs.stop(rec, signal, 5000);
    if (st.timeout) p.push(`did not exit within 5 s of ${signal}`);
    else if (st.code !== 0) p.push(`exit ${JSON.stringify(st)} after ${signal}, expected 0; output: ${rec.output.trim()}`);
  }
  return p;
}

async function stopInstance(rec, socket) {
  const st = await procs.stop(rec, 'SIGTERM', 5000);
  const p = [];
  if (st.timeout) p.push('did not exit within 5 s of SIGTERM');
  else if (st.code !== 0) p.push(`exit ${JSON.stringify(st)}, expected status 0; output: ${rec.output.trim().slice(-500)}`);
  if (socket && fs.existsSync(socket)) p.push(`socket ${socket} still exists after exit`);
  return p;
}

async function waitHttp(port, target, nginxRec) {
  const deadline = Date.now() + 10000;
  let last = '';
  while (Date.now() < deadline) {
    if (nginxRec.exited) throw new Error(`nginx exited: ${nginxRec.output}`);
    try {
      const r = await request({ port, target, timeoutMs: 2000 });
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = e.message;
    }
    await procs.sleep(100);
  }
  throw new Error(`http://127.0.0.1:${port}${target} not answering 200 (${last}); nginx output: ${nginxRec.output}`);
}

// FastCGI on fd 0 (how spawn-fcgi, mod_fcgid and systemd start it), then a
// POST held in flight across SIGTERM: it must still be answered, and the
// process must exit 0.
async function fd0Lifecycle(bin, mainConf) {
  const [port] = await procs.freePorts(1, 19100);
  const srv = net.createServer();
  await new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ port, host: '127.0.0.1', backlog: 64 }, resolve);
  });
  let rec;
  try {
    rec = procs.start('binary fd0', bin, ['--config', mainConf], { stdin: srv._handle.fd });
  } finally {
    srv.close(); // the child has its own copy of the listening socket
  }
  const conn = { host: '127.0.0.1', port };
  const params = (method, p, extra = {}) => ({
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: method,
    SCRIPT_NAME: '/token',
    PATH_INFO: p,
    REQUEST_URI: '/token' + p,
    QUERY_STRING: '',
    SERVER_PROTOCOL: 'HTTP/1.1',
    ...extra,
  });
  const p1 = await guarded(async () => {
    await procs.waitForListen(conn, rec);
    const res = await fcgiRequest(conn, params('GET', '/rtc/test/publisher/uid/5'));
    const c = { name: 'fd0', path: '/rtc/test/publisher/uid/5', status: 200, tokens: { rtcToken: [rtc('test', '5', cases.PUB)] } };
    return checkResponse(c, res, { suite: 'fd0', defaultExpire: 3600, nowSec: Math.round(Date.now() / 1000), viaNginx: false });
  });
  record('lifecycle', 'FastCGI on fd 0 (no --listen) serves a token', p1);

  const body = JSON.stringify({ tokenType: 'rtm', uid: 'inflight' });
  const p2 = await guarded(async () => {
    const c = fcgiOpen(conn, params('POST', '/getToken', { CONTENT_TYPE: 'application/json', CONTENT_LENGTH: String(body.length) }));
    c.send(body.slice(0, 10));
    await procs.sleep(300);
    process.kill(rec.child.pid, 'SIGTERM');
    await procs.sleep(300);
    c.send(body.slice(10));
    c.end();
    const res = await c.response;
    const cs = { name: 'inflight', method: 'POST', status: 200, tokens: { token: [{ type: 2, userId: 'inflight', privs: [1] }] } };
    return checkResponse(cs, res, { suite: 'fd0', defaultExpire: 3600, nowSec: Math.round(Date.now() / 1000), viaNginx: false });
  });
  const st = await procs.stop(rec, 'SIGTERM', 5000);
  if (st.timeout) p2.push('did not exit within 5 s of SIGTERM');
  else if (st.code !== 0) p2.push(`exit ${JSON.stringify(st)} after SIGTERM, expected 0; output: ${rec.output.trim().slice(-500)}`);
  record('lifecycle', 'SIGTERM with a request in flight: request answered, exit 0', p2);
}

// ------------------------------------------------------------------ main
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const bin = opts.bin;
  if (!fs.existsSync(bin)) throw new Error(`binary ${bin} not found (build it with make, or pass --bin)`);
  if (!fs.existsSync(path.resolve(__dirname, '..', '.deps', 'node_modules', 'agora-token', 'src', 'AccessToken2.js'))) {
    throw new Error('agora-token is not installed: run sh tests/http/setup.sh first');
  }

  T = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-http-'));
  fs.chmodSync(T, 0o755); // nginx workers (nobody) must reach the sockets
  const mainConf = writeConfig('app.conf', { APP_ID: cases.APP_ID, APP_CERTIFICATE: cases.APP_CERTIFICATE });
  const corsConf = writeConfig('cors.conf', { APP_ID: cases.APP_ID, APP_CERTIFICATE: cases.APP_CERTIFICATE, ...Object.fromEntries(Object.entries(cases.CORS_CONFIG).map(([k, v]) => [k, `"${v}"`])) });
  const mainSock = path.join(T, 'app.sock');
  const corsSock = path.join(T, 'cors.sock');

  let nginx = null;
  const instances = [];
  try {
    // ---- FastCGI instances
    const app = procs.start('binary main', bin, ['--listen', `unix:${mainSock}`, '--socket-mode', '0666', '--config', mainConf]);
    instances.push([app, mainSock, 'main']);
    const corsApp = procs.start('binary cors', bin, ['--listen', `unix:${corsSock}`, '--socket-mode', '0666', '--config', corsConf, '--threads', '4']);
    instances.push([corsApp, corsSock, 'cors']);
    await procs.waitForListen({ path: mainSock }, app);
    await procs.waitForListen({ path: corsSock }, corsApp);
    if (selected(opts, 'lifecycle', 'socket mode 0666')) {
      const mode = fs.statSync(mainSock).mode & 0o777;
      record('lifecycle', '--socket-mode 0666 gives a 0666 socket', mode === 0o666 ? [] : [`mode ${mode.toString(8)}`]);
    }

    // ---- nginx
    const [rootPort, prefixPort, corsPort] = await procs.freePorts(3);
    nginx = procs.startNginx(T, [
      { kind: 'root', port: rootPort, socket: mainSock },
      { kind: 'prefix', port: prefixPort, socket: mainSock },
      { kind: 'root', port: corsPort, socket: corsSock },
    ]);
    await waitHttp(rootPort, '/ping', nginx);
    await waitHttp(prefixPort, '/token/ping', nginx);
    await waitHttp(corsPort, '/ping', nginx);

    // ---- the table
    const mainCases = cases.main;
    const suites = [
      { suite: 'root', list: mainCases, run: (c) => runHttpCase('root', rootPort, '/', c, 3600) },
      { suite: 'prefix', list: mainCases, run: (c) => runHttpCase('prefix', prefixPort, '/token', c, 3600) },
      { suite: 'cgi', list: mainCases, run: (c) => runCgiCase('cgi', bin, c, mainConf, 3600) },
      { suite: 'cors', list: cases.cors, run: (c) => runHttpCase('cors', corsPort, '/', c, 3600) },
      { suite: 'cors-cgi', list: cases.cors, run: (c) => runCgiCase('cors-cgi', bin, c, corsConf, 3600) },
    ];
    const cgiNames = { root: 'root', prefix: 'prefix', cgi: 'cgi', cors: 'root', 'cors-cgi': 'cgi' };
    for (const s of suites) {
      for (const c of s.list) {
        if (c.suites && !c.suites.includes(cgiNames[s.suite])) continue;
        if (!selected(opts, s.suite, c.name)) continue;
        record(s.suite, c.name, await guarded(() => s.run(c)));
      }
    }
    // ---- concurrent requests: every answer must carry its own uid
    if (selected(opts, 'concurrency', '64 parallel')) {
      const p = await guarded(async () => {
        const jobs = [];
        for (let i = 0; i < 64; i++) {
          const uid = String(100000 + i);
          const c = { name: `parallel ${uid}`, path: `/rtc/par${i % 7}/publisher/uid/${uid}`, status: 200, tokens: { rtcToken: [rtc(`par${i % 7}`, uid, cases.PUB)] } };
          jobs.push(i % 2 ? runHttpCase('root', rootPort, '/', c, 3600) : runHttpCase('prefix', prefixPort, '/token', c, 3600));
        }
        const all = await Promise.all(jobs);
        return [].concat(...all.map((x, i) => x.map((m) => `request ${i}: ${m}`))).slice(0, 5);
      });
      record('concurrency', '64 parallel token requests through nginx, each token has its own uid', p);
    }

    cases.cgiOnly.forEach((c, i) => {
      if (!selected(opts, 'cgi', c.name)) return;
      let conf = null;
      if (c.cgi.config !== null) conf = writeConfig(`cgi-${i}.conf`, c.cgi.config);
      record('cgi', c.name, (() => {
        try {
          return runCgiCase('cgi', bin, c, conf, 3600);
        } catch (e) {
          return [`exception: ${e.message}`];
        }
      })());
    });

    // ---- command line and startup checks
    cases.cli.forEach((c, i) => {
      if (selected(opts, 'cli', c.name)) record('cli', c.name, runCliCase(bin, c, i));
    });

    if (selected(opts, 'lifecycle', 'default socket mode')) {
      const sock = path.join(T, 'mode.sock');
      const p = await guarded(() =>
        lifecycle(bin, 'mode', ['--listen', `unix:${sock}`, '--config', mainConf], async (rec, p) => {
          await procs.waitForListen({ path: sock }, rec);
          const mode = fs.statSync(sock).mode & 0o777;
          if (mode !== 0o660) p.push(`socket mode ${mode.toString(8)}, expected 660`);
        })
      );
      if (fs.existsSync(sock)) p.push('socket file not removed at exit');
      record('lifecycle', 'default socket mode 0660, SIGTERM exits 0 and removes the socket', p);
    }
    if (selected(opts, 'lifecycle', 'tcp')) {
      const [port] = await procs.freePorts(1, 19000);
      const p = await guarded(() =>
        lifecycle(bin, 'tcp', ['--listen', `127.0.0.1:${port}`, '--config', mainConf, '--threads', '1'], async (rec) => {
          await procs.waitForListen({ host: '127.0.0.1', port }, rec);
        }, 'SIGINT')
      );
      record('lifecycle', 'tcp --listen 127.0.0.1:PORT listens, SIGINT exits 0', p);
    }
    if (selected(opts, 'lifecycle', 'environment')) {
      // Credentials from the environment only, no config file.
      const sock = path.join(T, 'env.sock');
      const rec = procs.start('binary env', bin, ['--listen', `unix:${sock}`], { env: procs.cleanEnv({ APP_ID: cases.APP_ID, APP_CERTIFICATE: cases.APP_CERTIFICATE }) });
      const p = await guarded(async () => {
        await procs.waitForListen({ path: sock }, rec);
        return [];
      });
      p.push(...(await stopInstance(rec, sock)));
      record('lifecycle', 'FastCGI with credentials from the environment starts, exits 0', p);
    }
    if (selected(opts, 'lifecycle', 'fd 0')) await fd0Lifecycle(bin, mainConf);
  } finally {
    // ---- stop everything by pid
    if (nginx) {
      const st = await procs.stop(nginx, 'SIGQUIT', 10000);
      if (st.timeout) record('lifecycle', 'nginx stops on SIGQUIT', ['nginx did not stop within 10 s']);
    }
    for (const [rec, sock, name] of instances) {
      if (selected(opts, 'lifecycle', `${name} instance`)) record('lifecycle', `${name} instance: SIGTERM exits 0 within 5 s, socket removed`, await stopInstance(rec, sock));
      else await procs.stop(rec, 'SIGTERM', 5000);
    }
    removeTemp();
  }
}

main()
  .catch((e) => fail('setup', e))
  .then(() => {
    process.exitCode = summary();
  });
