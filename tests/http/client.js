'use strict';
// Minimal raw HTTP/1.1 client on top of `net`, so that request targets such
// as "%2F", "..", "//", "+" or header values with control characters go out
// byte for byte (http.request refuses or rewrites some of them).

const net = require('net');

// Builds the request bytes. `target` is the raw request target (path and
// query), sent as latin1 so every char code below 256 is one byte.
function buildRequest({ method, target, host, headers = [], body, chunked }) {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${host}`];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  const bodyBuf = body == null ? null : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  if (bodyBuf) {
    if (chunked) lines.push('Transfer-Encoding: chunked');
    else lines.push(`Content-Length: ${bodyBuf.length}`);
  }
  lines.push('Connection: close', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  if (!bodyBuf) return head;
  if (!chunked) return Buffer.concat([head, bodyBuf]);
  // Two chunks (when long enough) and the terminating zero chunk.
  const parts = [];
  const cut = Math.floor(bodyBuf.length / 2);
  for (const piece of [bodyBuf.subarray(0, cut), bodyBuf.subarray(cut)]) {
    if (piece.length === 0) continue;
    parts.push(Buffer.from(piece.length.toString(16) + '\r\n', 'latin1'), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat([head, ...parts]);
}

function decodeChunked(buf) {
  const out = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos, 'latin1');
    if (eol < 0) throw new Error('truncated chunk size line');
    const size = parseInt(buf.toString('latin1', pos, eol).split(';')[0].trim(), 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size > buf.length) throw new Error('truncated chunk');
    out.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
  return Buffer.concat(out);
}

// Parses a complete HTTP response (the connection was closed by the server).
// Returns { status, reason, headers: [[name, value]...], body: Buffer }.
function parseResponse(raw, isHead) {
  const end = raw.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) throw new Error(`no end of headers in response: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`);
  const lines = raw.toString('latin1', 0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]);
  if (!m) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
  const headers = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(line)}`);
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const status = Number(m[1]);
  let body = raw.subarray(end + 4);
  const get = (n) => headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  if (isHead || status === 204 || status === 304) {
    body = Buffer.alloc(0);
  } else if (get('transfer-encoding').some((v) => /chunked/i.test(v))) {
    body = decodeChunked(body);
  } else if (get('content-length').length) {
    const len = Number(get('content-length')[0]);
    if (body.length < len) throw new Error(`short body: ${body.length} of ${len} bytes`);
    body = body.subarray(0, len);
  }
  return { status, reason: m[2] || '', headers, body };
}

// Sends one request and resolves with the parsed response.
function request({ port, host = '127.0.0.1', method = 'GET', target, headers, body, chunked, timeoutMs = 10000 }) {
  const bytes = buildRequest({ method, target, host: `${host}:${port}`, headers, body, chunked });
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect({ port, host });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponse(Buffer.concat(chunks), method === 'HEAD'));
      } catch (e) {
        reject(e);
      }
    });
  });
}

module.exports = { request, parseResponse, buildRequest };
