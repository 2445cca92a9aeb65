'use strict';
// The bad-input catalogue (data only): hostile requests, each with the
// answer the SERVICE gives and, where a leg differs, that leg's answer.
// tests/hostile/replay.js sends every entry through three legs:
//
//   nginx  raw HTTP/1.1 bytes -> nginx (location /, fastcgi_params) ->
//          FastCGI over a Unix socket -> one long-running service process;
//   fcgi   the same process, straight over its FastCGI socket, mounted at
//          the site root the way lighttpd passes it (SCRIPT_NAME "", the
//          raw REQUEST_URI), so it also gets what nginx refuses itself:
//          %00, malformed escapes, control bytes, huge headers;
//   cgi    the binary run once per request as a CGI script at
//          /cgi-bin/agora-token.cgi (REQUEST_URI carries that prefix).
//
// An entry:
//   name      unique
//   method    default GET
//   path      raw path (a latin1 string: every char is one byte on the wire)
//   query     raw query (without '?'), undefined = none
//   headers   [[name, value], ...] sent verbatim
//   body      string or Buffer
//   status    what the service answers
//   error     substring of the JSON error message naming the field; every
//             error body must be exactly {"error":"...","status":N}
//   tokens / expire / json / noBody / allow / acao / preflight: as in
//             tests/http/cases.js (checked by tests/http/check.js)
//   nginx     override for the nginx leg: { html: true, status } when nginx
//             answers itself (its HTML page: the service never sees it),
//             { none: true } when nginx closes without an answer, or
//             { status, error, ... } when the service answers differently
//   cgi       override for the cgi leg ({ status, error, ... }), and
//             cgiEnv: extra CGI variables (a lying CONTENT_LENGTH)
//   fcgi      override for the fcgi leg; fcgiParams: extra FastCGI params
//   raw       function(host) -> Buffer: the exact bytes of the nginx leg
//             (lying Content-Length); rawHalfClose: shut our side after it
//   legs      restrict to these legs
//   knownBug  { id, legs?, match? }: the entry states the documented
//             behaviour, which the binary does not have yet (README.md,
//             "Known bugs").  Problems on those legs (containing `match`, if
//             given) are reported as "ok ... # TODO known bug ID" and not
//             counted as failures; once fixed the entry passes plainly and a
//             note says to drop the tag.  HOSTILE_STRICT=1 counts them.

const { APP_ID, PUB, SUB } = require('../http/cases');

const rtc = (channel, uid, privs = PUB) => ({ type: 1, channel, uid, privs });
const rtm = (userId) => ({ type: 2, userId, privs: [1] });
const chatUser = (userId) => ({ type: 5, userId, privs: [1] });
const chatApp = () => ({ type: 5, userId: '', privs: [2] });
const rtmWithRtc = (channel, id) => [rtc(channel, id, [1, 4]), rtm(id)];
const pct = (s) => [...Buffer.from(s, 'latin1')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');

const JSONCT = [['Content-Type', 'application/json']];
const FORMCT = [['Content-Type', 'application/x-www-form-urlencoded']];
const post = (body, extra = {}) => ({ method: 'POST', path: '/getToken', headers: JSONCT, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), ...extra });
const form = (body, extra = {}) => ({ method: 'POST', path: '/getToken', headers: FORMCT, body, ...extra });
const NGINX400 = { html: true, status: 400 };
const NGINX414 = { html: true, status: 414 };

// Messages (substrings) naming each field.
const E = {
  channel: 'channelName must be 1-64 bytes',
  role: 'role must be one of',
  tokenTypePath: 'tokenType must be uid or userAccount',
  uidNum: 'uid must be a decimal number',
  account: 'uid must be a user account',
  rtmuid: 'rtmuid must be 1-64 bytes',
  rtmuid0: 'rtmuid must not be "0"',
  chatid: 'chatid must be 1-64 bytes',
  expiry: 'expiry must be a whole number',
  expiryTwice: 'expiry is given more than once',
  expire: 'expire must be a whole number',
  path: 'path has malformed percent-encoding',
  dots: 'path segments "." and ".."',
  pathLong: 'path is longer than 2048 bytes',
  queryLong: 'query string is longer than 4096 bytes',
  queryEsc: 'query string has malformed percent-encoding',
  route: 'no such route',
  method: 'method not allowed',
  json: 'body is not valid JSON',
  object: 'body must be a JSON object',
  bodyLarge: 'body is larger than 16384 bytes',
  media: 'Content-Type must be application/json or application/x-www-form-urlencoded',
  origin: 'origin not allowed',
  nul: 'NUL',
};

