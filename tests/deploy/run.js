#!/usr/bin/env node
'use strict';
// Deployment tests: every configuration in contrib/ under the real server
// from Debian's package, each started in the foreground from a temp dir on
// a loopback port below 32768 and stopped by pid.
//
//   node tests/deploy/run.js --bin ./agora-token-fcgi --envdump PATH
//        [--only name,name] [--filter substr]
//
// Deployments: nginx-listen, nginx-spawn-fcgi, apache-fcgid, apache-cgi,
// lighttpd-prefix, lighttpd-root, systemd.  Each one
//  - renders the contrib/ file(s) with the well-known paths
//    (/usr/local/bin/agora-token-fcgi, /etc/agora-token.conf, the socket)
//    replaced by temp-dir paths -- and nothing else -- and includes them
//    in a minimal server configuration (ports, pid file, logs, user);
//  - replays the HTTP conformance table of the nginx suite
//    (tests/http/cases.js, cases.main) through the server, every token
//    decoded and verified (tests/http/check.js); where a server answers a
//    request itself (its own HTML error page) the table below says so;
//  - proves the Authorization header reaches the program: agora-token-fcgi
//    never echoes request headers, so tests/deploy/envdump (a few lines of
//    libfcgi that print the CGI variables they get) is mounted by the SAME
//    contrib file, rendered with the program's path and mount point
//    replaced by envdump's, and must report HTTP_AUTHORIZATION;
//  - checks where the program's stderr (its log) ends up, that no log
//    holds the certificate or a sanitizer report, and that stopping the
//    server leaves no process of ours behind.
// Prints "ok - ..." / "FAIL - ..." lines and last "N passed, M failed".

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const cases = require('../http/cases');
const { request } = require('../http/client');
const { checkResponse, headerValues } = require('../http/check');
const procs = require('../http/procs');

const ROOT = path.resolve(__dirname, '..', '..');
const CONTRIB = path.join(ROOT, 'contrib');
const NGINX = '/usr/sbin/nginx';
const APACHE = '/usr/sbin/apache2';
const APACHE_MODULES = '/usr/lib/apache2/modules';
const LIGHTTPD = '/usr/sbin/lighttpd';
const SPAWN_FCGI = '/usr/bin/spawn-fcgi';
const SOCKET_ACTIVATE = '/usr/bin/systemd-socket-activate';
const IS_ROOT = process.getuid() === 0;
// The servers' unprivileged user when the tests run as root (www-data on a
// real Debian system), and a separate user for a program run on its own
// whose socket nginx reaches through the group, as the README describes.
const RUN_USER = 'nobody';
const RUN_GROUP = 'nogroup';
const SERVICE_USER = 'daemon';
const SANITIZED = process.env.SANITIZE === '1';
// Programs a web server starts may be killed by it at any moment (SIGKILL
// after a grace period): no leak check there, but any other report still
// aborts the process and lands in the server's error log, which is scanned.
const SERVER_ASAN_OPTIONS = 'detect_leaks=0:abort_on_error=1';
const SERVER_UBSAN_OPTIONS = 'print_stacktrace=1:halt_on_error=1';

// ------------------------------------------------------------------ options
function parseArgs(argv) {
  const o = { bin: path.join(ROOT, 'agora-token-fcgi'), envdump: null, only: null, filter: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--bin' && i + 1 < argv.length) o.bin = path.resolve(argv[++i]);
    else if (a === '--envdump' && i + 1 < argv.length) o.envdump = path.resolve(argv[++i]);
    else if (a === '--only' && i + 1 < argv.length) o.only = argv[++i].split(',');
    else if (a === '--filter' && i + 1 < argv.length) o.filter = argv[++i];
    else {
      console.error(`run.js: unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (!o.envdump) {
    console.error('run.js: --envdump PATH is required (tests/deploy/suite.sh builds it)');
    process.exit(2);
  }
  return o;
}
const opts = parseArgs(process.argv.slice(2));

const { record, fail, summary, onExit } = require('../http/results');
async function guarded(fn) {
  try {
    return await fn();
  } catch (e) {
    return [`exception: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`];
  }
}
const selected = (suite, name) => !opts.filter || `${suite} ${name}`.includes(opts.filter);

// ------------------------------------------------------------------ temp dir, cleanup
let T = null;
onExit(() => {
  procs.killAllSync();
  if (T && !process.env.DEPLOY_KEEP_TMP) fs.rmSync(T, { recursive: true, force: true });
});

const ids = {};
function idsOf(user, group = RUN_GROUP) {
  const k = `${user}:${group}`;
  if (!ids[k]) {
    const uid = Number(spawnSync('id', ['-u', user]).stdout.toString().trim());
    const gid = Number(spawnSync('getent', ['group', group]).stdout.toString().split(':')[2]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`no user ${user} / group ${group}`);
    ids[k] = { uid, gid };
  }
  return ids[k];
}
// owner: false, true (the servers' user) or a user name.
function chownRun(p, owner = true) {
  if (!IS_ROOT || !owner) return;
  const { uid, gid } = idsOf(owner === true ? RUN_USER : owner);
  fs.chownSync(p, uid, gid);
}
function mkdir(p, owner) {
  fs.mkdirSync(p, { recursive: true, mode: 0o755 });
  fs.chmodSync(p, 0o755);
  chownRun(p, owner);
  return p;
}
function writeFile(p, text, mode = 0o644, owner = false) {
  fs.writeFileSync(p, text, { mode });
  fs.chmodSync(p, mode);
  chownRun(p, owner);
  return p;
}
function copyExe(from, to, owner = false) {
  fs.copyFileSync(from, to);
  fs.chmodSync(to, 0o755);
  chownRun(to, owner);
  return to;
}
const GOOD_CONFIG = `APP_ID=${cases.APP_ID}\nAPP_CERTIFICATE=${cases.APP_CERTIFICATE}\n`;

// Reads contrib/<rel> and applies [from, to] replacements; each `from` must
// occur, so the file and the test cannot drift apart silently.
function render(rel, subs) {
  let text = fs.readFileSync(path.join(CONTRIB, rel), 'utf8');
  for (const [from, to] of subs) {
    if (!text.includes(from)) throw new Error(`contrib/${rel} no longer contains ${JSON.stringify(from)}`);
    text = text.split(from).join(to);
  }
  return text;
}

// The executable of a process: /proc/PID/exe, or (the program makes itself
// non-dumpable, which hides exe from other non-root users) argv[0].
function exeOf(pid) {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch (e) {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0];
    } catch (e2) {
      return null;
    }
  }
}

// Processes whose executable lies in our temp dir (the copies we deploy).
function ourProcesses() {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const exe = exeOf(d);
    if (!T || !exe || !exe.startsWith(T + '/')) continue;
    let ppid = '?';
    try {
      ppid = /^PPid:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${d}/status`, 'utf8'))[1];
    } catch (e) {
      /* gone */
    }
    out.push({ pid: Number(d), exe: `${exe} (parent ${ppid})` });
  }
  return out;
}
async function noneLeft(what) {
  const deadline = Date.now() + 5000;
  let left = ourProcesses();
  while (left.length && Date.now() < deadline) {
    await procs.sleep(100);
    left = ourProcesses();
  }
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL'); // started (indirectly) by this test
    } catch (e) {
      /* gone */
    }
  }
  return left.length ? [`${what}: still running after stop: ${left.map((p) => `${p.pid} ${p.exe}`).join(', ')}`] : [];
}

