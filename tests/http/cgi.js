'use strict';
// CGI transport: runs the binary once per request, with fd 0 a pipe carrying
// the body and the environment Apache mod_cgid would give a ScriptAlias'd
// script at /cgi-bin/agora-token.cgi. Parses the CGI response on stdout.

const { spawnSync } = require('child_process');

const SCRIPT_NAME = '/cgi-bin/agora-token.cgi';

// Lenient percent-decoding like Apache's PATH_INFO: valid escapes decoded,
// anything else (and %00, which an environment cannot carry) left as is.
function decodePathInfo(raw) {
  const bytes = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(raw.substr(i + 1, 2)) && raw.substr(i + 1, 2) !== '00') {
      bytes.push(parseInt(raw.substr(i + 1, 2), 16));
      i += 2;
    } else {
      bytes.push(c & 0xff);
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

// Builds the CGI environment for a request. `path` is the raw path below the
// script ('' = the script itself), `query` the raw query string or undefined.
function cgiEnv({ method, path, query, headers = [], body, configFile, extraEnv = {} }) {
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_SOFTWARE: 'Apache/2.4.71 (Debian)',
    SERVER_NAME: 'localhost',
    SERVER_ADDR: '127.0.0.1',
    SERVER_PORT: '80',
    SERVER_ADMIN: 'webmaster@localhost',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_PORT: '50123',
    DOCUMENT_ROOT: '/var/www/html',
    CONTEXT_PREFIX: '/cgi-bin/',
    CONTEXT_DOCUMENT_ROOT: '/usr/lib/cgi-bin/',
    REQUEST_SCHEME: 'http',
    REQUEST_METHOD: method,
    SCRIPT_NAME,
    SCRIPT_FILENAME: '/usr/lib/cgi-bin/agora-token.cgi',
    REQUEST_URI: SCRIPT_NAME + path + (query === undefined ? '' : `?${query}`),
    QUERY_STRING: query === undefined ? '' : query,
    HTTP_HOST: 'localhost',
  };
  if (path !== '') {
    env.PATH_INFO = decodePathInfo(path);
    env.PATH_TRANSLATED = '/var/www/html' + env.PATH_INFO;
  }
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    if (key === 'content-type') env.CONTENT_TYPE = value;
    else if (key === 'content-length') env.CONTENT_LENGTH = value;
    else env['HTTP_' + name.toUpperCase().replace(/-/g, '_')] = value;
  }
  if (body != null) env.CONTENT_LENGTH = String(Buffer.byteLength(body));
  if (configFile) env.AGORA_TOKEN_CONFIG = configFile;
  // Sanitizer settings of a `make check SANITIZE=1` run reach the CGI child too.
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) if (process.env[k]) env[k] = process.env[k];
  for (const [k, v] of Object.entries(extraEnv)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return env;
}

// Parses "Header: value" lines, a blank line, then the body.
function parseCgiOutput(out) {
  let end = out.indexOf('\r\n\r\n');
  let sepLen = 4;
  const lf = out.indexOf('\n\n');
  if (lf >= 0 && (end < 0 || lf < end)) {
    end = lf;
    sepLen = 2;
  }
  if (end < 0) throw new Error(`CGI output has no header/body separator: ${JSON.stringify(out.toString('latin1').slice(0, 300))}`);
  const headers = [];
  for (const line of out.toString('latin1', 0, end).split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad CGI header line ${JSON.stringify(line)}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  let status = 200;
  let reason = '';
  const st = headers.find(([k]) => k.toLowerCase() === 'status');
  if (st) {
    const m = /^(\d{3})(?: (.*))?$/.exec(st[1]);
    if (!m) throw new Error(`bad Status header ${JSON.stringify(st[1])}`);
    status = Number(m[1]);
    reason = m[2] || '';
  }
  return { status, reason, headers: headers.filter(([k]) => k.toLowerCase() !== 'status'), body: out.subarray(end + sepLen) };
}

// Runs one CGI request. Returns the parsed response plus exit code/stderr.
function cgiRequest(bin, req) {
  const env = cgiEnv(req);
  const r = spawnSync(bin, [], {
    env,
    input: req.body == null ? Buffer.alloc(0) : Buffer.from(req.body),
    timeout: 10000,
    maxBuffer: 4 * 1024 * 1024,
  });
  if (r.error && r.error.code !== 'EPIPE') throw new Error(`CGI run failed: ${r.error.message}`);
  if (r.signal) throw new Error(`CGI process killed by ${r.signal}; stderr: ${r.stderr}`);
  const res = parseCgiOutput(r.stdout);
  res.exitCode = r.status;
  res.stderr = r.stderr.toString();
  return res;
}

module.exports = { cgiRequest, cgiEnv, parseCgiOutput, SCRIPT_NAME };