const list = [];
// Every printable ASCII byte but space, 64 of them (the id limit).
const PRINTABLE64 = Array.from({ length: 64 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
// Known bugs (see the header): what the entry may show until fixed.
const B1 = { id: 'B1', match: 'not printable ASCII' };
const B2 = { id: 'B2' };
const add = (...entries) => list.push(...entries);

// ---------------------------------------------------------------- A. limits
// Service limits: raw path 2 KiB and query 4 KiB (JSON 414), mount point
// included (so the CGI leg, whose REQUEST_URI starts with the 24-byte
// /cgi-bin/agora-token.cgi, reaches the path limit 24 bytes earlier).
// Past nginx's own 8 KiB request-line buffer nginx answers 414 itself.
const P = (n) => '/rtm/' + 'p'.repeat(n - 5); // a /rtm path of n bytes
add(
  { name: 'path of 2024 bytes: not 414 on any leg', path: P(2024), status: 400, error: E.rtmuid },
  { name: 'path of 2048 bytes (limit): 400 on the id, CGI 414 (prefix counts)', path: P(2048), status: 400, error: E.rtmuid, cgi: { status: 414, error: E.pathLong } },
  { name: 'path of 2049 bytes -> 414', path: P(2049), status: 414, error: E.pathLong },
  { name: 'path of 4 KiB -> 414', path: P(4096), status: 414, error: E.pathLong },
  { name: 'path of 8000 bytes -> JSON 414 (inside nginx buffer)', path: P(8000), status: 414, error: E.pathLong },
  { name: 'path of 9000 bytes: nginx 414 itself, service JSON 414', path: P(9000), status: 414, error: E.pathLong, nginx: NGINX414 },
  { name: 'path of 64 KiB: nginx 414 itself, service JSON 414', path: P(65536), status: 414, error: E.pathLong, nginx: NGINX414 },
  { name: 'unknown route of 2049 bytes -> 414 before routing', path: '/nope/' + 'x'.repeat(2043), status: 414, error: E.pathLong },
  { name: 'percent-encoded path of 2049 raw bytes -> 414 (raw bytes count)', path: '/rtm/' + '%41'.repeat(681) + 'ab', status: 414, error: E.pathLong },
  { name: 'query of 4096 bytes (limit) is fine', path: '/rtm/alice', query: 'expiry=60&x=' + 'q'.repeat(4084), status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 60 },
  { name: 'query of 4097 bytes -> 414', path: '/rtm/alice', query: 'x=' + 'q'.repeat(4095), status: 414, error: E.queryLong },
  { name: 'query of 6000 bytes on /ping -> 414', path: '/ping', query: 'x=' + 'q'.repeat(5998), status: 414, error: E.queryLong },
  { name: 'query of 9000 bytes: nginx 414 itself, service JSON 414', path: '/ping', query: 'x=' + 'q'.repeat(8998), status: 414, error: E.queryLong, nginx: NGINX414 },
  { name: 'query with 10 000 parameters: nginx 414 itself, service JSON 414', path: '/rtc/test/publisher/uid/1', query: Array.from({ length: 10000 }, (_, i) => `k${i}=${i}`).join('&'), status: 414, error: E.queryLong, nginx: NGINX414 },
  { name: 'query with 10 000 "&" and no parameter: nginx 414, service JSON 414', path: '/chat/app', query: '&'.repeat(10000), status: 414, error: E.queryLong, nginx: NGINX414 },
  { name: 'query with 2000 empty parameters then expiry', path: '/rtm/alice', query: '&'.repeat(2000) + 'expiry=30', status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 30 },
  { name: 'query with 800 unknown parameters', path: '/chat/app', query: Array.from({ length: 800 }, () => 'a=1').join('&'), status: 200, tokens: { chatToken: [chatApp()] } },
  { name: '9 path segments -> 404', path: '/a/b/c/d/e/f/g/h/i', status: 404, error: E.route },
  { name: '1000 path segments -> 404', path: '/x'.repeat(1000), status: 404, error: E.route },
  { name: '1000 empty segments -> 404', path: '/'.repeat(1000) + 'ping', status: 404, error: E.route },
);

// ---------------------------------------------------------------- B. length rules
const c64 = 'c'.repeat(64);
const c65 = 'c'.repeat(65);
const a255 = 'u'.repeat(255);
const a256 = 'u'.repeat(256);
const r64 = 'r'.repeat(64);
const r65 = 'r'.repeat(65);
add(
  { name: 'rtc channel 64 bytes', path: `/rtc/${c64}/publisher/uid/1`, status: 200, tokens: { rtcToken: [rtc(c64, '1')] } },
  { name: 'rtc channel 65 bytes -> 400', path: `/rtc/${c65}/publisher/uid/1`, status: 400, error: E.channel },
  { name: 'rtc channel 64 bytes, all percent-encoded', path: `/rtc/${pct(c64)}/subscriber/uid/1`, status: 200, tokens: { rtcToken: [rtc(c64, '1', SUB)] } },
  { name: 'rtc channel 65 bytes, all percent-encoded -> 400', path: `/rtc/${pct(c65)}/publisher/uid/1`, status: 400, error: E.channel },
  { name: 'rte channel 64 bytes', path: `/rte/${c64}/publisher/uid/5`, status: 200, tokens: { rtcToken: [rtc(c64, '5')], rtmToken: rtmWithRtc(c64, '5') } },
  { name: 'rte channel 65 bytes -> 400', path: `/rte/${c65}/publisher/uid/5`, status: 400, error: E.channel },
  { name: 'rtc userAccount 255 bytes', path: `/rtc/test/publisher/userAccount/${a255}`, status: 200, tokens: { rtcToken: [rtc('test', a255)] } },
  { name: 'rtc userAccount 256 bytes -> 400', path: `/rtc/test/publisher/userAccount/${a256}`, status: 400, error: E.account },
  { name: 'rtc userAccount 256 bytes percent-encoded -> 400', path: `/rtc/test/publisher/userAccount/${pct(a256)}`, status: 400, error: E.account },
  { name: 'rte userAccount 256 bytes -> 400', path: `/rte/test/publisher/userAccount/${a256}/bob`, status: 400, error: E.account },
  { name: 'rtm id 64 bytes', path: `/rtm/${r64}`, status: 200, tokens: { rtmToken: [rtm(r64)] } },
  { name: 'rtm id 65 bytes -> 400', path: `/rtm/${r65}`, status: 400, error: E.rtmuid },
  { name: 'rte rtmuid 64 bytes', path: `/rte/test/subscriber/uid/9/${r64}`, status: 200, tokens: { rtcToken: [rtc('test', '9', SUB)], rtmToken: rtmWithRtc('test', r64) } },
  { name: 'rte rtmuid 65 bytes -> 400', path: `/rte/test/subscriber/uid/9/${r65}`, status: 400, error: E.rtmuid },
  { name: 'rte userAccount of 65 bytes as default rtmuid -> 400', path: `/rte/test/publisher/userAccount/${r65}`, status: 400, error: E.rtmuid },
  { name: 'chat id 64 bytes', path: `/chat/account/${r64}`, status: 200, tokens: { chatToken: [chatUser(r64)] } },
  { name: 'chat id 65 bytes -> 400', path: `/chat/account/${r65}`, status: 400, error: E.chatid },
  { name: 'uid 4294967295', path: '/rtc/test/publisher/uid/4294967295', status: 200, tokens: { rtcToken: [rtc('test', '4294967295')] } },
  { name: 'uid 4294967296 -> 400', path: '/rtc/test/publisher/uid/4294967296', status: 400, error: E.uidNum },
  { name: 'expiry=86400 (max)', path: '/chat/app', query: 'expiry=86400', status: 200, tokens: { chatToken: [chatApp()] }, expire: 86400 },
  { name: 'expiry=86401 -> 400', path: '/chat/app', query: 'expiry=86401', status: 400, error: E.expiry },
  { name: 'expiry=1 (min)', path: '/rtm/alice', query: 'expiry=1', status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 1 },
  { name: 'expiry=0 -> 400', path: '/rtm/alice', query: 'expiry=0', status: 400, error: E.expiry },
  { name: 'POST json channel 64 bytes', ...post({ tokenType: 'rtc', channel: c64, role: 'publisher', uid: 3 }), status: 200, tokens: { token: [rtc(c64, '3')] } },
  { name: 'POST json channel 65 bytes -> 400', ...post({ tokenType: 'rtc', channel: c65, role: 'publisher', uid: 3 }), status: 400, error: 'channel' },
  { name: 'POST json account 255 bytes', ...post({ tokenType: 'rtc', channel: 'c', role: 'publisher', uid: a255 }), status: 200, tokens: { token: [rtc('c', a255)] } },
  { name: 'POST json account 256 bytes -> 400', ...post({ tokenType: 'rtc', channel: 'c', role: 'publisher', uid: a256 }), status: 400, error: 'uid is too long' },
  { name: 'POST json rtm uid 65 bytes -> 400', ...post({ tokenType: 'rtm', uid: r65 }), status: 400, error: 'uid must be 1-64 bytes' },
  { name: 'POST json chat uid 65 bytes -> 400', ...post({ tokenType: 'chat', uid: r65 }), status: 400, error: 'uid must be 1-64 bytes' },
  { name: 'POST json 4 KiB channel -> 400', ...post({ tokenType: 'rtc', channel: 'c'.repeat(4096), role: 'publisher', uid: 3 }), status: 400, error: 'channel is too long' },
  { name: 'POST form channel 65 bytes -> 400', ...form(`tokenType=rtc&channel=${c65}&role=1&uid=3`), status: 400, error: 'channel' },
  { name: 'POST form uid 300 bytes -> 400', ...form(`tokenType=rtm&uid=${'u'.repeat(300)}`), status: 400, error: 'uid' },
  { name: 'POST form uid 256 bytes percent-encoded -> 400', ...form(`tokenType=rtc&channel=c&role=1&uid=${pct(a256)}`), status: 400, error: 'uid' },
);

// ---------------------------------------------------------------- C. bytes outside the sets
// Channel names and accounts: a-z A-Z 0-9 space !#$%&()+-:;<=.>?@[]^_{}|~,
// RTM and chat ids: printable ASCII not starting with a space.
const badChannelBytes = {
  '%01': '\x01', '%09 (tab)': '\t', '%0A (LF)': '\n', '%0D (CR)': '\r', '%1B (ESC)': '\x1b', '%1F': '\x1f', '%22 (")': '"', "%27 (')": "'",
  '%2A (*)': '*', '%2F (/)': '/', '%5C (\\)': '\\', '%60 (`)': '`', '%7F (DEL)': '\x7f', '%80': '\x80', '%FF': '\xff',
  '%C3%A9 (UTF-8 e-acute)': '\xc3\xa9', '%C0%AF (overlong /)': '\xc0\xaf', '%E0%80%AF (overlong 3-byte /)': '\xe0\x80\xaf',
  '%C0%80 (overlong NUL)': '\xc0\x80', '%ED%A0%80 (UTF-16 surrogate)': '\xed\xa0\x80', '%F4%90%80%80 (> U+10FFFF)': '\xf4\x90\x80\x80',
  '%EF%BB%BF (BOM)': '\xef\xbb\xbf', '%E2%80%AE (RTL override)': '\xe2\x80\xae', '%C3%28 (invalid UTF-8)': '\xc3(', '%E2%82 (truncated UTF-8)': '\xe2\x82',
  '%FE%FF': '\xfe\xff',
};
for (const [label, bytes] of Object.entries(badChannelBytes)) {
  const enc = pct(bytes);
  add({ name: `rtc channel with ${label} -> 400`, path: `/rtc/a${enc}b/publisher/uid/1`, status: 400, error: E.channel });
}
add(
  { name: 'rtc channel with %00 -> 400 (nginx refuses it itself)', path: '/rtc/a%00b/publisher/uid/1', status: 400, error: E.path, nginx: NGINX400 },
  { name: 'rtc channel with raw byte 0x01: nginx 400, service 400', path: '/rtc/a\x01b/publisher/uid/1', status: 400, error: E.channel, nginx: NGINX400 },
  { name: 'rtc channel with raw tab: nginx 400, service 400', path: '/rtc/a\tb/publisher/uid/1', status: 400, error: E.channel, nginx: NGINX400 },
  { name: 'rtc channel with raw DEL: nginx 400, service 400', path: '/rtc/a\x7fb/publisher/uid/1', status: 400, error: E.channel, nginx: NGINX400 },
  { name: 'rtc channel with raw byte 0x80 -> 400', path: '/rtc/a\x80b/publisher/uid/1', status: 400, error: E.channel },
  { name: 'rtc channel with raw byte 0xFF -> 400', path: '/rtc/a\xffb/publisher/uid/1', status: 400, error: E.channel },
  { name: 'rtc channel with raw overlong C0 AF -> 400', path: '/rtc/a\xc0\xafb/publisher/uid/1', status: 400, error: E.channel },
  { name: 'rtc channel with raw UTF-8 -> 400', path: '/rtc/caf\xc3\xa9/publisher/uid/1', status: 400, error: E.channel },
  { name: 'rtc channel with raw "*" -> 400', path: '/rtc/a*b/publisher/uid/1', status: 400, error: E.channel },
  { name: 'rtc channel with raw quote -> 400', path: '/rtc/a"b/publisher/uid/1', status: 400, error: E.channel },
  { name: 'rtc channel of spaces only is allowed', path: '/rtc/%20%20/publisher/uid/1', status: 200, tokens: { rtcToken: [rtc('  ', '1')] } },
);
// Every byte value, percent-encoded, inside a channel name and inside an
// RTM id: a token exactly when the byte is in the field's set.
const CHANNEL_SET = new Set([...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()+-:;<=.>?@[]^_{}|~,'].map((c) => c.charCodeAt(0)));
for (let b = 0; b < 256; b++) {
  const hex = b.toString(16).toUpperCase().padStart(2, '0');
  const ch = `a${String.fromCharCode(b)}b`;
  if (b === 0) add({ name: 'every byte: channel with %00 -> 400', path: '/rtc/a%00b/publisher/uid/1', status: 400, error: E.path, nginx: NGINX400 });
  else if (CHANNEL_SET.has(b)) add({ name: `every byte: channel with %${hex} -> token`, path: `/rtc/a%${hex}b/publisher/uid/1`, status: 200, tokens: { rtcToken: [rtc(ch, '1')] } });
  else add({ name: `every byte: channel with %${hex} -> 400`, path: `/rtc/a%${hex}b/publisher/uid/1`, status: 400, error: E.channel });
  const id = `a${String.fromCharCode(b)}`;
  if (b === 0) add({ name: 'every byte: RTM id with %00 -> 400', path: '/rtm/a%00', status: 400, error: E.path, nginx: NGINX400 });
  else if (b >= 0x20 && b <= 0x7e) add({ name: `every byte: RTM id with %${hex} -> token`, path: `/rtm/a%${hex}`, status: 200, tokens: { rtmToken: [rtm(id)] } });
  else add({ name: `every byte: RTM id with %${hex} -> 400`, path: `/rtm/a%${hex}`, status: 400, error: E.rtmuid });
}
const badIdBytes = {
  '%00': ['\x00', E.path], '%01': ['\x01'], '%09 (tab)': ['\t'], '%0A (LF)': ['\n'], '%0D%0A (CRLF)': ['\r\n'], '%1B (ESC)': ['\x1b'], '%7F (DEL)': ['\x7f'],
  '%80': ['\x80'], '%FF': ['\xff'], '%C3%A9 (UTF-8)': ['\xc3\xa9'], '%C0%AF (overlong)': ['\xc0\xaf'], '%ED%A0%80 (surrogate)': ['\xed\xa0\x80'],
};
for (const [label, [bytes, err]] of Object.entries(badIdBytes)) {
  const nginx = bytes === '\x00' ? NGINX400 : undefined;
  add({ name: `rtm id with ${label} -> 400`, path: `/rtm/a${pct(bytes)}b`, status: 400, error: err || E.rtmuid, nginx });
  add({ name: `chat id with ${label} -> 400`, path: `/chat/account/a${pct(bytes)}b`, status: 400, error: err || E.chatid, nginx });
}
add(
  { name: 'rtm id with leading space -> 400', path: '/rtm/%20bob', status: 400, error: E.rtmuid },
  { name: 'chat id with leading space -> 400', path: '/chat/account/%20bob', status: 400, error: E.chatid },
  { name: 'rte rtmuid with %7F -> 400', path: '/rte/test/publisher/uid/1/a%7F', status: 400, error: E.rtmuid },
  { name: 'rte rtmuid "0" -> 400', path: '/rte/test/publisher/uid/1/0', status: 400, error: E.rtmuid0 },
  { name: 'rtm id with raw 0x01: nginx 400, service 400', path: '/rtm/a\x01', status: 400, error: E.rtmuid, nginx: NGINX400 },
  { name: 'rtm id with raw 0x80 -> 400', path: '/rtm/a\x80', status: 400, error: E.rtmuid },
  { name: 'rtm id of 64 printable ASCII bytes, all escaped', path: '/rtm/' + pct(PRINTABLE64), status: 200, tokens: { rtmToken: [rtm(PRINTABLE64)] } },
  { name: 'chat id of 64 printable ASCII bytes, all escaped', path: '/chat/account/' + pct(PRINTABLE64.split('').reverse().join('')), status: 200, tokens: { chatToken: [chatUser(PRINTABLE64.split('').reverse().join(''))] } },
  { name: 'account with %2F -> 400', path: '/rtc/test/publisher/userAccount/a%2Fb', status: 400, error: E.account },
  { name: 'account with %C0%AF -> 400', path: '/rtc/test/publisher/userAccount/a%C0%AFb', status: 400, error: E.account },
  { name: 'account with %0D%0A -> 400', path: '/rtc/test/publisher/userAccount/a%0D%0Ab', status: 400, error: E.account },
  { name: 'account with %7F -> 400', path: '/rtc/test/publisher/userAccount/a%7F', status: 400, error: E.account },
  { name: 'role with %00 -> 400', path: '/rtc/test/pub%00lisher/uid/1', status: 400, error: E.path, nginx: NGINX400 },
  { name: 'role "publisher " (trailing space) -> 400', path: '/rtc/test/publisher%20/uid/1', status: 400, error: E.role },
  { name: 'role in UTF-8 lookalike -> 400', path: '/rtc/test/publ%C4%B1sher/uid/1', status: 400, error: E.role },
  { name: 'tokenType with control byte, escaped in the message', path: '/rtc/test/publisher/u%01id/1', status: 400, error: 'got "u\\x01id"' },
  { name: 'tokenType with UTF-8, escaped in the message', path: '/rtc/test/publisher/%C3%BCid/1', status: 400, error: 'got "\\xc3\\xbcid"' },
  { name: 'tokenType of 300 bytes, cut in the message', path: `/rtc/test/publisher/${'t'.repeat(300)}/1`, status: 400, error: `got "${'t'.repeat(64)}..."` },
);

// ---------------------------------------------------------------- D. malformed escapes
const badEscapes = ['%', '%4', '%G1', '%4G', '%%', '%%41', '%-1', '%u0041', '%+1'];
for (const esc of badEscapes) {
  add({ name: `rtm id with malformed escape "${esc}" -> 400 (nginx refuses it)`, path: `/rtm/a${esc}`, status: 400, error: E.path, nginx: NGINX400 });
}
add(
  { name: 'channel ending in "%" -> 400', path: '/rtc/abc%/publisher/uid/1', status: 400, error: E.path, nginx: NGINX400 },
  { name: 'malformed escape in the route name -> 400', path: '/rt%Gc/test', status: 400, error: E.path, nginx: NGINX400 },
  { name: 'query: expiry=%G1 -> 400', path: '/rtm/alice', query: 'expiry=%G1', status: 400, error: E.expiry },
  { name: 'query: expiry=6% -> 400', path: '/rtm/alice', query: 'expiry=6%', status: 400, error: E.expiry },
  { name: 'query: expiry=%00 -> 400', path: '/rtm/alice', query: 'expiry=%00', status: 400, error: E.expiry },
  { name: 'query: expiry=1%00 -> 400', path: '/rtm/alice', query: 'expiry=1%00', status: 400, error: E.expiry },
  { name: 'query: malformed key %G1 -> 400', path: '/rtm/alice', query: '%G1=5', status: 400, error: E.queryEsc },
  { name: 'query: malformed key % -> 400', path: '/rtm/alice', query: '%=5', status: 400, error: E.queryEsc },
  { name: 'query: unknown key with malformed value is ignored', path: '/rtm/alice', query: 'x=%&expiry=40', status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 40 },
  { name: 'query: encoded key %65xpiry is expiry', path: '/rtm/alice', query: '%65xpiry=50', status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 50 },
);

// ---------------------------------------------------------------- E. %2F, .. and //
add(
  { name: '%2F in a channel -> 400, never a separator', path: '/rtc/a%2Fpublisher/publisher/uid/1', status: 400, error: E.channel },
  { name: '%2F in an RTM id stays in the id', path: '/rtm/a%2Fb', status: 200, tokens: { rtmToken: [rtm('a/b')] } },
  { name: '%2F in a chat id stays in the id', path: '/chat/account/a%2F..%2Fb', status: 200, tokens: { chatToken: [chatUser('a/../b')] } },
  { name: '%2F joining route segments -> 404', path: '/rtm%2Falice', status: 404, error: E.route },
  { name: '%2F before the route -> 404', path: '/%2Fping', status: 404, error: E.route },
  { name: '"/chat%2Fapp" is not /chat/app -> 404', path: '/chat%2Fapp', status: 404, error: E.route },
  { name: '".." segment -> 400', path: '/rtc/../ping', status: 400, error: E.dots },
  { name: '".." as the RTM id -> 400', path: '/rtm/..', status: 400, error: E.dots },
  { name: '"%2E%2E" as the RTM id -> 400', path: '/rtm/%2E%2E', status: 400, error: E.dots },
  { name: '".%2e" as the chat id -> 400', path: '/chat/account/.%2e', status: 400, error: E.dots },
  { name: '"." as the RTM id -> 400', path: '/rtm/.', status: 400, error: E.dots },
  { name: '"%2e" as the RTM id -> 400', path: '/rtm/%2e', status: 400, error: E.dots },
  { name: '"..." is an ordinary RTM id', path: '/rtm/...', status: 200, tokens: { rtmToken: [rtm('...')] } },
  { name: '"/ping/.." -> 400', path: '/ping/..', status: 400, error: E.dots },
  { name: '"/./ping" -> 400', path: '/./ping', status: 400, error: E.dots },
  { name: '"/../ping" above the root: nginx 400 itself, service 400', path: '/../ping', status: 400, error: E.dots, nginx: NGINX400 },
  { name: '"/rtc/./test/publisher/uid/1" -> 400', path: '/rtc/./test/publisher/uid/1', status: 400, error: E.dots },
  { name: '"//ping" -> 404', path: '//ping', status: 404, error: E.route },
  // Through nginx's "location /" config SCRIPT_NAME is the path with its
  // slashes merged ("/ping/"), which must not be taken for a mount point.
  { name: '"/ping//" -> 404', path: '/ping//', status: 404, error: E.route },
  { name: '"/nope//" -> 404', path: '/nope//', status: 404, error: E.route },
  { name: '"/rtm/alice//" -> 404', path: '/rtm/alice//', status: 404, error: E.route },
  { name: '"///" -> 404', path: '///', status: 404, error: E.route },
  { name: '"/rtc//publisher/uid/1" (empty channel) -> 400', path: '/rtc//publisher/uid/1', status: 400, error: E.channel },
  { name: '"/rtm//" (empty id) -> 400', path: '/rtm//', status: 400, error: E.rtmuid },
  { name: '"/chat//app" -> 404', path: '/chat//app', status: 404, error: E.route },
  { name: '"/rtc/test//uid/1" (empty role) -> 400', path: '/rtc/test//uid/1', status: 400, error: E.role },
);

// ---------------------------------------------------------------- F. numbers
const badUids = {
  '+1 (literal plus)': '+1', '%2B1': '%2B1', '-1': '-1', '%201 (leading space)': '%201', '1%20 (trailing space)': '1%20', '0x10': '0x10', '0X1A': '0X1A',
  '1e3': '1e3', '1E3': '1E3', '1.0': '1.0', '1,000': '1,000', 'fullwidth digit one': '%EF%BC%91', 'arabic-indic three': '%D9%A3', '20 digits': '9'.repeat(20),
  '2^64': '18446744073709551616', '2^32 + 1': '4294967297', '4294967296 with leading zeros': '0004294967296', '"1%00"': '1%00',
};
for (const [label, v] of Object.entries(badUids)) {
  add({ name: `uid ${label} -> 400`, path: `/rtc/test/publisher/uid/${v}`, status: 400, error: v === '1%00' ? E.path : E.uidNum, nginx: v === '1%00' ? NGINX400 : undefined });
}
add(
  { name: 'uid with 26 leading zeros is 42', path: `/rtc/test/publisher/uid/${'0'.repeat(26)}42`, status: 200, tokens: { rtcToken: [rtc('test', '42')] } },
  { name: 'uid of 30 zeros is the wildcard', path: `/rtc/test/subscriber/uid/${'0'.repeat(30)}`, status: 200, tokens: { rtcToken: [rtc('test', '', SUB)] } },
);
const badExpiries = {
  '+60 (a space)': '+60', '%2B60': '%2B60', '-60': '-60', '%2060': '%2060', '60%20': '60%20', '0x3c': '0x3c', '6e1': '6e1', '60.0': '60.0', '60,0': '60,0',
  '20 digits': '9'.repeat(20), '2^32 + 60 (wraps to 60)': '4294967356', '2^64 + 60': '18446744073709551676', '%EF%BC%96%EF%BC%90 (fullwidth 60)': '%EF%BC%96%EF%BC%90',
  '60; with junk': '60;expiry=70', 'empty': '', '33 digits': '0'.repeat(31) + '60',
};
for (const [label, v] of Object.entries(badExpiries)) {
  add({ name: `expiry ${label} -> 400`, path: '/rtc/test/publisher/uid/1', query: `expiry=${v}`, status: 400, error: E.expiry });
}
add(
  { name: 'expiry with 18 leading zeros is 60', path: '/rtm/alice', query: 'expiry=00000000000000000060', status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 60 },
  { name: 'EXPIRY (other case) is another key, ignored', path: '/rtm/alice', query: 'EXPIRY=5&Expiry=6', status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 3600 },
);
const badJsonExpire = {
  'string "60"': '"60"', '6e1': '6e1', '60.0': '60.0', '-60': '-60', '2^32 + 60': '4294967356', 'true': 'true', 'null': 'null', '[]': '[]', '{}': '{}', '86401': '86401',
};
for (const [label, v] of Object.entries(badJsonExpire)) {
  add({ name: `POST json expire ${label} -> 400`, ...post(`{"tokenType":"rtm","uid":"a","expire":${v}}`), status: 400, error: E.expire });
}
add(
  { name: 'POST json expire 1e400 (overflow) -> 400', ...post('{"tokenType":"rtm","uid":"a","expire":1e400}'), status: 400, error: E.json },
  { name: 'POST json expire 20 digits (too big) -> 400', ...post('{"tokenType":"rtm","uid":"a","expire":99999999999999999999}'), status: 400, error: E.json },
  { name: 'POST json uid 4294967296 -> 400', ...post('{"tokenType":"rtc","channel":"c","role":1,"uid":4294967296}'), status: 400, error: 'uid is out of range' },
  { name: 'POST json uid -1 -> 400', ...post('{"tokenType":"rtc","channel":"c","role":1,"uid":-1}'), status: 400, error: 'uid is out of range' },
  { name: 'POST json uid 1.5 -> 400', ...post('{"tokenType":"rtc","channel":"c","role":1,"uid":1.5}'), status: 400, error: 'uid must be a string or an integer' },
  { name: 'POST json uid "+1" is an account, "+" allowed', ...post('{"tokenType":"rtc","channel":"c","role":1,"uid":"+1"}'), status: 200, tokens: { token: [rtc('c', '+1')] } },
  { name: 'POST json uid " 1" is an account', ...post('{"tokenType":"rtc","channel":"c","role":1,"uid":" 1"}'), status: 200, tokens: { token: [rtc('c', ' 1')] } },
  { name: 'POST json uid "4294967296" (digits) -> 400', ...post('{"tokenType":"rtc","channel":"c","role":1,"uid":"4294967296"}'), status: 400, error: E.uidNum },
  { name: 'POST json role 3 -> 400', ...post('{"tokenType":"rtc","channel":"c","role":3,"uid":1}'), status: 400, error: E.role },
  { name: 'POST json role -1 -> 400', ...post('{"tokenType":"rtc","channel":"c","role":-1,"uid":1}'), status: 400, error: 'role is out of range' },
  { name: 'POST json role 1.0 -> 400', ...post('{"tokenType":"rtc","channel":"c","role":1.0,"uid":1}'), status: 400, error: 'role must be a string or an integer' },
  { name: 'POST json role "publisher " -> 400', ...post('{"tokenType":"rtc","channel":"c","role":"publisher ","uid":1}'), status: 400, error: E.role },
  { name: 'POST form expire "+60" (a space) -> 400', ...form('tokenType=rtm&uid=a&expire=+60'), status: 400, error: E.expire },
  { name: 'POST form expire %2B60 -> 400', ...form('tokenType=rtm&uid=a&expire=%2B60'), status: 400, error: E.expire },
  { name: 'POST form expire 0x3c -> 400', ...form('tokenType=rtm&uid=a&expire=0x3c'), status: 400, error: E.expire },
  { name: 'POST form expire 6e1 -> 400', ...form('tokenType=rtm&uid=a&expire=6e1'), status: 400, error: E.expire },
  { name: 'POST form expire -1 -> 400', ...form('tokenType=rtm&uid=a&expire=-1'), status: 400, error: E.expire },
  { name: 'POST form expire 20 digits -> 400', ...form(`tokenType=rtm&uid=a&expire=${'9'.repeat(20)}`), status: 400, error: E.expire },
  { name: 'POST form uid 20 digits -> 400', ...form(`tokenType=rtc&channel=c&role=1&uid=${'9'.repeat(20)}`), status: 400, error: E.uidNum },
);

// ---------------------------------------------------------------- G. keys given twice
add(
  { name: 'expiry=60&expiry=7200 -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=60&expiry=7200', status: 400, error: E.expiryTwice },
  { name: 'expiry twice, same value -> 400', path: '/rtm/alice', query: 'expiry=60&expiry=60', status: 400, error: E.expiryTwice },
  { name: 'expiry twice, once encoded -> 400', path: '/rtm/alice', query: 'expiry=60&%65xpiry=7200', status: 400, error: E.expiryTwice },
  { name: 'expiry twice, second without value -> 400', path: '/chat/app', query: 'expiry=60&expiry', status: 400, error: E.expiryTwice },
  { name: 'expiry 400 times -> 400', path: '/chat/app', query: Array.from({ length: 400 }, () => 'expiry=60').join('&'), status: 400, error: E.expiryTwice },
  { name: 'expiry twice on rte -> 400', path: '/rte/test/publisher/uid/1', query: 'expiry=60&x=1&expiry=70', status: 400, error: E.expiryTwice },
  { name: 'POST json duplicate uid -> 400', ...post('{"tokenType":"rtm","uid":"a","uid":"b"}'), status: 400, error: 'duplicate object key' },
  { name: 'POST json duplicate tokenType -> 400', ...post('{"tokenType":"chat","tokenType":"rtm","uid":"a"}'), status: 400, error: 'duplicate object key' },
  { name: 'POST json duplicate expire -> 400', ...post('{"tokenType":"rtm","uid":"a","expire":60,"expire":7200}'), status: 400, error: 'duplicate object key' },
  { name: 'POST json duplicate unknown key -> 400', ...post('{"x":1,"x":2,"tokenType":"rtm","uid":"a"}'), status: 400, error: 'duplicate object key' },
  { name: 'POST json duplicate key, one escaped -> 400', ...post('{"tokenType":"rtm","uid":"a","u\\u0069d":"b"}'), status: 400, error: 'duplicate object key' },
  { name: 'POST form duplicate uid -> 400', ...form('tokenType=rtm&uid=a&uid=b'), status: 400, error: 'uid is given more than once' },
  { name: 'POST form duplicate tokenType -> 400', ...form('tokenType=chat&tokenType=rtm&uid=a'), status: 400, error: 'tokenType is given more than once' },
  { name: 'POST form duplicate expire -> 400', ...form('tokenType=rtm&uid=a&expire=1&expire=2'), status: 400, error: 'expire is given more than once' },
  { name: 'POST form duplicate channel, one encoded key -> 400', ...form('tokenType=rtc&channel=a&ch%61nnel=b&role=1&uid=1'), status: 400, error: 'channel is given more than once' },
  { name: 'POST form duplicate unknown key is ignored', ...form('x=1&x=2&tokenType=rtm&uid=a'), status: 200, tokens: { token: [rtm('a')] } },
);

// ---------------------------------------------------------------- H. POST bodies
const J = '{"tokenType":"rtm","uid":"alice"}';
add(
  { name: 'POST json empty body -> 400', ...post(''), status: 400, error: E.json },
  { name: 'POST form empty body -> 400', ...form(''), status: 400, error: 'tokenType is required' },
  { name: 'POST json "{" -> 400', ...post('{'), status: 400, error: E.json },
  { name: 'POST json truncated in a key -> 400', ...post('{"tokenTy'), status: 400, error: E.json },
  { name: 'POST json truncated in a value -> 400', ...post('{"tokenType":"rt'), status: 400, error: E.json },
  { name: 'POST json without closing brace -> 400', ...post('{"tokenType":"rtm","uid":"alice"'), status: 400, error: E.json },
  { name: 'POST json truncated escape -> 400', ...post('{"tokenType":"rtm","uid":"\\u00'), status: 400, error: E.json },
  { name: 'POST body of 16384 bytes is read', ...post(J.padEnd(16384, ' ')), status: 200, tokens: { token: [rtm('alice')] } },
  { name: 'POST body of 16385 bytes -> 413', ...post(J.padEnd(16385, ' ')), status: 413, error: E.bodyLarge },
  { name: 'POST body of 1 MiB -> 413', ...post(J.padEnd(1048576, ' ')), status: 413, error: E.bodyLarge },
  { name: 'POST body of 1 MiB + 1: nginx 413 itself, service JSON 413', ...post(J.padEnd(1048577, ' ')), status: 413, error: E.bodyLarge, nginx: { html: true, status: 413 } },
  { name: 'POST form body of 1 MiB -> 413', ...form('tokenType=rtm&uid=a&x=' + 'x'.repeat(1048550)), status: 413, error: E.bodyLarge },
  { name: 'POST json 10 000 "[" -> 400', ...post('['.repeat(10000)), status: 400, error: E.json },
  { name: 'POST json 10 000 "[" inside a field -> 400', ...post('{"tokenType":"rtm","uid":"a","x":' + '['.repeat(10000) + '}'), status: 400, error: E.json },
  { name: 'POST json 2500 nested objects -> 400', ...post('{"a":'.repeat(2500) + '1' + '}'.repeat(2500)), status: 400, error: E.json },
  { name: 'POST json 2000 nested arrays in an unknown field: parsed, ignored', ...post('{"tokenType":"rtm","uid":"a","x":' + '['.repeat(2000) + ']'.repeat(2000) + '}'), status: 200, tokens: { token: [rtm('a')] } },
  { name: 'POST json \\u0000 in tokenType -> 400', ...post('{"tokenType":"rtm\\u0000","uid":"a"}'), status: 400, error: E.nul },
  { name: 'POST json \\u0000 in channel -> 400', ...post('{"tokenType":"rtc","channel":"c\\u0000d","role":1,"uid":1}'), status: 400, error: E.nul },
  { name: 'POST json \\u0000 in role -> 400', ...post('{"tokenType":"rtc","channel":"c","role":"publisher\\u0000","uid":1}'), status: 400, error: E.nul },
  { name: 'POST json \\u0000 in uid -> 400', ...post('{"tokenType":"rtm","uid":"\\u0000"}'), status: 400, error: E.nul },
  { name: 'POST json \\u0000 in an unknown field -> 400', ...post('{"tokenType":"rtm","uid":"a","note":"x\\u0000"}'), status: 400, error: E.nul },
  { name: 'POST json \\u0000 in a key -> 400', ...post('{"tokenType":"rtm","uid":"a","k\\u0000":1}'), status: 400, error: E.nul },
  { name: 'POST json raw NUL byte -> 400', ...post(Buffer.from('{"tokenType":"rtm","uid":"a\x00b"}', 'latin1')), status: 400, error: E.json },
  { name: 'POST json raw control byte in a string -> 400', ...post(Buffer.from('{"tokenType":"rtm","uid":"a\x01b"}', 'latin1')), status: 400, error: E.json },
  { name: 'POST json invalid UTF-8 byte -> 400', ...post(Buffer.from('{"tokenType":"rtm","uid":"a\xffb"}', 'latin1')), status: 400, error: E.json },
  { name: 'POST json overlong UTF-8 -> 400', ...post(Buffer.from('{"tokenType":"rtm","uid":"a\xc0\xafb"}', 'latin1')), status: 400, error: E.json },
  { name: 'POST json lone surrogate escape -> 400', ...post('{"tokenType":"rtm","uid":"\\udc00"}'), status: 400, error: E.json },
  { name: 'POST json valid UTF-8 uid -> 400 (not printable ASCII)', ...post('{"tokenType":"rtm","uid":"caf\\u00e9"}'), status: 400, error: 'uid must be 1-64 bytes' },
  // SECURITY.md: "Error messages that quote input escape every non-printable
  // byte".  The JSON parser's own message quotes the bytes near the error.
  { name: 'POST json stray control byte: message escapes it', ...post(Buffer.from('{"tokenType":"rtm",\x01}', 'latin1')), status: 400, error: E.json },
  { name: 'POST json stray UTF-8 bytes: message escapes them', ...post(Buffer.from('{"tokenType":"rtm", \xc3\xa9}', 'latin1')), status: 400, error: E.json },
  { name: 'POST json UTF-8 BOM: message escapes it', ...post(Buffer.from('\xef\xbb\xbf' + J, 'latin1')), status: 400, error: E.json },
  // An invalid escape followed by a multi-byte UTF-8 character: the
  // parser's message quotes half the character, the reply cannot be built
  // and the answer is 500 "internal error", logged as "out of memory".
  { name: 'POST json invalid escape before UTF-8 in a value -> 400, not 500', ...post(Buffer.from('{"tokenType":"rtm","uid":"\\\xc3\xa9"}', 'latin1')), status: 400, error: E.json },
  { name: 'POST json invalid escape before UTF-8 in an array -> 400, not 500', ...post(Buffer.from('["\\\xc3\xa9"]', 'latin1')), status: 400, error: E.json },
  { name: 'POST json invalid escape before a 3-byte character -> 400, not 500', ...post(Buffer.from('{"a":"\\\xe2\x82\xac"}', 'latin1')), status: 400, error: E.json },
  { name: 'POST json root array -> 400', ...post('[]'), status: 400, error: E.object },
  { name: 'POST json root string -> 400', ...post('"rtm"'), status: 400, error: E.json },
  { name: 'POST json root number -> 400', ...post('1'), status: 400, error: E.json },
  { name: 'POST json root null -> 400', ...post('null'), status: 400, error: E.json },
  { name: 'POST json two objects -> 400', ...post(J + J), status: 400, error: E.json },
  { name: 'POST json tokenType 1 -> 400', ...post('{"tokenType":1,"uid":"a"}'), status: 400, error: 'tokenType must be a string' },
  { name: 'POST json tokenType [] -> 400', ...post('{"tokenType":["rtm"],"uid":"a"}'), status: 400, error: 'tokenType must be a string' },
  { name: 'POST json tokenType null -> 400', ...post('{"tokenType":null,"uid":"a"}'), status: 400, error: 'tokenType must be a string' },
  { name: 'POST json tokenType {} -> 400', ...post('{"tokenType":{},"uid":"a"}'), status: 400, error: 'tokenType must be a string' },
  { name: 'POST json tokenType "RTM" -> 400', ...post('{"tokenType":"RTM","uid":"a"}'), status: 400, error: 'tokenType must be rtc, rtm or chat' },
  { name: 'POST json channel 5 -> 400', ...post('{"tokenType":"rtc","channel":5,"role":1,"uid":1}'), status: 400, error: 'channel must be a string' },
  { name: 'POST json channel null -> 400', ...post('{"tokenType":"rtc","channel":null,"role":1,"uid":1}'), status: 400, error: 'channel must be a string' },
  { name: 'POST json role true -> 400', ...post('{"tokenType":"rtc","channel":"c","role":true,"uid":1}'), status: 400, error: 'role must be a string or an integer' },
  { name: 'POST json uid true -> 400', ...post('{"tokenType":"rtm","uid":true}'), status: 400, error: 'uid must be a string or an integer' },
  { name: 'POST json uid null -> 400', ...post('{"tokenType":"rtm","uid":null}'), status: 400, error: 'uid must be a string or an integer' },
  { name: 'POST json uid {} -> 400', ...post('{"tokenType":"chat","uid":{}}'), status: 400, error: 'uid must be a string or an integer' },
  { name: 'POST json uid [] -> 400', ...post('{"tokenType":"chat","uid":[]}'), status: 400, error: 'uid must be a string or an integer' },
  { name: 'POST json chat uid "" -> 400, never an app token', ...post('{"tokenType":"chat","uid":""}'), status: 400, error: 'uid must be 1-64 bytes' },
  { name: 'POST text/plain -> 415', ...post(J, { headers: [['Content-Type', 'text/plain']] }), status: 415, error: E.media },
  { name: 'POST multipart/form-data -> 415', ...post('--x\r\nContent-Disposition: form-data; name="tokenType"\r\n\r\nrtm\r\n--x--\r\n', { headers: [['Content-Type', 'multipart/form-data; boundary=x']] }), status: 415, error: E.media },
  { name: 'POST application/xml -> 415', ...post('<tokenType>rtm</tokenType>', { headers: [['Content-Type', 'application/xml']] }), status: 415, error: E.media },
  { name: 'POST application/jsonx -> 415', ...post(J, { headers: [['Content-Type', 'application/jsonx']] }), status: 415, error: E.media },
  { name: 'POST application/json-patch+json -> 415', ...post(J, { headers: [['Content-Type', 'application/json-patch+json']] }), status: 415, error: E.media },
  { name: 'POST text/json -> 415', ...post(J, { headers: [['Content-Type', 'text/json']] }), status: 415, error: E.media },
  { name: 'POST "json" -> 415', ...post(J, { headers: [['Content-Type', 'json']] }), status: 415, error: E.media },
  { name: 'POST */* -> 415', ...post(J, { headers: [['Content-Type', '*/*']] }), status: 415, error: E.media },
  { name: 'POST empty Content-Type -> 415', ...post(J, { headers: [['Content-Type', '']] }), status: 415, error: E.media },
  { name: 'POST no Content-Type -> 415', ...post(J, { headers: [] }), status: 415, error: E.media },
  { name: 'POST application/x-www-form-urlencodedx -> 415', ...form('tokenType=rtm&uid=a', { headers: [['Content-Type', 'application/x-www-form-urlencodedx']] }), status: 415, error: E.media },
  { name: 'POST APPLICATION/JSON (case-insensitive) is JSON', ...post(J, { headers: [['Content-Type', 'APPLICATION/JSON']] }), status: 200, tokens: { token: [rtm('alice')] } },
  { name: 'POST " application/json ; charset=x" is JSON', ...post(J, { headers: [['Content-Type', ' application/json ; charset=x']] }), status: 200, tokens: { token: [rtm('alice')] } },
  { name: 'POST 16 KiB Content-Type -> 415', ...post(J, { headers: [['Content-Type', 'application/json' + 'x'.repeat(6000)]] }), status: 415, error: E.media },
  { name: 'POST form with raw NUL -> 400', ...form(Buffer.from('tokenType=rtm&uid=a\x00b', 'latin1')), status: 400, error: 'form body must not contain NUL' },
  { name: 'POST form %00 in uid -> 400', ...form('tokenType=rtm&uid=a%00b'), status: 400, error: 'uid has malformed percent-encoding' },
  { name: 'POST form malformed key -> 400', ...form('%G1=1&tokenType=rtm&uid=a'), status: 400, error: 'form body has malformed percent-encoding' },
  { name: 'POST form malformed uid escape -> 400', ...form('tokenType=rtm&uid=a%4'), status: 400, error: 'uid has malformed percent-encoding' },
  // An unknown form key is ignored (JSON ignores unknown fields too), but
  // one of 32-95 bytes overflows the key buffer and is refused as
  // "malformed percent-encoding".
  { name: 'POST form with JSON body -> 400 (no tokenType)', ...form(J), status: 400, error: 'tokenType is required' },
  { name: 'POST form with an unknown 40-byte key: ignored', ...form(`tokenType=rtm&uid=a&${'k'.repeat(40)}=1`), status: 200, tokens: { token: [rtm('a')] } },
  { name: 'POST form with an unknown 31-byte key: ignored', ...form(`tokenType=rtm&uid=a&${'k'.repeat(31)}=1`), status: 200, tokens: { token: [rtm('a')] } },
  { name: 'POST form with an unknown 96-byte key: ignored', ...form(`tokenType=rtm&uid=a&${'k'.repeat(96)}=1`), status: 200, tokens: { token: [rtm('a')] } },
  { name: 'POST json with form body -> 400', ...post('tokenType=rtm&uid=a'), status: 400, error: E.json },
  { name: 'POST form 5000 "&" then fields', ...form('&'.repeat(5000) + 'tokenType=rtm&uid=a'), status: 200, tokens: { token: [rtm('a')] } },
  // Content-Length that lies.  nginx leg: raw bytes through a socket.
  // CGI and FastCGI legs: CONTENT_LENGTH itself lies.
  {
    name: 'Content-Length shorter than the body -> 400 on the cut body',
    ...post(J),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 10\r\nConnection: close\r\n\r\n${J}`, 'latin1'),
    cgiEnv: { CONTENT_LENGTH: '10' },
    fcgiParams: { CONTENT_LENGTH: '10' },
    status: 400,
    error: E.json,
  },
  {
    name: 'Content-Length 0 with a body -> 400 (empty JSON)',
    ...post(J),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n${J}`, 'latin1'),
    cgiEnv: { CONTENT_LENGTH: '0' },
    fcgiParams: { CONTENT_LENGTH: '0' },
    status: 400,
    error: E.json,
  },
  {
    // nginx waits for the rest of the body; the client gives up: nginx
    // never passes the request on.  The service reads to end of input; the
    // JSON it got is complete, so it is answered.
    name: 'Content-Length longer than the body: nginx closes, service answers the JSON it got',
    ...post(J),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n${J}`, 'latin1'),
    rawHalfClose: true,
    cgiEnv: { CONTENT_LENGTH: '100' },
    fcgiParams: { CONTENT_LENGTH: '100' },
    status: 200,
    tokens: { token: [rtm('alice')] },
    nginx: { none: true },
  },
  {
    name: 'Content-Length longer, body cut inside the JSON -> 400',
    ...post(J.slice(0, 20)),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 33\r\nConnection: close\r\n\r\n${J.slice(0, 20)}`, 'latin1'),
    rawHalfClose: true,
    cgiEnv: { CONTENT_LENGTH: '33' },
    fcgiParams: { CONTENT_LENGTH: '33' },
    status: 400,
    error: E.json,
    nginx: { none: true },
  },
  {
    name: 'Content-Length -1: nginx 400 itself, service 400',
    ...post(J),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: -1\r\nConnection: close\r\n\r\n${J}`, 'latin1'),
    cgiEnv: { CONTENT_LENGTH: '-1' },
    fcgiParams: { CONTENT_LENGTH: '-1' },
    status: 400,
    error: 'Content-Length is not a number',
    nginx: NGINX400,
  },
  {
    name: 'Content-Length "abc": nginx 400 itself, service 400',
    ...post(J),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n${J}`, 'latin1'),
    cgiEnv: { CONTENT_LENGTH: 'abc' },
    fcgiParams: { CONTENT_LENGTH: 'abc' },
    status: 400,
    error: 'Content-Length is not a number',
    nginx: NGINX400,
  },
  {
    name: 'Content-Length of 2^64: nginx 400 itself, service 413',
    ...post(J),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 18446744073709551649\r\nConnection: close\r\n\r\n${J}`, 'latin1'),
    cgiEnv: { CONTENT_LENGTH: '18446744073709551649' },
    fcgiParams: { CONTENT_LENGTH: '18446744073709551649' },
    status: 413,
    error: E.bodyLarge,
    nginx: NGINX400,
  },
  {
    name: 'two Content-Length headers: nginx 400 itself',
    ...post(J),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 33\r\nContent-Length: 10\r\nConnection: close\r\n\r\n${J}`, 'latin1'),
    legs: ['nginx'],
    status: 400,
    nginx: NGINX400,
  },
  {
    name: 'Content-Length with Transfer-Encoding: nginx 400 itself',
    ...post(J),
    raw: (host) => Buffer.from(`POST /getToken HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 33\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n21\r\n${J}\r\n0\r\n\r\n`, 'latin1'),
    legs: ['nginx'],
    status: 400,
    nginx: NGINX400,
  },
);