function readLog(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    return '';
  }
}
const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ agora-token-fcgi (error|warning|info|debug): /m;
const SANITIZER = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;
function logProblems(text, what) {
  const p = [];
  if (text.includes(cases.APP_CERTIFICATE)) p.push(`${what} contains the certificate`);
  const m = SANITIZER.exec(text);
  if (m) p.push(`${what} has a sanitizer report: ${text.slice(Math.max(0, m.index - 200), m.index + 800)}`);
  return p;
}

// ------------------------------------------------------------------ HTTP helpers
async function waitHttp(port, target, rec, want = 200) {
  const deadline = Date.now() + 15000;
  let last = '';
  while (Date.now() < deadline) {
    if (rec.exited) throw new Error(`${rec.name} exited: ${JSON.stringify(rec.exited)} ${rec.output.slice(-2000)}`);
    try {
      const r = await request({ port, target, timeoutMs: 3000 });
      if (r.status === want) return r;
      last = `status ${r.status} ${r.body.toString().slice(0, 200)}`;
    } catch (e) {
      last = e.message;
    }
    await procs.sleep(100);
  }
  throw new Error(`http://127.0.0.1:${port}${target} not answering ${want} (${last}); ${rec.name} output: ${rec.output.slice(-2000)}`);
}

function targetFor(mount, c) {
  const base = mount === '/' ? (c.path === '' ? '/' : c.path) : mount + c.path;
  return base + (c.query === undefined ? '' : `?${c.query}`);
}

// Requests a web server answers itself, before the program sees them, in
// the tested configuration; per deployment: case name -> [statuses, why].
// Such an answer is checked for its status and for carrying no token.
const APACHE_SLASH404 = [[404], 'Apache refuses %2F with its own 404 (AllowEncodedSlashes Off, which .htaccess cannot change)'];
const APACHE_NUL404 = [[404], 'Apache refuses %00 in the path with its own 404'];
const CTL400 = [[400], 'the server refuses a control character in a header value with its own 400'];
const LIGHTTPD_CTL400 = [[400], 'lighttpd refuses a control character (%0A, %7F) in the decoded path with its own 400'];
const SERVER_ANSWERS = {
  'apache-fcgid': {
    'rtc %00 in channel -> 400': APACHE_NUL404,
    'cors origin with \\x01 -> 403': CTL400,
  },
  'apache-cgi': {
    'rtc userAccount with "/" (%2F) -> 400': APACHE_SLASH404,
    'rtc channel %2F -> 400': APACHE_SLASH404,
    'rtc channel %2f lowercase -> 400': APACHE_SLASH404,
    'rtc %00 in channel -> 400': APACHE_NUL404,
    'cors origin with \\x01 -> 403': CTL400,
  },
  'lighttpd-prefix': {
    'rtc channel with %0A -> 400': LIGHTTPD_CTL400,
    'rtm DEL char -> 400': LIGHTTPD_CTL400,
    'cors origin with \\x01 -> 403': CTL400,
  },
};
SERVER_ANSWERS['lighttpd-root'] = SERVER_ANSWERS['lighttpd-prefix'];
// Cases that cannot work through a deployment at all: name -> why.
const NOT_APPLICABLE = {
  'apache-cgi': {
    'POST chunked json (nginx buffers)': 'Apache gives a CGI program a chunked body without CONTENT_LENGTH (see the pitfall check)',
  },
};

// Replays cases.main through http://127.0.0.1:port<mount>.
// klass: which of the nginx suite's transports the deployment is like
// ('root' or 'prefix'): selects its `suites` and `statusIn` entries.
async function replay(suite, port, mount, klass) {
  const answers = SERVER_ANSWERS[suite] || {};
  const na = NOT_APPLICABLE[suite] || {};
  for (const c0 of cases.main) {
    if (c0.suites && !c0.suites.includes(klass)) continue;
    if (!selected(suite, c0.name)) continue;
    if (na[c0.name]) {
      console.log(`# skip - ${suite} ${c0.name}: ${na[c0.name]}`);
      continue;
    }
    const c = { ...c0 };
    c.statusIn = {};
    if (c0.statusIn && c0.statusIn[klass] !== undefined) c.statusIn[suite] = c0.statusIn[klass];
    if (answers[c0.name]) {
      c.nginx = 'mayReject';
      c.statusIn[suite] = answers[c0.name][0];
    }
    const problems = await guarded(async () => {
      const before = Date.now() / 1000;
      const res = await request({ port, method: c.method || 'GET', target: targetFor(mount, c), headers: c.headers || [], body: c.body, chunked: c.chunked });
      const nowSec = Math.round((before + Date.now() / 1000) / 2);
      if (process.env.HTTP_TESTS_VERBOSE) console.log(`# ${suite} ${c.name}: ${res.status} ${JSON.stringify(res.headers)} ${JSON.stringify(res.body.toString('utf8').slice(0, 300))}`);
      const p = checkResponse(c, res, { suite, defaultExpire: 3600, nowSec, viaNginx: true });
      if (answers[c0.name] && /application\/json/.test(headerValues(res, 'content-type').join())) p.push(`expected the server's own answer (${answers[c0.name][1]}), got the program's`);
      return p;
    });
    record(suite, c.name, problems);
  }
}

// GET with an Authorization header: the program answers normally, and
// envdump (mounted the same way) receives it as HTTP_AUTHORIZATION.
async function authChecks(suite, port, mount, envdumpTarget) {
  const token = `Bearer deploy-${process.pid}-${Date.now()}`;
  record(suite, 'request with Authorization header served by the program', await guarded(async () => {
    const c = { name: 'auth', path: '/rtc/test/publisher/uid/7', headers: [['Authorization', token]], status: 200, tokens: { rtcToken: [{ type: 1, channel: 'test', uid: '7', privs: cases.PUB }] } };
    const res = await request({ port, target: targetFor(mount, c), headers: c.headers });
    return checkResponse(c, res, { suite, defaultExpire: 3600, nowSec: Math.round(Date.now() / 1000), viaNginx: true });
  }));
  record(suite, 'Authorization reaches a program mounted by the same config (envdump: HTTP_AUTHORIZATION)', await guarded(async () => {
    const res = await request({ port, target: envdumpTarget, headers: [['Authorization', token]] });
    const text = res.body.toString();
    if (res.status !== 200) return [`envdump answered ${res.status}: ${text.slice(0, 300)}`];
    if (!text.split('\n').includes(`HTTP_AUTHORIZATION=${token}`)) return [`HTTP_AUTHORIZATION missing or different; envdump saw: ${JSON.stringify(text)}`];
    return [];
  }));
}

