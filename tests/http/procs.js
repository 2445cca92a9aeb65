'use strict';
// Process helpers: free loopback ports, starting/stopping the binary and
// nginx by pid, waiting for sockets. Every started child is registered so a
// process 'exit' handler can still stop it if the runner dies early.

const net = require('net');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');

const NGINX = '/usr/sbin/nginx';
const FASTCGI_PARAMS = '/etc/nginx/fastcgi_params';

const live = new Map(); // pid -> { child, name }

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Environment without any configuration variable the binary reads, so that
// only the config files written by the tests apply.
function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of ['APP_ID', 'APP_CERTIFICATE', 'CORS_ALLOW_ORIGIN', 'TOKEN_MAX_EXPIRY', 'AGORA_TOKEN_CONFIG']) delete env[k];
  return { ...env, ...extra };
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

// Ports below 32768, outside the ephemeral range (DEPLOY-NOTES P12).
async function freePorts(count, from = 18000) {
  const out = [];
  for (let p = from; p < 32768 && out.length < count; p++) {
    if (await portIsFree(p)) out.push(p);
  }
  if (out.length < count) throw new Error('no free loopback ports below 32768');
  return out;
}

// Starts a long-running child; its stdout/stderr are collected in .output.
function start(name, cmd, args, opts = {}) {
  const stdin = opts.stdin === undefined ? 'ignore' : opts.stdin;
  const child = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'], env: opts.env || cleanEnv() });
  const rec = { child, name, output: '', exited: null };
  child.stdout.on('data', (d) => (rec.output += d));
  child.stderr.on('data', (d) => (rec.output += d));
  rec.exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      rec.exited = { code, signal };
      live.delete(child.pid);
      resolve(rec.exited);
    });
    child.on('error', (e) => {
      rec.exited = { code: null, signal: null, error: e };
      live.delete(child.pid);
      resolve(rec.exited);
    });
  });
  if (child.pid) live.set(child.pid, rec);
  return rec;
}

// Sends `signal` by pid and waits up to timeoutMs; resolves with the exit
// status, or with { timeout: true } after a final SIGKILL.
async function stop(rec, signal, timeoutMs) {
  if (rec.exited) return rec.exited;
  try {
    process.kill(rec.child.pid, signal);
  } catch (e) {
    /* already gone */
  }
  const timer = sleep(timeoutMs).then(() => 'timeout');
  const r = await Promise.race([rec.exitPromise, timer]);
  if (r !== 'timeout') return r;
  try {
    process.kill(rec.child.pid, 'SIGKILL');
  } catch (e) {
    /* gone */
  }
  await rec.exitPromise;
  return { timeout: true };
}

// Synchronous last-resort cleanup for the process 'exit' handler.
function killAllSync() {
  for (const [pid, rec] of live) {
    try {
      process.kill(pid, rec.name.startsWith('nginx') ? 'SIGQUIT' : 'SIGTERM');
    } catch (e) {
      /* gone */
    }
  }
}

function connectOnce(opts) {
  return new Promise((resolve) => {
    const s = net.connect(opts);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// Waits until a Unix socket (or TCP port) accepts connections.
async function waitForListen(opts, rec, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (rec && rec.exited) throw new Error(`${rec.name} exited early (${JSON.stringify(rec.exited)}): ${rec.output}`);
    if ((!opts.path || fs.existsSync(opts.path)) && (await connectOnce(opts))) return;
    await sleep(50);
  }
  throw new Error(`${rec ? rec.name : 'server'} not listening on ${JSON.stringify(opts)} after ${timeoutMs} ms: ${rec ? rec.output : ''}`);
}

// nginx configuration with one server block per mount:
//  root:   location / with only `include fastcgi_params` (SCRIPT_NAME = whole decoded path, no PATH_INFO)
//  prefix: /token split with fastcgi_split_path_info; overriding params come BEFORE the include
//          (an override written after the include does not replace it); `= /token` avoids the 301
//  cors:   like root, pointing at the CORS/max-expiry instance.
function nginxConfig(T, servers) {
  const inc = `include ${FASTCGI_PARAMS};`;
  const blocks = servers.map(({ kind, port, socket }) => {
    const pass = `fastcgi_pass unix:${socket};`;
    if (kind === 'root') {
      return `    server {
        listen 127.0.0.1:${port};
        location / { ${inc} ${pass} }
    }`;
    }
    if (kind === 'prefix') {
      return `    server {
        listen 127.0.0.1:${port};
        # "/token" itself, without the 301 that "location /token/" alone gives.
        # A PATH_INFO is sent (any, even empty): without one, SCRIPT_NAME
        # equal to the whole path looks like nginx's unsplit "location /".
        location = /token {
            fastcgi_param SCRIPT_NAME /token;
            fastcgi_param PATH_INFO /;
            ${inc}
            ${pass}
        }
        location /token/ {
            fastcgi_split_path_info ^(/token)(/.*)$;
            fastcgi_param SCRIPT_NAME $fastcgi_script_name;
            fastcgi_param PATH_INFO $fastcgi_path_info;
            ${inc}
            ${pass}
        }
    }`;
    }
    throw new Error(`unknown server kind ${kind}`);
  });
  return nginxMain(T, blocks.join('\n'));
}

// The main nginx configuration every suite uses: foreground, one worker,
// errors to stderr, every temporary path inside T; `http` goes inside
// http { } (server blocks and any other directives).
function nginxMain(T, http, { user = '', workerConnections = 256 } = {}) {
  return `${user ? `user ${user};\n` : ''}daemon off;
master_process on;
worker_processes 1;
pid ${T}/nginx.pid;
error_log stderr notice;
events { worker_connections ${workerConnections}; }
http {
    access_log off;
    client_body_temp_path ${T}/tmp/body;
    proxy_temp_path ${T}/tmp/proxy;
    fastcgi_temp_path ${T}/tmp/fcgi;
    uwsgi_temp_path ${T}/tmp/uwsgi;
    scgi_temp_path ${T}/tmp/scgi;
${http}
}
`;
}

function startNginx(T, servers) {
  fs.mkdirSync(path.join(T, 'tmp'), { recursive: true });
  fs.mkdirSync(path.join(T, 'logs'), { recursive: true });
  const conf = path.join(T, 'nginx.conf');
  fs.writeFileSync(conf, nginxConfig(T, servers));
  return start('nginx', NGINX, ['-e', 'stderr', '-p', T, '-c', conf]);
}

module.exports = { sleep, cleanEnv, freePorts, start, stop, killAllSync, waitForListen, startNginx, nginxConfig, nginxMain, live };
