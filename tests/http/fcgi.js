'use strict';
// Tiny FastCGI client (responder role, one request per connection), used to
// talk to an instance that has no nginx in front of it (fd 0 mode) and to
// hold a request "in flight" while the binary receives SIGTERM.

const net = require('net');
const { parseCgiOutput } = require('./cgi');

const BEGIN_REQUEST = 1;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const STDERR = 7;

function record(type, content = Buffer.alloc(0), id = 1) {
  const pad = (8 - (content.length % 8)) % 8;
  const h = Buffer.alloc(8);
  h.writeUInt8(1, 0);
  h.writeUInt8(type, 1);
  h.writeUInt16BE(id, 2);
  h.writeUInt16BE(content.length, 4);
  h.writeUInt8(pad, 6);
  return Buffer.concat([h, content, Buffer.alloc(pad)]);
}

function nvLen(n) {
  if (n < 128) return Buffer.from([n]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((n | 0x80000000) >>> 0);
  return b;
}

function paramsRecords(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    const kb = Buffer.from(k, 'latin1');
    const vb = Buffer.from(v, 'latin1');
    parts.push(nvLen(kb.length), nvLen(vb.length), kb, vb);
  }
  const all = Buffer.concat(parts);
  const out = [];
  for (let i = 0; i < all.length; i += 65535) out.push(record(PARAMS, all.subarray(i, i + 65535)));
  out.push(record(PARAMS));
  return Buffer.concat(out);
}

// Opens a connection and sends BEGIN_REQUEST + PARAMS. Returns
// { send(buf), end(), response: Promise<{status, headers, body, stderr}> }.
function open(connectOpts, params, timeoutMs = 10000) {
  const sock = net.connect(connectOpts);
  const chunks = [];
  const begin = Buffer.alloc(8);
  begin.writeUInt16BE(1, 0); // FCGI_RESPONDER, flags 0: server closes the connection
  sock.write(Buffer.concat([record(BEGIN_REQUEST, begin), paramsRecords(params)]));
  const response = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`FastCGI response timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      try {
        const buf = Buffer.concat(chunks);
        const out = [];
        const err = [];
        let ended = false;
        for (let pos = 0; pos + 8 <= buf.length; ) {
          const type = buf.readUInt8(pos + 1);
          const len = buf.readUInt16BE(pos + 4);
          const pad = buf.readUInt8(pos + 6);
          const content = buf.subarray(pos + 8, pos + 8 + len);
          if (type === STDOUT) out.push(content);
          else if (type === STDERR) err.push(content);
          else if (type === END_REQUEST) ended = true;
          pos += 8 + len + pad;
        }
        if (!ended) throw new Error(`no FCGI_END_REQUEST (got ${buf.length} bytes)`);
        const res = parseCgiOutput(Buffer.concat(out));
        res.stderr = Buffer.concat(err).toString();
        resolve(res);
      } catch (e) {
        reject(e);
      }
    });
  });
  // The caller may await this only later (request held in flight): keep an
  // early rejection from counting as unhandled. Awaiting it still throws.
  response.catch(() => {});
  return {
    send: (data) => sock.write(record(STDIN, Buffer.from(data))),
    end: () => sock.write(record(STDIN)),
    response,
  };
}

// One complete request.
function fcgiRequest(connectOpts, params, body) {
  const c = open(connectOpts, params);
  if (body) c.send(body);
  c.end();
  return c.response;
}

// record/paramsRecords are also used by tests/hostile (its keep-alive client).
module.exports = { open, fcgiRequest, record, paramsRecords };