// /tokenfoo must not reach the program of a /token mount.
async function notPrefixCheck(suite, port) {
  record(suite, '/tokenfoo/ping is not routed to the program', await guarded(async () => {
    const res = await request({ port, target: '/tokenfoo/ping' });
    const p = [];
    if (res.status !== 404) p.push(`status ${res.status}, expected the server's own 404`);
    if (/application\/json/.test(headerValues(res, 'content-type').join()) || res.body.toString().includes('pong')) p.push(`the program answered: ${res.body.toString().slice(0, 200)}`);
    return p;
  }));
}

// The status of a request with the given Origin: the reload checks switch
// CORS_ALLOW_ORIGIN to one origin and watch others turn into 403s.
async function originStatus(port, target, origin) {
  const res = await request({ port, target, headers: [['Origin', origin]] });
  return res.status;
}
async function waitOriginStatus(port, target, origin, want, ms = 8000) {
  const deadline = Date.now() + ms;
  let st;
  do {
    st = await originStatus(port, target, origin);
    if (st === want) return [];
    await procs.sleep(200);
  } while (Date.now() < deadline);
  return [`Origin ${origin}: status ${st}, expected ${want}`];
}
const RELOAD_CONFIG = GOOD_CONFIG + 'CORS_ALLOW_ORIGIN=https://only.example\n';

// Waits until `needle` occurs n times in getText().  Used so that a server
// is never stopped while programs it just spawned are still starting: the
// program loses a SIGTERM that arrives then (reported as a bug).
async function waitCount(getText, needle, n, ms = 10000) {
  const deadline = Date.now() + ms;
  const count = () => getText().split(needle).length - 1;
  while (count() < n && Date.now() < deadline) await procs.sleep(50);
  return count() >= n ? [] : [`${count()} of ${n} "${needle}" lines after ${ms} ms`];
}
const STARTED = 'agora-token-fcgi info: serving FastCGI';

// ------------------------------------------------------------------ nginx
function nginxConf(dir, port, includes) {
  return procs.nginxMain(dir, `    server {
        listen 127.0.0.1:${port};
${includes.map((f) => `        include ${f};`).join('\n')}
    }`, { user: IS_ROOT ? `${RUN_USER} ${RUN_GROUP}` : '' });
}
// nginx with the given contrib snippets (already rendered into files).
function startNginx(dir, port, includes) {
  mkdir(path.join(dir, 'tmp'));
  // The snippets say "include fastcgi_params;", relative to the
  // configuration directory, as in /etc/nginx.
  fs.copyFileSync('/etc/nginx/fastcgi_params', path.join(dir, 'fastcgi_params'));
  const conf = writeFile(path.join(dir, 'nginx.conf'), nginxConf(dir, port, includes));
  return procs.start('nginx', NGINX, ['-e', 'stderr', '-p', dir, '-c', conf]);
}
async function stopNginx(rec) {
  const st = await procs.stop(rec, 'SIGQUIT', 10000);
  return st.timeout ? ['nginx did not stop within 10 s of SIGQUIT'] : [];
}
// Stops nginx (if started), the program (SIGTERM must give exit 0) and
// envdump; returns the problems, including log lines that should not be
// there and processes left running.
async function stopDeployment(ngx, app, ed) {
  const p = [];
  if (ngx) p.push(...(await stopNginx(ngx)));
  const st = await procs.stop(app, 'SIGTERM', 5000);
  if (st.timeout || st.code !== 0) p.push(`agora-token-fcgi: exit ${JSON.stringify(st)} after SIGTERM`);
  await procs.stop(ed, 'SIGTERM', 5000);
  p.push(...logProblems(app.output + (ngx ? ngx.output : ''), 'stderr'));
  p.push(...(await noneLeft('programs')));
  return p;
}
// The prefix snippet rendered for envdump on its own socket at /envdump.
function nginxEnvdumpSnippet(dir, sock) {
  return writeFile(path.join(dir, 'envdump.conf'), render('nginx/agora-token-prefix.conf', [
    ['/run/agora-token/fcgi.sock', sock],
    ['/token', '/envdump'],
  ]));
}
// Runs cmd as `user` (primary group `group`, supplementary `groups`) when
// the tests run as root.
function asUser(cmd, args, user = RUN_USER, group = RUN_GROUP, groups = []) {
  if (!IS_ROOT) return [cmd, args];
  const g = groups.length ? ['--groups', groups.join(',')] : ['--clear-groups'];
  return ['/usr/bin/setpriv', ['--reuid', user, '--regid', group, ...g, '--', cmd, ...args]];
}