// ---------------------------------------------------------------- I. every method on every route
const ROUTES = [
  { path: '/', info: true },
  { path: '/ping', info: true },
  { path: '/rtc/test/publisher/uid/1', token: { rtcToken: [rtc('test', '1')] } },
  { path: '/rtm/alice', token: { rtmToken: [rtm('alice')] } },
  { path: '/rte/test/publisher/uid/1', token: { rtcToken: [rtc('test', '1')], rtmToken: rtmWithRtc('test', '1') } },
  { path: '/chat/app', token: { chatToken: [chatApp()] } },
  { path: '/chat/account/bob', token: { chatToken: [chatUser('bob')] } },
  { path: '/getToken', post: true },
  { path: '/nope', unknown: true },
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'BREW'];
const rootInfo = (b) => (b.service === 'agora-token-fcgi' && b.version && Array.isArray(b.routes) ? null : 'not the service info');
const pong = (b) => (JSON.stringify(b) === '{"message":"pong"}' ? null : 'not pong');
for (const r of ROUTES) {
  for (const m of METHODS) {
    const e = { name: `${m} ${r.path}`, method: m, path: r.path };
    if (['POST', 'PUT', 'PATCH', 'BREW'].includes(m)) Object.assign(e, { headers: JSONCT, body: J });
    const allow = r.info ? 'GET, HEAD, OPTIONS' : r.post ? 'POST, OPTIONS' : 'GET, OPTIONS';
    if (r.unknown) Object.assign(e, { status: 404, error: E.route });
    else if (m === 'OPTIONS') Object.assign(e, { status: 204, noBody: true, preflight: true });
    else if (r.info && (m === 'GET' || m === 'HEAD')) Object.assign(e, { status: 200, json: r.path === '/' ? rootInfo : pong });
    else if (r.token && m === 'GET') Object.assign(e, { status: 200, tokens: r.token });
    else if (r.post && m === 'POST') Object.assign(e, { status: 200, tokens: { token: [rtm('alice')] } });
    else Object.assign(e, { status: 405, error: E.method, allow });
    if (m === 'HEAD') Object.assign(e, { noBody: true });
    // nginx refuses TRACE itself (405, HTML).
    if (m === 'TRACE') e.nginx = { html: true, status: 405 };
    add(e);
  }
}
add(
  { name: 'lowercase method "get": nginx 400, service 405', method: 'get', path: '/ping', status: 405, error: E.method, allow: 'GET, HEAD, OPTIONS', nginx: NGINX400 },
  { name: 'method of 64 letters -> 405', method: 'M'.repeat(64), path: '/rtm/alice', status: 405, error: E.method, allow: 'GET, OPTIONS' },
  { name: 'empty REQUEST_METHOD (CGI) -> 405', method: '', path: '/ping', status: 405, error: E.method, legs: ['cgi', 'fcgi'] },
);

