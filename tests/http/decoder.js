'use strict';
// Independent AccessToken2 ("007") decoder, written from
// /work/shared/spec/TOKEN-FORMAT.md sections 1, 2 and 4. It exposes the exact
// bytes of every field so the tests can compare them with what the contract
// says the binary must put in a token.

const zlib = require('zlib');
const crypto = require('crypto');

const SERVICE_NAMES = { 1: 'RTC', 2: 'RTM', 3: 'Streaming', 4: 'FPA', 5: 'Chat', 6: 'FCDN', 7: 'APaaS', 8: 'RTM2' };

class Reader {
  constructor(buf) {
    this.buf = buf;
    this.pos = 0;
  }
  need(n) {
    if (this.pos + n > this.buf.length) throw new Error(`short read at offset ${this.pos} (need ${n} bytes)`);
  }
  u16() {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32() {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes() {
    const len = this.u16();
    this.need(len);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }
  // Privilege map as an ordered list of [key, value] pairs, as found.
  privileges() {
    const n = this.u16();
    const out = [];
    for (let i = 0; i < n; i++) out.push([this.u16(), this.u32()]);
    return out;
  }
}

// Decodes a token string. Throws on any format error. Returns:
// { appId, issueTs, expire, salt, signature, signingInfo, serviceCount,
//   services: [{ type, name, privileges: [[k, v]...], channel?, uid?, userId? }],
//   trailing }   (channel/uid/userId are Buffers)
function decode(token) {
  if (typeof token !== 'string' || !token.startsWith('007')) throw new Error('token does not start with "007"');
  const b64 = token.slice(3);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw new Error('token body is not standard padded base64');
  }
  const content = zlib.inflateSync(Buffer.from(b64, 'base64'));
  const r = new Reader(content);
  const signature = r.bytes();
  const signingInfo = content.subarray(r.pos);
  const appId = r.bytes().toString('latin1');
  const issueTs = r.u32();
  const expire = r.u32();
  const salt = r.u32();
  const serviceCount = r.u16();
  const services = [];
  for (let i = 0; i < serviceCount; i++) {
    const type = r.u16();
    const svc = { type, name: SERVICE_NAMES[type] || `unknown(${type})`, privileges: r.privileges() };
    if (type === 1) {
      svc.channel = r.bytes();
      svc.uid = r.bytes();
    } else if (type === 2 || type === 5) {
      svc.userId = r.bytes();
    } else {
      throw new Error(`unexpected service type ${type}`);
    }
    services.push(svc);
  }
  return { appId, issueTs, expire, salt, signature, signingInfo, serviceCount, services, trailing: content.length - r.pos };
}

// Signature check per spec section 2.2: k1 = HMAC(u32le(issue_ts), cert),
// k2 = HMAC(u32le(salt), k1), sig = HMAC(k2, signing_info).
function verify(decoded, certificate) {
  const u32 = (v) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const hmac = (key, msg) => crypto.createHmac('sha256', key).update(msg).digest();
  const k1 = hmac(u32(decoded.issueTs), Buffer.from(certificate, 'latin1'));
  const k2 = hmac(u32(decoded.salt), k1);
  const sig = hmac(k2, decoded.signingInfo);
  return sig.length === decoded.signature.length && crypto.timingSafeEqual(sig, decoded.signature);
}

module.exports = { decode, verify, SERVICE_NAMES };