// nginx + the program's own --listen socket, mounted at /token.
async function deployNginxListen(bin, envdump) {
  const S = 'nginx-listen';
  const dir = mkdir(path.join(T, S));
  // As the README says: the program runs as its own user (daemon, group
  // daemon), a member of nginx's group (nogroup standing for www-data),
  // and puts its 0660 socket in that group with --socket-group; nginx
  // (nobody) reaches it through the group only.
  const run = mkdir(path.join(dir, 'run'), SERVICE_USER); // like /run/agora-token
  const conf = writeFile(path.join(dir, 'agora-token.conf'), GOOD_CONFIG, 0o600, SERVICE_USER);
  const sock = path.join(run, 'fcgi.sock');
  const edSock = path.join(run, 'envdump.sock');
  const [port] = await procs.freePorts(1, 20100);
  const grp = IS_ROOT ? ['--socket-group', RUN_GROUP] : [];
  const startApp = () => procs.start('agora-token-fcgi', ...asUser(bin, ['--listen', `unix:${sock}`, ...grp, '--config', conf], SERVICE_USER, SERVICE_USER, [RUN_GROUP]));
  let app = startApp();
  const ed = procs.start('envdump', ...asUser(envdump, [`unix:${edSock}`], SERVICE_USER));
  const snippet = writeFile(path.join(dir, 'agora-token.conf.nginx'), render('nginx/agora-token-prefix.conf', [['/run/agora-token/fcgi.sock', sock]]));
  let ngx = null;
  try {
    await procs.waitForListen({ path: sock }, app);
    await procs.waitForListen({ path: edSock }, ed);
    record(S, 'socket is mode 0660, owned by the service user, in the web server\'s group (--socket-group)', (() => {
      const st = fs.statSync(sock);
      const p = [];
      if ((st.mode & 0o777) !== 0o660) p.push(`mode ${(st.mode & 0o777).toString(8)}`);
      if (IS_ROOT && (st.uid !== idsOf(SERVICE_USER).uid || st.gid !== idsOf(RUN_USER).gid)) p.push(`owner ${st.uid}:${st.gid}`);
      return p;
    })());
    if (IS_ROOT) {
      record(S, 'pitfall: --socket-group of a group the user is not in: exit 1, one line naming it', await guarded(async () => {
        const other = path.join(run, 'other.sock');
        const [cmd, args] = asUser(bin, ['--listen', `unix:${other}`, '--socket-group', RUN_GROUP, '--config', conf], SERVICE_USER, SERVICE_USER);
        const r = spawnSync(cmd, args, { env: procs.cleanEnv(), timeout: 5000 });
        const err = `${r.stderr}`;
        const p = [];
        if (r.status !== 1) p.push(`exit ${r.status}`);
        if (!err.includes(RUN_GROUP) || err.trim().split('\n').length !== 1) p.push(`stderr: ${err}`);
        if (fs.existsSync(other)) p.push('socket left behind');
        return p;
      }));
    }
    ngx = startNginx(dir, port, [snippet, nginxEnvdumpSnippet(dir, edSock)]);
    await waitHttp(port, '/token/ping', ngx);
    await replay(S, port, '/token', 'prefix');
    await authChecks(S, port, '/token', '/envdump/x');
    await notPrefixCheck(S, port);
    record(S, 'program log lines on its own stderr', LOG_LINE.test(app.output) && app.output.includes('serving FastCGI') ? [] : [`stderr: ${JSON.stringify(app.output.slice(0, 500))}`]);
    // Reload = restart: SIGHUP changes nothing, a restart reads the file.
    record(S, 'new settings: SIGHUP ignored, restart applies them', await guarded(async () => {
      const p = [];
      writeFile(conf, RELOAD_CONFIG, 0o600, SERVICE_USER);
      process.kill(app.child.pid, 'SIGHUP');
      await procs.sleep(300);
      if (app.exited) return [`exited on SIGHUP: ${JSON.stringify(app.exited)}`];
      const st1 = await originStatus(port, '/token/ping', 'https://other.example');
      if (st1 !== 200) p.push(`after SIGHUP: status ${st1}, expected 200 (old settings)`);
      const st = await procs.stop(app, 'SIGTERM', 5000);
      if (st.code !== 0) p.push(`exit ${JSON.stringify(st)} on SIGTERM`);
      app = startApp();
      await procs.waitForListen({ path: sock }, app);
      p.push(...(await waitOriginStatus(port, '/token/ping', 'https://other.example', 403, 3000)));
      p.push(...(await waitOriginStatus(port, '/token/ping', 'https://only.example', 200, 3000)));
      return p;
    }));
  } finally {
    const p = await stopDeployment(ngx, app, ed);
    if (fs.existsSync(sock)) p.push('socket left behind');
    record(S, 'stop: nginx SIGQUIT, program SIGTERM exits 0, socket removed, nothing left running', p);
  }
}

// nginx + spawn-fcgi (contrib/spawn-fcgi), mounted at /.
async function deploySpawnFcgi(bin, envdump) {
  const S = 'nginx-spawn-fcgi';
  const dir = mkdir(path.join(T, S));
  const run = mkdir(path.join(dir, 'run'));
  // Run as SERVICE_USER; the socket belongs to it and nginx's group.
  const conf = writeFile(path.join(dir, 'agora-token.conf'), GOOD_CONFIG, 0o600, SERVICE_USER);
  const sock = path.join(run, 'fcgi.sock');
  const edSock = path.join(run, 'envdump.sock');
  const [port] = await procs.freePorts(1, 20200);
  const script = path.join(CONTRIB, 'spawn-fcgi', 'agora-token-spawn-fcgi');
  const env = (b, s) => procs.cleanEnv({ AGORA_TOKEN_BIN: b, AGORA_TOKEN_CONFIG: conf, AGORA_TOKEN_SOCKET: s, AGORA_TOKEN_USER: SERVICE_USER, AGORA_TOKEN_SOCKET_GROUP: RUN_GROUP });
  const app = procs.start('spawn-fcgi agora-token-fcgi', '/bin/sh', [script], { env: env(bin, sock) });
  const ed = procs.start('spawn-fcgi envdump', '/bin/sh', [script], { env: env(envdump, edSock) });
  let ngx = null;
  try {
    await procs.waitForListen({ path: sock }, app);
    await procs.waitForListen({ path: edSock }, ed);
    record(S, 'spawn-fcgi -n execs the program in its place (pid kept), socket 0660 in nginx\'s group', (() => {
      const p = [];
      const exe = exeOf(app.child.pid);
      if (exe !== bin) p.push(`pid ${app.child.pid} runs ${exe}`);
      const st = fs.statSync(sock);
      if ((st.mode & 0o777) !== 0o660) p.push(`socket mode ${(st.mode & 0o777).toString(8)}`);
      if (IS_ROOT && (st.uid !== idsOf(SERVICE_USER).uid || st.gid !== idsOf(RUN_USER).gid)) p.push(`socket owner ${st.uid}:${st.gid}`);
      if (IS_ROOT) {
        const status = fs.readFileSync(`/proc/${app.child.pid}/status`, 'utf8');
        const uid = /^Uid:\s+(\d+)/m.exec(status)[1];
        if (Number(uid) !== idsOf(SERVICE_USER).uid) p.push(`program runs as uid ${uid}`);
      }
      return p;
    })());
    const snippet = writeFile(path.join(dir, 'agora-token.conf.nginx'), render('nginx/agora-token-root.conf', [['/run/agora-token/fcgi.sock', sock]]));
    ngx = startNginx(dir, port, [snippet, nginxEnvdumpSnippet(dir, edSock)]);
    await waitHttp(port, '/ping', ngx);
    await replay(S, port, '/', 'root');
    await authChecks(S, port, '/', '/envdump/x');
    record(S, 'program log lines on spawn-fcgi\'s stderr (inherited with -n)', LOG_LINE.test(app.output) ? [] : [`output: ${JSON.stringify(app.output.slice(0, 500))}`]);
  } finally {
    const p = await stopDeployment(ngx, app, ed);
    record(S, 'stop: nginx SIGQUIT, program SIGTERM exits 0, nothing left running', p);
  }
}