// ---------------------------------------------------------------- J. Origin and other headers
const INJ = 'X-Injected';
add(
  { name: 'Origin of 1024 bytes is echoed', path: '/ping', headers: [['Origin', 'https://' + 'o'.repeat(1016)]], status: 200, json: pong, acao: 'https://' + 'o'.repeat(1016) },
  { name: 'Origin of 1025 bytes -> 403, not echoed', path: '/ping', headers: [['Origin', 'https://' + 'o'.repeat(1017)]], status: 403, error: E.origin, acao: null },
  { name: 'Origin of 4 KiB -> 403', path: '/rtm/alice', headers: [['Origin', 'https://' + 'o'.repeat(4096)]], status: 403, error: E.origin, acao: null },
  { name: 'Origin of 7 KiB -> 403', path: '/chat/app', headers: [['Origin', 'https://' + 'o'.repeat(7000)]], status: 403, error: E.origin, acao: null },
  { name: 'Origin of 9 KiB: nginx 400 itself, service 403', path: '/ping', headers: [['Origin', 'https://' + 'o'.repeat(9000)]], status: 403, error: E.origin, acao: null, nginx: NGINX400 },
  { name: 'Origin of 100 KiB: nginx 400 itself, service 403', path: '/ping', headers: [['Origin', 'https://' + 'o'.repeat(100000)]], status: 403, error: E.origin, acao: null, nginx: NGINX400 },
  { name: 'Origin with bare CR: nginx 400, service 403', path: '/ping', headers: [['Origin', `https://a.example\r${INJ}: 1`]], status: 403, error: E.origin, acao: null, noHeader: INJ, nginx: NGINX400 },
  // Over HTTP, CRLF ends the header: the "injected" line is just another
  // request header.  The service sees a clean Origin and echoes it, and the
  // response must not carry the smuggled header.  CGI/FastCGI get the raw
  // value with CR LF inside and refuse it.
  { name: 'Origin with CRLF + header: never echoed with it', path: '/ping', headers: [['Origin', `https://a.example\r\n${INJ}: 1`]], status: 403, error: E.origin, acao: null, noHeader: INJ, nginx: { status: 200, json: pong, acao: 'https://a.example', noHeader: INJ } },
  { name: 'Origin with bare LF + header: never echoed with it', path: '/ping', headers: [['Origin', `https://a.example\n${INJ}: 1`]], status: 403, error: E.origin, acao: null, noHeader: INJ, nginx: { status: 200, json: pong, acao: 'https://a.example', noHeader: INJ } },
  { name: 'Origin with CRLF on a token route', path: '/rtc/test/publisher/uid/1', headers: [['Origin', `https://a.example\r\n${INJ}: 1\r\nSet-Cookie: x=1`]], status: 403, error: E.origin, acao: null, noHeader: INJ, nginx: { status: 200, tokens: { rtcToken: [rtc('test', '1')] }, acao: 'https://a.example', noHeader: INJ } },
  { name: 'Origin with NUL: nginx 400, service 403', path: '/ping', headers: [['Origin', 'https://a\x00.example']], status: 403, error: E.origin, acao: null, nginx: NGINX400, legs: ['nginx'] },
  { name: 'Origin with tab -> 403', path: '/ping', headers: [['Origin', 'https://a\t.example']], status: 403, error: E.origin, acao: null },
  { name: 'Origin with DEL -> 403', path: '/ping', headers: [['Origin', 'https://a\x7f.example']], status: 403, error: E.origin, acao: null },
  { name: 'Origin with byte 0x80 -> 403', path: '/ping', headers: [['Origin', 'https://a\x80.example']], status: 403, error: E.origin, acao: null },
  { name: 'Origin with UTF-8 -> 403', path: '/rtm/alice', headers: [['Origin', 'https://caf\xc3\xa9.example']], status: 403, error: E.origin, acao: null },
  { name: 'empty Origin -> 403', path: '/ping', headers: [['Origin', '']], status: 403, error: E.origin, acao: null },
  { name: 'Origin "%0D%0AX-Injected:%201" (printable) echoed verbatim', path: '/ping', headers: [['Origin', 'https://a.example%0D%0AX-Injected:%201']], status: 200, json: pong, acao: 'https://a.example%0D%0AX-Injected:%201' },
  { name: 'Origin with CRLF on a preflight', method: 'OPTIONS', path: '/getToken', headers: [['Origin', `https://a.example\r\n${INJ}: 1`]], status: 403, error: E.origin, acao: null, noHeader: INJ, nginx: { status: 204, noBody: true, preflight: true, acao: 'https://a.example', noHeader: INJ } },
  { name: 'Origin of 1025 bytes on a preflight -> 403', method: 'OPTIONS', path: '/rtm/alice', headers: [['Origin', 'https://' + 'o'.repeat(1017)]], status: 403, error: E.origin, acao: null },
  { name: 'huge unrelated header is ignored', path: '/rtm/alice', headers: [['X-Junk', 'j'.repeat(7000)]], status: 200, tokens: { rtmToken: [rtm('alice')] } },
  { name: '200 unrelated headers are ignored', path: '/chat/app', headers: Array.from({ length: 200 }, (_, i) => [`X-H${i}`, `v${i}`]), status: 200, tokens: { chatToken: [chatApp()] } },
  { name: 'header of 20 KiB: nginx 400 itself, service ignores it', path: '/ping', headers: [['Cookie', 'c='.padEnd(20000, 'x')]], status: 200, json: pong, nginx: NGINX400 },
);

// Unique names, and the minimum size the brief asks for.
const seen = new Set();
for (const e of list) {
  if (seen.has(e.name)) throw new Error(`duplicate catalogue name: ${e.name}`);
  seen.add(e.name);
  // Every refusal the service gives names its field.
  for (const leg of e.legs || ['nginx', 'fcgi', 'cgi']) {
    const o = e[leg];
    if (o && (o.html || o.none)) continue;
    const x = o && o.status ? o : e;
    if (x.status >= 400 && e.method !== 'HEAD' && !x.error) throw new Error(`catalogue entry "${e.name}" (${leg}): a ${x.status} without its error message`);
  }
}

module.exports = { list, APP_ID, E };