// ------------------------------------------------------------------ Apache
function apacheBase(dir, port, extra) {
  const M = APACHE_MODULES;
  const mods = ['mpm_event', 'authz_core', 'alias', 'env', 'cgid', 'fcgid'];
  return `# Test harness: what Debian's apache2.conf, ports.conf and the enabled
# modules provide; the deployment itself comes from contrib/.
ServerRoot ${dir}
Listen 127.0.0.1:${port}
ServerName localhost
PidFile ${dir}/run/httpd.pid
DefaultRuntimeDir ${dir}/run
Mutex file:${dir}/run default
ErrorLog ${dir}/logs/error.log
LogLevel notice
${IS_ROOT ? `User ${RUN_USER}\nGroup ${RUN_GROUP}\n` : ''}${mods.map((m) => `LoadModule ${m}_module ${M}/mod_${m}.so`).join('\n')}
ScriptSock ${dir}/run/cgid.sock
FcgidIPCDir ${dir}/fcgid
FcgidProcessTableFile ${dir}/run/fcgid_shm
DocumentRoot ${dir}/www
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory ${dir}/www>
    Require all granted
</Directory>
${extra}
`;
}
function startApache(dir) {
  const conf = path.join(dir, 'httpd.conf');
  return procs.start('apache2', APACHE, ['-f', conf, '-DFOREGROUND'], { env: procs.cleanEnv(SANITIZED ? { ASAN_OPTIONS: SERVER_ASAN_OPTIONS, UBSAN_OPTIONS: SERVER_UBSAN_OPTIONS } : {}) });
}
async function stopApache(rec) {
  const st = await procs.stop(rec, 'SIGTERM', 15000);
  return st.timeout ? ['apache2 did not stop within 15 s of SIGTERM'] : [];
}
function apacheDirs(dir) {
  for (const d of ['run', 'logs', 'www']) mkdir(path.join(dir, d));
  mkdir(path.join(dir, 'fcgid'), true);
  mkdir(path.join(dir, 'bin'));
}

// Apache 2.4 + mod_fcgid (contrib/apache2/agora-token-fcgid.conf) at /token,
// the site in a <VirtualHost> as on Debian, the contrib file at server level
// (conf-enabled).
async function deployApacheFcgid(bin, envdump) {
  const S = 'apache-fcgid';
  const dir = mkdir(path.join(T, S));
  apacheDirs(dir);
  const b = copyExe(bin, path.join(dir, 'bin', 'agora-token-fcgi'));
  const e = copyExe(envdump, path.join(dir, 'bin', 'envdump'));
  const conf = writeFile(path.join(dir, 'agora-token.conf'), GOOD_CONFIG, 0o600, true);
  const [port] = await procs.freePorts(1, 20300);
  const main = writeFile(path.join(dir, 'agora-token-fcgid.conf'), render('apache2/agora-token-fcgid.conf', [
    ['/usr/local/bin/agora-token-fcgi', b],
    ['/usr/local/bin', path.dirname(b)],
    ['/etc/agora-token.conf', conf],
  ]));
  const edConf = writeFile(path.join(dir, 'envdump-fcgid.conf'), render('apache2/agora-token-fcgid.conf', [
    ['/usr/local/bin/agora-token-fcgi', e],
    ['"agora-token-fcgi"', '"envdump"'],
    ['Alias /token', 'Alias /envdump'],
    ['/usr/local/bin', path.dirname(e)],
    ['/etc/agora-token.conf', conf],
  ]));
  writeFile(path.join(dir, 'httpd.conf'), apacheBase(dir, port, `# sites-enabled/000-default.conf
<VirtualHost 127.0.0.1:${port}>
    ServerName localhost
    DocumentRoot ${dir}/www
    ErrorLog ${dir}/logs/vhost-error.log
${SANITIZED ? `    FcgidInitialEnv ASAN_OPTIONS ${SERVER_ASAN_OPTIONS}\n    FcgidInitialEnv UBSAN_OPTIONS ${SERVER_UBSAN_OPTIONS}\n` : ''}    Include ${main}
    Include ${edConf}
</VirtualHost>
`));
  const ap = startApache(dir);
  const log = path.join(dir, 'logs', 'error.log');
  const vlog = path.join(dir, 'logs', 'vhost-error.log');
  try {
    await waitHttp(port, '/token/ping', ap);
    await replay(S, port, '/token', 'prefix');
    await authChecks(S, port, '/token', '/envdump/x');
    await notPrefixCheck(S, port);
    record(S, 'program log lines go to Apache\'s main ErrorLog, not the virtual host\'s', (() => {
      const p = [];
      if (!readLog(log).includes('agora-token-fcgi info: serving FastCGI')) p.push(`main ErrorLog: ${readLog(log).slice(-1000)}`);
      if (LOG_LINE.test(readLog(vlog))) p.push('virtual host ErrorLog has program lines');
      return p;
    })());
    record(S, 'new settings: apache2 graceful restart (SIGUSR1) restarts the program', await guarded(async () => {
      const p = [];
      if ((await originStatus(port, '/token/ping', 'https://other.example')) !== 200) p.push('before: other origin not 200');
      writeFile(conf, RELOAD_CONFIG, 0o600, true);
      process.kill(ap.child.pid, 'SIGUSR1');
      p.push(...(await waitOriginStatus(port, '/token/ping', 'https://other.example', 403)));
      p.push(...(await waitOriginStatus(port, '/token/ping', 'https://only.example', 200)));
      return p;
    }));
  } finally {
    const p = await stopApache(ap);
    p.push(...logProblems(readLog(log) + readLog(vlog) + ap.output, 'ErrorLog'));
    p.push(...(await noneLeft('programs')));
    record(S, 'stop: apache2 SIGTERM stops the programs it started', p);
  }
}

// Apache 2.4 plain CGI via ScriptAlias /cgi-bin/ (mod_cgid): the shared-
// hosting case.  The host's configuration is the harness; the user's part
// is cgi-bin/agora-token.cgi, cgi-bin/agora-token.conf (0600) and
// cgi-bin/.htaccess from contrib/apache2/cgi-bin.htaccess.
async function deployApacheCgi(bin, envdump) {
  const S = 'apache-cgi';
  const dir = mkdir(path.join(T, S));
  apacheDirs(dir);
  const cgi = mkdir(path.join(dir, 'cgi-bin'), true);
  const plain = mkdir(path.join(dir, 'cgi-plain'), true);
  // Under suEXEC the files belong to the user the program runs as; here
  // that is Apache's user.
  copyExe(bin, path.join(cgi, 'agora-token.cgi'), true);
  copyExe(envdump, path.join(cgi, 'envdump.cgi'), true);
  writeFile(path.join(cgi, 'agora-token.conf'), GOOD_CONFIG, 0o600, true);
  writeFile(path.join(cgi, '.htaccess'), render('apache2/cgi-bin.htaccess', []), 0o644, true);
  // A second directory without the .htaccess, and with a config file that
  // others may read: Authorization is dropped, the config is refused.
  copyExe(bin, path.join(plain, 'agora-token.cgi'), true);
  copyExe(envdump, path.join(plain, 'envdump.cgi'), true);
  writeFile(path.join(plain, 'agora-token.conf'), GOOD_CONFIG, 0o644, true);
  const [port] = await procs.freePorts(1, 20400);
  writeFile(path.join(dir, 'httpd.conf'), apacheBase(dir, port, `${SANITIZED ? 'PassEnv ASAN_OPTIONS UBSAN_OPTIONS\n' : ''}# The hosting provider's cgi-bin, with .htaccess files allowed.
ScriptAlias /cgi-bin/ ${cgi}/
ScriptAlias /cgi-plain/ ${plain}/
<Directory ${cgi}>
    AllowOverride AuthConfig FileInfo Limit Options=ExecCGI
    Require all granted
</Directory>
<Directory ${plain}>
    AllowOverride AuthConfig FileInfo Limit Options=ExecCGI
    Require all granted
</Directory>
<VirtualHost 127.0.0.1:${port}>
    ServerName localhost
    DocumentRoot ${dir}/www
    ErrorLog ${dir}/logs/vhost-error.log
</VirtualHost>
`));
  const ap = startApache(dir);
  // mod_cgid: the script's stderr is the CGI daemon's, i.e. the main
  // ErrorLog, line by line as written (mod_cgi would log each line with
  // AH01215 to the virtual host's ErrorLog instead).
  const log = path.join(dir, 'logs', 'error.log');
  const vlog = path.join(dir, 'logs', 'vhost-error.log');
  const mount = '/cgi-bin/agora-token.cgi';
  try {
    await waitHttp(port, mount + '/ping', ap);
    await replay(S, port, mount, 'prefix');
    await authChecks(S, port, mount, '/cgi-bin/envdump.cgi/x');
    record(S, 'pitfall: without CGIPassAuth Apache drops Authorization', await guarded(async () => {
      const res = await request({ port, target: '/cgi-plain/envdump.cgi/x', headers: [['Authorization', 'Bearer x']] });
      const text = res.body.toString();
      if (res.status !== 200) return [`status ${res.status}`];
      return text.includes('HTTP_AUTHORIZATION=') ? [`HTTP_AUTHORIZATION arrived anyway: ${text}`] : [];
    }));
    record(S, 'config beside the program readable by others: refused (500), reason in ErrorLog', await guarded(async () => {
      const c = { name: 'refused', path: '/ping', status: 500, errorExact: 'service is not configured' };
      const res = await request({ port, target: '/cgi-plain/agora-token.cgi/ping' });
      const p = checkResponse(c, res, { suite: S, defaultExpire: 3600, nowSec: 0, viaNginx: true });
      await procs.sleep(200);
      const text = readLog(log);
      if (!/agora-token-fcgi error: .*agora-token\.conf is readable or writable by others than its owner: chmod 600 it/.test(text)) p.push(`ErrorLog lacks the reason: ${text.slice(-1500)}`);
      return p;
    }));
    record(S, 'program log lines go to Apache\'s main ErrorLog as written (mod_cgid), not the virtual host\'s', (() => {
      const p = [];
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ agora-token-fcgi error: 500: service is not configured$/m.test(readLog(log))) p.push(`main ErrorLog: ${readLog(log).slice(-1000)}`);
      if (LOG_LINE.test(readLog(vlog))) p.push('virtual host ErrorLog has program lines');
      return p;
    })());
    record(S, 'pitfall: a chunked request body reaches a CGI program without CONTENT_LENGTH', await guarded(async () => {
      const res = await request({ port, method: 'POST', target: '/cgi-bin/envdump.cgi/x', headers: [['Content-Type', 'application/json']], body: '{"tokenType":"chat"}', chunked: true });
      const text = res.body.toString();
      if (res.status !== 200) return [`status ${res.status}`];
      const p = [];
      if (text.includes('CONTENT_LENGTH=')) p.push(`CONTENT_LENGTH is set now: ${text}`);
      if (!text.includes('HTTP_TRANSFER_ENCODING=chunked')) p.push(`no HTTP_TRANSFER_ENCODING=chunked: ${text}`);
      return p;
    }));
    // RFC 3875 4.4: a query string without "=" is also handed to the
    // script as command-line arguments, split on "+".
    record(S, 'query without "=" is not taken as command-line options (GET ping?--version)', await guarded(async () => {
      const c = { name: 'argv', path: '/ping', status: 200, json: (b) => (JSON.stringify(b) === '{"message":"pong"}' ? null : 'not pong') };
      const res = await request({ port, target: `${mount}/ping?--version` });
      return checkResponse(c, res, { suite: S, defaultExpire: 3600, nowSec: 0, viaNginx: true });
    }));
    record(S, 'a request cannot start a listening server (GET ping?--listen+127.0.0.1:PORT)', await guarded(async () => {
      const [lp] = await procs.freePorts(1, 20480);
      const p = [];
      const res = await request({ port, target: `${mount}/ping?--listen+127.0.0.1:${lp}`, timeoutMs: 3000 }).catch((e) => ({ status: `no answer (${e.message})` }));
      await procs.sleep(300);
      const listening = await new Promise((resolve) => {
        const s = require('net').connect({ port: lp, host: '127.0.0.1' });
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
      if (listening) p.push(`127.0.0.1:${lp} is now listening (HTTP answer: ${res.status})`);
      if (res.status !== 200) p.push(`answer ${res.status}, expected 200 pong`);
      return p;
    }));
    record(S, 'cgi-bin/agora-token.conf and .htaccess cannot be downloaded', await guarded(async () => {
      const p = [];
      for (const f of ['agora-token.conf', '.htaccess']) {
        const res = await request({ port, target: `/cgi-bin/${f}` });
        if (res.status === 200 || res.body.toString().includes(cases.APP_CERTIFICATE)) p.push(`/cgi-bin/${f}: status ${res.status}`);
      }
      return p;
    }));
  } finally {
    const p = await stopApache(ap);
    p.push(...logProblems(readLog(log) + readLog(vlog) + ap.output, 'ErrorLog'));
    p.push(...(await noneLeft('programs')));
    record(S, 'stop: apache2 SIGTERM, nothing left running', p);
  }
}

// ------------------------------------------------------------------ lighttpd
async function deployLighttpd(bin, envdump, kind) {
  const S = `lighttpd-${kind}`;
  const dir = mkdir(path.join(T, S));
  for (const d of ['www', 'bin']) mkdir(path.join(dir, d));
  const run = mkdir(path.join(dir, 'run'), true); // like /run/lighttpd, owned by lighttpd's user
  const logs = mkdir(path.join(dir, 'logs'), true);
  const b = copyExe(bin, path.join(dir, 'bin', 'agora-token-fcgi'));
  const e = copyExe(envdump, path.join(dir, 'bin', 'envdump'));
  const conf = writeFile(path.join(dir, 'agora-token.conf'), GOOD_CONFIG, 0o600, true);
  const [port] = await procs.freePorts(1, kind === 'root' ? 20600 : 20500);
  const main = writeFile(path.join(dir, 'agora-token.lighttpd'), render(`lighttpd/agora-token-${kind}.conf`, [
    ['/run/lighttpd/agora-token.sock', path.join(run, 'agora-token.sock')],
    ['/usr/local/bin/agora-token-fcgi', b],
    ['/etc/agora-token.conf', conf],
  ]));
  const ed = writeFile(path.join(dir, 'envdump.lighttpd'), render('lighttpd/agora-token-prefix.conf', [
    ['/run/lighttpd/agora-token.sock', path.join(run, 'envdump.sock')],
    ['/usr/local/bin/agora-token-fcgi', e],
    ['/token', '/envdump'],
  ]));
  const log = path.join(logs, 'error.log');
  const lconf = writeFile(path.join(dir, 'lighttpd.conf'), `# Test harness: Debian's lighttpd.conf essentials, then contrib/.
server.document-root = "${dir}/www"
server.bind = "127.0.0.1"
server.port = ${port}
server.pid-file = "${run}/lighttpd.pid"
server.errorlog = "${log}"
${IS_ROOT ? `server.username = "${RUN_USER}"\nserver.groupname = "${RUN_GROUP}"\n` : ''}server.modules += ( "mod_fastcgi" )
include "${main}"
include "${ed}"
`);
  const chk = spawnSync(LIGHTTPD, ['-tt', '-f', lconf]);
  record(S, 'lighttpd -tt accepts the configuration', chk.status === 0 ? [] : [`${chk.stdout}${chk.stderr}`]);
  // lighttpd passes its environment on to the programs it spawns.
  const lt = procs.start('lighttpd', LIGHTTPD, ['-D', '-f', lconf], { env: procs.cleanEnv(SANITIZED ? { ASAN_OPTIONS: SERVER_ASAN_OPTIONS, UBSAN_OPTIONS: SERVER_UBSAN_OPTIONS } : {}) });
  const mount = kind === 'root' ? '/' : '/token';
  const maxProcs = Number(/"max-procs" => (\d+)/.exec(fs.readFileSync(main, 'utf8'))[1]);
  try {
    await waitHttp(port, kind === 'root' ? '/ping' : '/token/ping', lt);
    record(S, `lighttpd starts max-procs (${maxProcs}) programs`, await waitCount(() => lt.output, STARTED, maxProcs));
    await replay(S, port, mount, kind);
    await authChecks(S, port, mount, '/envdump/x');
    if (kind === 'prefix') await notPrefixCheck(S, port);
    record(S, 'program log lines go to lighttpd\'s stderr (-D), not server.errorlog', (() => {
      const p = [];
      if (!lt.output.includes('agora-token-fcgi info: serving FastCGI')) p.push(`lighttpd stderr: ${lt.output.slice(-800)}`);
      if (LOG_LINE.test(readLog(log))) p.push('server.errorlog has program lines');
      return p;
    })());
    if (kind === 'prefix') {
      record(S, 'new settings: lighttpd graceful restart (SIGUSR1) restarts the program', await guarded(async () => {
        const p = [];
        writeFile(conf, RELOAD_CONFIG, 0o600, true);
        process.kill(lt.child.pid, 'SIGUSR1');
        p.push(...(await waitOriginStatus(port, '/token/ping', 'https://other.example', 403)));
        p.push(...(await waitOriginStatus(port, '/token/ping', 'https://only.example', 200)));
        p.push(...(await waitCount(() => lt.output, STARTED, 2 * maxProcs)));
        return p;
      }));
    }
  } finally {
    const p = [];
    const st = await procs.stop(lt, 'SIGTERM', 10000);
    if (st.timeout) p.push('lighttpd did not stop within 10 s of SIGTERM');
    p.push(...logProblems(readLog(log) + lt.output, 'errorlog'));
    p.push(...(await noneLeft('programs')));
    record(S, 'stop: lighttpd SIGTERM stops the programs it started', p);
  }
}

// ------------------------------------------------------------------ systemd
// Minimal unit-file reader: { section: { key: [values...] } }.
function readUnit(file) {
  const u = {};
  let sec = null;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) {
      sec = u[m[1]] = u[m[1]] || {};
      continue;
    }
    const eq = line.indexOf('=');
    if (!sec || eq < 0) throw new Error(`${file}: cannot parse ${line}`);
    const k = line.slice(0, eq).trim();
    (sec[k] = sec[k] || []).push(line.slice(eq + 1).trim());
  }
  return u;
}
const one = (u, sec, key) => {
  const v = u[sec] && u[sec][key];
  if (!v || v.length !== 1) throw new Error(`[${sec}] ${key}= must be set exactly once`);
  return v[0];
};

// contrib/systemd under systemd-socket-activate (systemd is not PID 1
// here): ListenStream=, SocketMode=, SocketUser=/SocketGroup=, ExecStart=
// and LoadCredential= are taken from the units and emulated; the
// sandboxing directives need a real service manager and are checked with
// systemd-analyze instead.  nginx (contrib prefix snippet) in front.
async function deploySystemd(bin, envdump) {
  const S = 'systemd';
  const dir = mkdir(path.join(T, S));
  const sockU = readUnit(path.join(CONTRIB, 'systemd', 'agora-token.socket'));
  const svcU = readUnit(path.join(CONTRIB, 'systemd', 'agora-token.service'));
  record(S, 'service is hardened (DynamicUser, NoNewPrivileges, ProtectSystem=strict, LoadCredential)', (() => {
    const p = [];
    const want = { DynamicUser: 'yes', NoNewPrivileges: 'yes', ProtectSystem: 'strict', PrivateTmp: 'yes', ProtectHome: 'yes' };
    for (const [k, v] of Object.entries(want)) if (!(svcU.Service[k] || []).includes(v)) p.push(`${k}=${v} missing`);
    if (!svcU.Service.LoadCredential) p.push('LoadCredential= missing');
    if (svcU.Service.Environment && svcU.Service.Environment.some((x) => /APP_CERTIFICATE/.test(x))) p.push('certificate in Environment=');
    return p;
  })());

  // systemd-analyze verify / security, offline, on copies whose paths exist.
  const udir = mkdir(path.join(dir, 'units'));
  const b = copyExe(bin, path.join(dir, 'agora-token-fcgi'));
  const e = copyExe(envdump, path.join(dir, 'envdump'));
  fs.writeFileSync(path.join(udir, 'agora-token.socket'), render('systemd/agora-token.socket', []));
  fs.writeFileSync(path.join(udir, 'agora-token.service'), render('systemd/agora-token.service', [['/usr/local/bin/agora-token-fcgi', b]]));
  const ver = spawnSync('systemd-analyze', ['verify', '--man=no', 'agora-token.socket', 'agora-token.service'], { cwd: udir });
  const verOut = `${ver.stdout}${ver.stderr}`.trim();
  record(S, 'systemd-analyze verify: both units clean', ver.status === 0 && verOut === '' ? [] : [`status ${ver.status}: ${verOut}`]);
  // --threshold is on systemd's internal 0-100 scale: 20 = "2.0".
  const sec = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=20', '--no-pager', 'agora-token.service'], { cwd: udir });
  const secOut = `${sec.stdout}`;
  const lvl = /Overall exposure level for agora-token\.service: ([\d.]+)/.exec(secOut);
  record(S, 'systemd-analyze security --offline: exposure at most 2.0', sec.status === 0 && lvl && Number(lvl[1]) <= 2.0 ? [] : [`status ${sec.status}, ${lvl ? lvl[0] : secOut.slice(-500)} ${sec.stderr}`]);

  // The emulated service manager.
  const run = mkdir(path.join(dir, 'run'));
  const listen = one(sockU, 'Socket', 'ListenStream');
  const sock = listen.replace('/run/agora-token/fcgi.sock', path.join(run, 'fcgi.sock'));
  const edSock = path.join(run, 'envdump.sock');
  if (sock === listen) throw new Error(`unexpected ListenStream=${listen}`);
  const mode = parseInt(one(sockU, 'Socket', 'SocketMode'), 8);
  const group = one(sockU, 'Socket', 'SocketGroup') === 'www-data' ? RUN_GROUP : one(sockU, 'Socket', 'SocketGroup');
  // LoadCredential=NAME:PATH -> $CREDENTIALS_DIRECTORY/NAME, readable by
  // the service's (dynamic) user only.
  const creds = mkdir(path.join(dir, 'credentials'), true);
  const [credName, credSrc] = one(svcU, 'Service', 'LoadCredential').split(':');
  if (credSrc !== '/etc/agora-token.conf') throw new Error(`unexpected LoadCredential source ${credSrc}`);
  writeFile(path.join(creds, credName), GOOD_CONFIG, 0o400, true);
  fs.chmodSync(creds, 0o500);
  const exec = one(svcU, 'Service', 'ExecStart').replace(/%d/g, creds).split(/\s+/);
  if (exec[0] !== '/usr/local/bin/agora-token-fcgi') throw new Error(`unexpected ExecStart ${exec[0]}`);
  const activate = (prog, s) => {
    const args = ['-l', s, '-E', `CREDENTIALS_DIRECTORY=${creds}`];
    if (SANITIZED) args.push('-E', `ASAN_OPTIONS=${process.env.ASAN_OPTIONS || ''}`, '-E', `UBSAN_OPTIONS=${process.env.UBSAN_OPTIONS || ''}`);
    // DynamicUser=yes: an unprivileged user of its own.
    const [cmd, cargs] = asUser(prog, exec.slice(1));
    args.push('--', cmd, ...cargs);
    return procs.start(`systemd-socket-activate ${path.basename(prog)}`, SOCKET_ACTIVATE, args);
  };
  const app = activate(b, sock);
  const ed = activate(e, edSock);
  const [port] = await procs.freePorts(1, 20700);
  let ngx = null;
  try {
    for (const [s, rec] of [[sock, app], [edSock, ed]]) {
      const deadline = Date.now() + 10000;
      while (!fs.existsSync(s)) {
        if (rec.exited || Date.now() > deadline) throw new Error(`${rec.name} did not create ${s}: ${rec.output}`);
        await procs.sleep(50);
      }
      // SocketMode= / SocketUser= / SocketGroup=
      fs.chmodSync(s, mode);
      if (IS_ROOT) spawnSync('chgrp', [group, s]);
    }
    const snippet = writeFile(path.join(dir, 'agora-token.conf.nginx'), render('nginx/agora-token-prefix.conf', [['/run/agora-token/fcgi.sock', sock]]));
    ngx = startNginx(dir, port, [snippet, nginxEnvdumpSnippet(dir, edSock)]);
    await waitHttp(port, '/token/ping', ngx);
    record(S, 'program started on the first connection, socket from LISTEN_FDS (fd 3)', await guarded(async () => {
      const p = [];
      if (!/Execing /.test(app.output)) p.push(`systemd-socket-activate output: ${app.output}`);
      const exe = exeOf(app.child.pid);
      if (exe !== b) p.push(`pid ${app.child.pid} runs ${exe}`);
      return p;
    }));
    await replay(S, port, '/token', 'prefix');
    await authChecks(S, port, '/token', '/envdump/x');
    record(S, 'program log lines on stderr (the journal under systemd)', LOG_LINE.test(app.output) ? [] : [`stderr: ${app.output.slice(0, 500)}`]);
  } finally {
    const p = await stopDeployment(ngx, app, ed);
    fs.chmodSync(creds, 0o700); // so that the temp dir can be removed
    record(S, 'stop: SIGTERM (systemd\'s KillSignal) exits 0, nothing left running', p);
  }
}

// ------------------------------------------------------------------ main
const DEPLOYMENTS = [
  ['nginx-listen', deployNginxListen, [NGINX]],
  ['nginx-spawn-fcgi', deploySpawnFcgi, [NGINX, SPAWN_FCGI]],
  ['apache-fcgid', deployApacheFcgid, [APACHE, `${APACHE_MODULES}/mod_fcgid.so`]],
  ['apache-cgi', deployApacheCgi, [APACHE, `${APACHE_MODULES}/mod_cgid.so`]],
  ['lighttpd-prefix', (b, e) => deployLighttpd(b, e, 'prefix'), [LIGHTTPD]],
  ['lighttpd-root', (b, e) => deployLighttpd(b, e, 'root'), [LIGHTTPD]],
  ['systemd', deploySystemd, [NGINX, SOCKET_ACTIVATE]],
];

async function main() {
  if (!fs.existsSync(opts.bin)) throw new Error(`binary ${opts.bin} not found (build it with make, or pass --bin)`);
  T = fs.mkdtempSync(path.join(os.tmpdir(), 'agora-deploy-'));
  fs.chmodSync(T, 0o755); // the servers' unprivileged users must reach inside
  // Our own copies: processes running them are ours (and the binary in the
  // work tree may be rebuilt while we run).
  const bin = copyExe(opts.bin, path.join(mkdir(path.join(T, 'bin')), 'agora-token-fcgi'));
  const envdump = copyExe(opts.envdump, path.join(T, 'bin', 'envdump'));
  for (const [name, fn, needs] of DEPLOYMENTS) {
    if (opts.only && !opts.only.includes(name)) continue;
    const missing = needs.filter((f) => !fs.existsSync(f));
    if (missing.length) {
      record(name, 'deployment', [`not installed: ${missing.join(', ')} (run sh tests/deps.sh)`]);
      continue;
    }
    const t0 = Date.now();
    console.log(`# ${name}: start`);
    const p = await guarded(() => fn(bin, envdump));
    if (Array.isArray(p) && p.length) record(name, 'deployment', p);
    console.log(`# ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

main()
  .catch((e) => fail('setup', e))
  .then(() => {
    // Exit now: procs.stop() leaves its grace-period timers pending.
    process.exit(summary());
  });
