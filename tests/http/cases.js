'use strict';
// The end-to-end case table (data only). Every rule of the behaviour
// contract (/tmp/plan/contract.md at the time of writing) has rows here.
//
// A case:
//   name      unique within its instance
//   method    default 'GET'
//   path      raw path below the mount point ('' = the mount point itself)
//   query     raw query string (without '?'), or undefined for none
//   headers   [[name, value], ...] sent verbatim (raw bytes)
//   body      request body (string); chunked: true sends it chunked (nginx only)
//   status    expected HTTP status, or an array of acceptable ones
//   tokens    { responseKey: [service, ...] } -> 200 body has exactly these keys
//   expire    expected token expire / privilege value (default: instance default)
//   error     regex or [regexes] the error message must match
//   errorExact exact error message
//   json      function(body) -> problem string or null, for other 2xx bodies
//   noBody    response body must be empty
//   allow     exact Allow header
//   acao      exact Access-Control-Allow-Origin, or null = must be absent
//   preflight the three Access-Control-* preflight headers must be present
//   suites    restrict to these suites (default: all suites of the instance)
//   nginx     'html400' = nginx itself rejects this request with 400 before
//             the binary sees it; only the status is checked in nginx suites
//   statusIn  { suiteName: status-or-array } per-suite override
//   cgi       { config: text|null, env: {...}, stderrNot: 'text' } CGI-only
//             variations (config null = no config file at all)

const APP_ID = '970CA35de60c44645bbae8a215061b33';
const APP_CERTIFICATE = '5CFd2fd1755d40ecb72977518be15d3b';

const PUB = [1, 2, 3, 4];
const SUB = [1];
const rtc = (channel, uid, privs) => ({ type: 1, channel, uid, privs });
const rtm = (userId) => ({ type: 2, userId, privs: [1] });
const chatUser = (userId) => ({ type: 5, userId, privs: [1] });
const chatApp = () => ({ type: 5, userId: '', privs: [2] });
// What /rte puts in its rtmToken, and POST rtm with a channel.
const rtmWithRtc = (channel, id) => [rtc(channel, id, [1, 4]), rtm(id)];

const pct = (s) => [...Buffer.from(s, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
const JSONCT = [['Content-Type', 'application/json']];
const FORMCT = [['Content-Type', 'application/x-www-form-urlencoded']];
const post = (body, extra = {}) => ({ method: 'POST', path: '/getToken', headers: JSONCT, body: typeof body === 'string' ? body : JSON.stringify(body), ...extra });
const form = (body, extra = {}) => ({ method: 'POST', path: '/getToken', headers: FORMCT, body, ...extra });

const SPECIALS = 'a !#$%&()+-:;<=.>?@[]^_{}|~,'; // every allowed non-alphanumeric channel char
const ROLE_ERR = [/role/i, /publisher/i, /subscriber/i];
const UID_ERR = /uid/i;
const EXP_ERR = /expir/i;
const CH_ERR = /channel/i;
const PATH_ERR = /path|escape|encod|segment|percent|url/i;
const NOT_FOUND = /route|not found/i;
const ALLOW_TOKEN = 'GET, OPTIONS';
const ALLOW_INFO = 'GET, HEAD, OPTIONS';
const ALLOW_POST = 'POST, OPTIONS';

function rootInfo(body) {
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'routes,service,version') return `keys are ${keys}`;
  if (body.service !== 'agora-token-fcgi') return `service is ${JSON.stringify(body.service)}`;
  if (body.version !== '0.1.0') return `version is ${JSON.stringify(body.version)}`;
  if (!Array.isArray(body.routes) || body.routes.length < 7 || !body.routes.every((r) => typeof r === 'string')) return 'routes is not a list of route strings';
  for (const r of ['/rtc/', '/rtm/', '/rte/', '/chat/app', '/chat/account/', '/getToken', '/ping']) {
    if (!body.routes.some((x) => x.includes(r))) return `routes lacks ${r}`;
  }
  return null;
}
const pong = (body) => (JSON.stringify(body) === '{"message":"pong"}' ? null : `expected {"message":"pong"}`);

// ---------------------------------------------------------------- main instance
// Runs in suites root (nginx at /), prefix (nginx at /token) and cgi.
const main = [
  // --- info routes
  { name: 'GET / service info', path: '/', status: 200, json: rootInfo },
  { name: 'GET mount point without slash', path: '', status: 200, json: rootInfo },
  { name: 'HEAD / no body', method: 'HEAD', path: '/', status: 200, noBody: true },
  { name: 'GET /ping', path: '/ping', status: 200, json: pong },
  { name: 'GET /ping/ trailing slash', path: '/ping/', status: 200, json: pong },
  { name: 'GET /ping with unknown query', path: '/ping', query: 'x=1&y', status: 200, json: pong },
  { name: 'HEAD /ping no body', method: 'HEAD', path: '/ping', status: 200, noBody: true },

  // --- RTC success
  { name: 'rtc publisher uid', path: '/rtc/test/publisher/uid/42', status: 200, tokens: { rtcToken: [rtc('test', '42', PUB)] } },
  { name: 'rtc subscriber uid', path: '/rtc/test/subscriber/uid/42', status: 200, tokens: { rtcToken: [rtc('test', '42', SUB)] } },
  { name: 'rtc trailing slash', path: '/rtc/test/publisher/uid/42/', status: 200, tokens: { rtcToken: [rtc('test', '42', PUB)] } },
  { name: 'rtc uid 0 is wildcard ""', path: '/rtc/test/publisher/uid/0', status: 200, tokens: { rtcToken: [rtc('test', '', PUB)] } },
  { name: 'rtc uid 000 is wildcard ""', path: '/rtc/test/subscriber/uid/000', status: 200, tokens: { rtcToken: [rtc('test', '', SUB)] } },
  { name: 'rtc uid 007 becomes "7"', path: '/rtc/test/publisher/uid/007', status: 200, tokens: { rtcToken: [rtc('test', '7', PUB)] } },
  { name: 'rtc uid 4294967295', path: '/rtc/test/publisher/uid/4294967295', status: 200, tokens: { rtcToken: [rtc('test', '4294967295', PUB)] } },
  { name: 'rtc userAccount', path: '/rtc/test/publisher/userAccount/alice', status: 200, tokens: { rtcToken: [rtc('test', 'alice', PUB)] } },
  { name: 'rtc userAccount subscriber', path: '/rtc/test/subscriber/userAccount/alice', status: 200, tokens: { rtcToken: [rtc('test', 'alice', SUB)] } },
  { name: 'rtc userAccount "0" stays "0"', path: '/rtc/test/publisher/userAccount/0', status: 200, tokens: { rtcToken: [rtc('test', '0', PUB)] } },
  { name: 'rtc userAccount "007" verbatim', path: '/rtc/test/publisher/userAccount/007', status: 200, tokens: { rtcToken: [rtc('test', '007', PUB)] } },
  { name: 'rtc userAccount with encoded space', path: '/rtc/test/publisher/userAccount/my%20user', status: 200, tokens: { rtcToken: [rtc('test', 'my user', PUB)] } },
  { name: 'rtc userAccount of 255 bytes', path: `/rtc/test/publisher/userAccount/${'u'.repeat(255)}`, status: 200, tokens: { rtcToken: [rtc('test', 'u'.repeat(255), PUB)] } },
  { name: 'rtc userAccount of 256 bytes -> 400', path: `/rtc/test/publisher/userAccount/${'u'.repeat(256)}`, status: 400, error: /uid|account/i },
  { name: 'rtc userAccount with "/" (%2F) -> 400', path: '/rtc/test/publisher/userAccount/a%2Fb', status: 400, error: /uid|account|path/i },
  { name: 'rtc userAccount with quote -> 400', path: '/rtc/test/publisher/userAccount/a%22b', status: 400, error: /uid|account/i },
  { name: 'rtc channel with every allowed special char, encoded', path: `/rtc/${pct(SPECIALS)}/publisher/uid/1`, status: 200, tokens: { rtcToken: [rtc(SPECIALS, '1', PUB)] } },
  { name: 'rtc channel with raw sub-delims', path: "/rtc/a!$&()-:;=.@_~,b/publisher/uid/1", status: 200, tokens: { rtcToken: [rtc('a!$&()-:;=.@_~,b', '1', PUB)] } },
  { name: 'rtc channel literal + stays +', path: '/rtc/a+b/publisher/uid/1', status: 200, tokens: { rtcToken: [rtc('a+b', '1', PUB)] } },
  { name: 'rtc channel %2B is +', path: '/rtc/a%2Bb/publisher/uid/1', status: 200, tokens: { rtcToken: [rtc('a+b', '1', PUB)] } },
  { name: 'rtc channel %25 decodes once to %', path: '/rtc/50%2541/publisher/uid/1', status: 200, tokens: { rtcToken: [rtc('50%41', '1', PUB)] } },
  { name: 'rtc channel of 64 bytes', path: `/rtc/${'c'.repeat(64)}/publisher/uid/1`, status: 200, tokens: { rtcToken: [rtc('c'.repeat(64), '1', PUB)] } },
  { name: 'rtc channel of 65 bytes -> 400', path: `/rtc/${'c'.repeat(65)}/publisher/uid/1`, status: 400, error: CH_ERR },
  { name: 'rtc channel %2F -> 400', path: '/rtc/a%2Fb/publisher/uid/1', status: 400, error: /channel|path/i },
  { name: 'rtc channel %2f lowercase -> 400', path: '/rtc/a%2fb/publisher/uid/1', status: 400, error: /channel|path/i },
  { name: 'rtc channel with "*" -> 400', path: '/rtc/a*b/publisher/uid/1', status: 400, error: CH_ERR },
  { name: 'rtc channel with backslash -> 400', path: '/rtc/a%5Cb/publisher/uid/1', status: 400, error: CH_ERR },
  { name: 'rtc channel with UTF-8 -> 400', path: '/rtc/caf%C3%A9/publisher/uid/1', status: 400, error: CH_ERR },
  { name: 'rtc channel with %0A -> 400', path: '/rtc/a%0Ab/publisher/uid/1', status: 400, error: /channel|path|route/i, statusIn: { prefix: [400, 404] } }, // nginx's split regex "." stops at the newline
  { name: 'rtc empty channel -> 400', path: '/rtc//publisher/uid/1', status: [400, 404] },
  { name: 'rtc %00 in channel -> 400', path: '/rtc/a%00b/publisher/uid/1', status: 400, error: /channel|path|escape|encod|nul/i, nginx: 'html400' },
  { name: 'rtc bad escape "%" -> 400', path: '/rtc/a%/publisher/uid/1', status: 400, error: PATH_ERR, nginx: 'html400' },
  { name: 'rtc bad escape "%4" -> 400', path: '/rtc/a%4/publisher/uid/1', status: 400, error: PATH_ERR, nginx: 'html400' },
  { name: 'rtc bad escape "%G1" -> 400', path: '/rtc/a%G1/publisher/uid/1', status: 400, error: PATH_ERR, nginx: 'html400' },
  { name: 'rtc ".." segment -> 400', path: '/rtc/../rtc/test/publisher/uid/1', status: 400, error: /segment|\.\.|path/i },
  { name: 'rtc encoded "%2E%2E" segment -> 400', path: '/rtc/%2E%2E/ping', status: 400, error: /segment|\.\.|path/i, statusIn: { root: [400, 404], prefix: [400, 404] } },
  { name: 'rtc "." segment -> 400', path: '/rtc/./test/publisher/uid/1', status: 400, error: /segment|\.\.|path/i },
  { name: '".." to /ping -> 400', path: '/rtc/../ping', status: 400, error: /segment|\.\.|path/i },

  // --- roles
  { name: 'role host = publisher', path: '/rtc/test/host/uid/5', status: 200, tokens: { rtcToken: [rtc('test', '5', PUB)] } },
  { name: 'role audience = subscriber', path: '/rtc/test/audience/uid/5', status: 200, tokens: { rtcToken: [rtc('test', '5', SUB)] } },
  { name: 'role 1 = publisher', path: '/rtc/test/1/uid/5', status: 200, tokens: { rtcToken: [rtc('test', '5', PUB)] } },
  { name: 'role 2 = subscriber', path: '/rtc/test/2/uid/5', status: 200, tokens: { rtcToken: [rtc('test', '5', SUB)] } },
  { name: 'role PUBLISHER (case-insensitive)', path: '/rtc/test/PUBLISHER/uid/5', status: 200, tokens: { rtcToken: [rtc('test', '5', PUB)] } },
  { name: 'role Audience (case-insensitive)', path: '/rtc/test/Audience/uid/5', status: 200, tokens: { rtcToken: [rtc('test', '5', SUB)] } },
  { name: 'role admin -> 400', path: '/rtc/test/admin/uid/5', status: 400, error: ROLE_ERR },
  { name: 'role 0 -> 400', path: '/rtc/test/0/uid/5', status: 400, error: ROLE_ERR },
  { name: 'role 3 -> 400', path: '/rtc/test/3/uid/5', status: 400, error: ROLE_ERR },
  { name: 'role "" -> 400', path: '/rtc/test//uid/5', status: 400, error: ROLE_ERR },

  // --- tokenType
  { name: 'tokenType UID -> 400 naming value', path: '/rtc/test/publisher/UID/5', status: 400, error: /UID/ },
  { name: 'tokenType useraccount -> 400 naming value', path: '/rtc/test/publisher/useraccount/bob', status: 400, error: /useraccount/ },
  { name: 'tokenType bogus -> 400 naming value', path: '/rtc/test/publisher/bogusType/5', status: 400, error: /bogusType/ },

  // --- numeric uid rules
  { name: 'uid "+1" -> 400', path: '/rtc/test/publisher/uid/+1', status: 400, error: UID_ERR },
  { name: 'uid "-1" -> 400', path: '/rtc/test/publisher/uid/-1', status: 400, error: UID_ERR },
  { name: 'uid "0x10" -> 400', path: '/rtc/test/publisher/uid/0x10', status: 400, error: UID_ERR },
  { name: 'uid "1e3" -> 400', path: '/rtc/test/publisher/uid/1e3', status: 400, error: UID_ERR },
  { name: 'uid 4294967296 -> 400', path: '/rtc/test/publisher/uid/4294967296', status: 400, error: UID_ERR },
  { name: 'uid 20 digits -> 400', path: '/rtc/test/publisher/uid/99999999999999999999', status: 400, error: UID_ERR },
  { name: 'uid " 1" -> 400', path: '/rtc/test/publisher/uid/%201', status: 400, error: UID_ERR },
  { name: 'uid "abc" -> 400', path: '/rtc/test/publisher/uid/abc', status: 400, error: UID_ERR },

  // --- expiry
  { name: 'expiry default 3600', path: '/rtc/test/publisher/uid/1', query: '', status: 200, tokens: { rtcToken: [rtc('test', '1', PUB)] }, expire: 3600 },
  { name: 'expiry=60', path: '/rtc/test/publisher/uid/1', query: 'expiry=60', status: 200, tokens: { rtcToken: [rtc('test', '1', PUB)] }, expire: 60 },
  { name: 'expiry=1', path: '/rtc/test/subscriber/uid/1', query: 'expiry=1', status: 200, tokens: { rtcToken: [rtc('test', '1', SUB)] }, expire: 1 },
  { name: 'expiry=86400 (max) ok', path: '/rtc/test/publisher/uid/1', query: 'expiry=86400', status: 200, tokens: { rtcToken: [rtc('test', '1', PUB)] }, expire: 86400 },
  { name: 'expiry=86401 -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=86401', status: 400, error: [EXP_ERR, /86400/] },
  { name: 'expiry=0 -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=0', status: 400, error: EXP_ERR },
  { name: 'expiry= empty -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=', status: 400, error: EXP_ERR },
  { name: 'expiry without = -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry', status: 400, error: EXP_ERR },
  { name: 'expiry=-5 -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=-5', status: 400, error: EXP_ERR },
  { name: 'expiry=abc -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=abc', status: 400, error: EXP_ERR },
  { name: 'expiry=1e3 -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=1e3', status: 400, error: EXP_ERR },
  { name: 'expiry=%2B5 ("+5") -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=%2B5', status: 400, error: EXP_ERR },
  { name: 'expiry=+60 (" 60") -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=+60', status: 400, error: EXP_ERR },
  { name: 'expiry 20 digits -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=99999999999999999999', status: 400, error: EXP_ERR },
  { name: 'expiry=6%30 decodes to 60', path: '/rtc/test/publisher/uid/1', query: 'expiry=6%30', status: 200, tokens: { rtcToken: [rtc('test', '1', PUB)] }, expire: 60 },
  { name: 'expiry duplicate key -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=60&expiry=7200', status: 400, error: EXP_ERR },
  { name: 'expiry duplicate same value -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=60&expiry=60', status: 400, error: EXP_ERR },
  { name: 'unknown query keys ignored', path: '/rtc/test/publisher/uid/1', query: 'foo=bar&expiry=120&baz&x=%20', status: 200, tokens: { rtcToken: [rtc('test', '1', PUB)] }, expire: 120 },

  // --- RTM
  { name: 'rtm user', path: '/rtm/alice', status: 200, tokens: { rtmToken: [rtm('alice')] } },
  { name: 'rtm user trailing slash', path: '/rtm/alice/', status: 200, tokens: { rtmToken: [rtm('alice')] } },
  { name: 'rtm "007" verbatim', path: '/rtm/007', status: 200, tokens: { rtmToken: [rtm('007')] } },
  { name: 'rtm inner space and ~', path: '/rtm/a%20b~', status: 200, tokens: { rtmToken: [rtm('a b~')] } },
  { name: 'rtm expiry=300', path: '/rtm/alice', query: 'expiry=300', status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 300 },
  { name: 'rtm 64 bytes', path: `/rtm/${'r'.repeat(64)}`, status: 200, tokens: { rtmToken: [rtm('r'.repeat(64))] } },
  { name: 'rtm 65 bytes -> 400', path: `/rtm/${'r'.repeat(65)}`, status: 400, error: /rtm|uid|user|id/i },
  { name: 'rtm "0" -> 400', path: '/rtm/0', status: 400, error: /rtm|uid|user|id/i },
  { name: 'rtm leading space -> 400', path: '/rtm/%20alice', status: 400, error: /rtm|uid|user|id/i },
  { name: 'rtm DEL char -> 400', path: '/rtm/a%7F', status: 400, error: /rtm|uid|user|id/i },
  { name: 'rtm bad expiry -> 400', path: '/rtm/alice', query: 'expiry=x', status: 400, error: EXP_ERR },

  // --- RTE
  { name: 'rte uid, rtmuid defaults to uid', path: '/rte/test/publisher/uid/42', status: 200, tokens: { rtcToken: [rtc('test', '42', PUB)], rtmToken: rtmWithRtc('test', '42') } },
  { name: 'rte uid with rtmuid', path: '/rte/test/publisher/uid/42/alice', status: 200, tokens: { rtcToken: [rtc('test', '42', PUB)], rtmToken: rtmWithRtc('test', 'alice') } },
  { name: 'rte trailing slash', path: '/rte/test/subscriber/uid/42/alice/', status: 200, tokens: { rtcToken: [rtc('test', '42', SUB)], rtmToken: rtmWithRtc('test', 'alice') } },
  { name: 'rte uid 007 -> rtm id "7"', path: '/rte/test/subscriber/uid/007', status: 200, tokens: { rtcToken: [rtc('test', '7', SUB)], rtmToken: rtmWithRtc('test', '7') } },
  { name: 'rte userAccount', path: '/rte/test/publisher/userAccount/bob', status: 200, tokens: { rtcToken: [rtc('test', 'bob', PUB)], rtmToken: rtmWithRtc('test', 'bob') } },
  { name: 'rte uid 0 with rtmuid', path: '/rte/test/publisher/uid/0/alice', status: 200, tokens: { rtcToken: [rtc('test', '', PUB)], rtmToken: rtmWithRtc('test', 'alice') } },
  { name: 'rte expiry=900 applies to both', path: '/rte/test/publisher/uid/9', query: 'expiry=900', status: 200, tokens: { rtcToken: [rtc('test', '9', PUB)], rtmToken: rtmWithRtc('test', '9') }, expire: 900 },
  { name: 'rte uid 0 without rtmuid -> 400', path: '/rte/test/publisher/uid/0', status: 400, error: /rtm|uid/i },
  { name: 'rte rtmuid "0" -> 400', path: '/rte/test/publisher/uid/42/0', status: 400, error: /rtm|uid/i },
  { name: 'rte bad role -> 400', path: '/rte/test/boss/uid/42', status: 400, error: ROLE_ERR },
  { name: 'rte too many segments -> 404', path: '/rte/test/publisher/uid/42/alice/x', status: 404, error: NOT_FOUND },

  // --- Chat
  { name: 'chat app', path: '/chat/app', status: 200, tokens: { chatToken: [chatApp()] } },
  { name: 'chat app trailing slash', path: '/chat/app/', status: 200, tokens: { chatToken: [chatApp()] } },
  { name: 'chat app expiry=600', path: '/chat/app', query: 'expiry=600', status: 200, tokens: { chatToken: [chatApp()] }, expire: 600 },
  { name: 'chat account', path: '/chat/account/bob', status: 200, tokens: { chatToken: [chatUser('bob')] } },
  { name: 'chat account "0" allowed', path: '/chat/account/0', status: 200, tokens: { chatToken: [chatUser('0')] } },
  { name: 'chat account 64 bytes', path: `/chat/account/${'h'.repeat(64)}`, status: 200, tokens: { chatToken: [chatUser('h'.repeat(64))] } },
  { name: 'chat account 65 bytes -> 400', path: `/chat/account/${'h'.repeat(65)}`, status: 400, error: /chat|id|user/i },
  { name: 'chat account leading space -> 400', path: '/chat/account/%20bob', status: 400, error: /chat|id|user/i },
  { name: 'chat account expiry=0 -> 400', path: '/chat/account/bob', query: 'expiry=0', status: 400, error: EXP_ERR },

  // --- size limits (README: path 2 KiB, query 4 KiB -> 414 JSON; nginx's own limit is 8 KiB)
  { name: 'path over 2 KiB -> 414', path: `/rtm/${'p'.repeat(3000)}`, status: 414, error: /path/i },
  { name: 'path of 2100 bytes -> 414', path: `/rtm/${'p'.repeat(2095)}`, status: 414, error: /path/i },
  { name: 'unknown path over 2 KiB -> 414', path: `/nope/${'x'.repeat(2100)}`, status: [414, 404] },
  { name: 'path of 2000 bytes is not 414', path: `/rtm/${'p'.repeat(1995)}`, status: 400, error: /rtm|uid/i },
  { name: 'query over 4 KiB -> 414', path: '/ping', query: `x=${'q'.repeat(6000)}`, status: 414, error: /query/i },
  { name: 'query of 3 KiB is fine', path: '/rtm/alice', query: `x=${'q'.repeat(3000)}&expiry=30`, status: 200, tokens: { rtmToken: [rtm('alice')] }, expire: 30 },

  // --- unknown paths, methods
  { name: 'unknown path -> 404', path: '/nope', status: 404, error: NOT_FOUND },
  { name: 'unknown nested path -> 404', path: '/nope/deeper/', status: 404, error: NOT_FOUND },
  { name: 'rtc missing uid -> 404', path: '/rtc/test/publisher/uid', status: 404, error: NOT_FOUND },
  { name: 'rtc extra segment -> 404', path: '/rtc/test/publisher/uid/1/extra', status: 404, error: NOT_FOUND },
  { name: '/chat alone -> 404', path: '/chat', status: 404, error: NOT_FOUND },
  { name: '/chat/account without id -> 404', path: '/chat/account', status: 404, error: NOT_FOUND },
  { name: '/rtm without id -> 404', path: '/rtm', status: 404, error: NOT_FOUND },
  { name: '/pingx -> 404', path: '/pingx', status: 404, error: NOT_FOUND },
  { name: 'DELETE unknown path -> 404', method: 'DELETE', path: '/nope', status: 404, error: NOT_FOUND },
  { name: 'POST /ping -> 405', method: 'POST', path: '/ping', headers: JSONCT, body: '{}', status: 405, allow: ALLOW_INFO, error: /method/i },
  { name: 'PUT / -> 405', method: 'PUT', path: '/', headers: JSONCT, body: '{}', status: 405, allow: ALLOW_INFO, error: /method/i },
  { name: 'DELETE rtc -> 405', method: 'DELETE', path: '/rtc/test/publisher/uid/1', status: 405, allow: ALLOW_TOKEN, error: /method/i },
  { name: 'HEAD rtc -> 405', method: 'HEAD', path: '/rtc/test/publisher/uid/1', status: 405, allow: ALLOW_TOKEN, noBody: true },
  { name: 'POST rtm -> 405', method: 'POST', path: '/rtm/alice', headers: JSONCT, body: '{}', status: 405, allow: ALLOW_TOKEN, error: /method/i },
  { name: 'PATCH chat app -> 405', method: 'PATCH', path: '/chat/app', status: 405, allow: ALLOW_TOKEN, error: /method/i },
  { name: 'GET /getToken -> 405', path: '/getToken', status: 405, allow: ALLOW_POST, error: /method/i },

  // --- POST /getToken, JSON
  { name: 'POST json rtc numeric uid string', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: '42' }), status: 200, tokens: { token: [rtc('test', '42', PUB)] } },
  { name: 'POST json rtc integer uid', ...post({ tokenType: 'rtc', channel: 'test', role: 'subscriber', uid: 42 }), status: 200, tokens: { token: [rtc('test', '42', SUB)] } },
  { name: 'POST json rtc integer uid 0 -> ""', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 0 }), status: 200, tokens: { token: [rtc('test', '', PUB)] } },
  { name: 'POST json rtc uid "007" -> "7"', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: '007' }), status: 200, tokens: { token: [rtc('test', '7', PUB)] } },
  { name: 'POST json rtc string account', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 'alice' }), status: 200, tokens: { token: [rtc('test', 'alice', PUB)] } },
  { name: 'POST json rtc role audience', ...post({ tokenType: 'rtc', channel: 'test', role: 'audience', uid: 'alice' }), status: 200, tokens: { token: [rtc('test', 'alice', SUB)] } },
  { name: 'POST json rtc expire 600', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 7, expire: 600 }), status: 200, tokens: { token: [rtc('test', '7', PUB)] }, expire: 600 },
  { name: 'POST json rtc expire 0 -> default', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 7, expire: 0 }), status: 200, tokens: { token: [rtc('test', '7', PUB)] }, expire: 3600 },
  { name: 'POST json with charset', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 7 }, { headers: [['Content-Type', 'application/json; charset=utf-8']] }), status: 200, tokens: { token: [rtc('test', '7', PUB)] } },
  { name: 'POST /getToken/ trailing slash', ...post({ tokenType: 'rtm', uid: 'alice' }, { path: '/getToken/' }), status: 200, tokens: { token: [rtm('alice')] } },
  { name: 'POST json rtm', ...post({ tokenType: 'rtm', uid: 'alice' }), status: 200, tokens: { token: [rtm('alice')] } },
  { name: 'POST json rtm integer uid', ...post({ tokenType: 'rtm', uid: 42, expire: 120 }), status: 200, tokens: { token: [rtm('42')] }, expire: 120 },
  { name: 'POST json rtm with channel -> 2 services', ...post({ tokenType: 'rtm', uid: 'alice', channel: 'test' }), status: 200, tokens: { token: rtmWithRtc('test', 'alice') } },
  { name: 'POST json rtm missing uid -> 400', ...post({ tokenType: 'rtm' }), status: 400, error: UID_ERR },
  { name: 'POST json rtm uid "0" -> 400', ...post({ tokenType: 'rtm', uid: '0' }), status: 400, error: UID_ERR },
  { name: 'POST json chat user', ...post({ tokenType: 'chat', uid: 'bob' }), status: 200, tokens: { token: [chatUser('bob')] } },
  { name: 'POST json chat app (no uid)', ...post({ tokenType: 'chat', expire: 900 }), status: 200, tokens: { token: [chatApp()] }, expire: 900 },
  { name: 'POST json chat uid "" -> 400', ...post({ tokenType: 'chat', uid: '' }), status: 400, error: UID_ERR },
  { name: 'POST json rtm empty channel -> RTM only', ...post({ tokenType: 'rtm', uid: 'alice', channel: '' }), status: 200, tokens: { token: [rtm('alice')] } },
  { name: 'POST json chat integer uid', ...post({ tokenType: 'chat', uid: 42 }), status: 200, tokens: { token: [chatUser('42')] } },
  { name: 'POST json \\u escapes decoded', ...post('{"tokenType":"rtm","uid":"\\u0061l\\u0069ce"}'), status: 200, tokens: { token: [rtm('alice')] } },
  { name: 'POST json whitespace and newlines', ...post('\n{ "tokenType" : "rtc" ,\r\n\t"channel":"test", "role":"1", "uid":"9" }\n'), status: 200, tokens: { token: [rtc('test', '9', PUB)] } },
  { name: 'POST json integer uid 4294967296 -> 400', ...post('{"tokenType":"rtc","channel":"test","role":"publisher","uid":4294967296}'), status: 400, error: UID_ERR },
  { name: 'POST json integer uid -1 -> 400', ...post('{"tokenType":"rtc","channel":"test","role":"publisher","uid":-1}'), status: 400, error: UID_ERR },
  { name: 'POST json uid true -> 400', ...post('{"tokenType":"rtm","uid":true}'), status: 400, error: UID_ERR },
  { name: 'POST json trailing garbage -> 400', ...post('{"tokenType":"rtm","uid":"a"} x'), status: 400, error: /json/i },
  { name: 'POST json NUL in uid -> 400', ...post('{"tokenType":"rtm","uid":"a\\u0000b"}'), status: 400, error: /uid|json/i },
  { name: 'POST json NUL in channel -> 400', ...post('{"tokenType":"rtc","channel":"te\\u0000st","role":"publisher","uid":"1"}'), status: 400, error: /channel|json/i },
  { name: 'POST json deep nesting -> 400, no crash', ...post('{"tokenType":"rtm","uid":"a","x":' + '['.repeat(16000) + ']'.repeat(300) + '}'), status: 400 },
  { name: 'POST json lone surrogate escape -> 400', ...post('{"tokenType":"rtm","uid":"\\ud800"}'), status: 400 },
  { name: 'POST json integer role 2 = subscriber', ...post({ tokenType: 'rtc', channel: 'test', role: 2, uid: 'ann' }), status: 200, tokens: { token: [rtc('test', 'ann', SUB)] } },
  { name: 'POST json expire as string -> 400', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 7, expire: '600' }), status: 400, error: /expire/i },
  { name: 'POST json expire -1 -> 400', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 7, expire: -1 }), status: 400, error: /expire/i },
  { name: 'POST json expire 1.5 -> 400', ...post('{"tokenType":"rtc","channel":"test","role":"publisher","uid":7,"expire":1.5}'), status: 400, error: /expire/i },
  { name: 'POST json expire 86401 -> 400', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: 7, expire: 86401 }), status: 400, error: /expire/i },
  { name: 'POST json channel as number -> 400', ...post({ tokenType: 'rtc', channel: 5, role: 'publisher', uid: 7 }), status: 400, error: CH_ERR },
  { name: 'POST json rtc missing channel -> 400', ...post({ tokenType: 'rtc', role: 'publisher', uid: 7 }), status: 400, error: CH_ERR },
  { name: 'POST json rtc missing uid -> 400', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher' }), status: 400, error: UID_ERR },
  { name: 'POST json rtc missing role -> 400', ...post({ tokenType: 'rtc', channel: 'test', uid: 7 }), status: 400, error: /role/i },
  { name: 'POST json rtc bad role -> 400', ...post({ tokenType: 'rtc', channel: 'test', role: 'king', uid: 7 }), status: 400, error: ROLE_ERR },
  { name: 'POST json rtc uid 4294967296 -> 400', ...post({ tokenType: 'rtc', channel: 'test', role: 'publisher', uid: '4294967296' }), status: 400, error: UID_ERR },
  { name: 'POST json rtc bad channel char -> 400', ...post({ tokenType: 'rtc', channel: 'a/b', role: 'publisher', uid: 7 }), status: 400, error: CH_ERR },
  { name: 'POST json missing tokenType -> 400', ...post({ channel: 'test', role: 'publisher', uid: 7 }), status: 400, error: /tokenType/i },
  { name: 'POST json bad tokenType -> 400', ...post({ tokenType: 'fpa', uid: 7 }), status: 400, error: /tokenType/i },
  { name: 'POST json duplicate keys -> 400', ...post('{"tokenType":"rtm","uid":"a","uid":"b"}'), status: 400, error: /duplicate|uid/i },
  { name: 'POST invalid json -> 400', ...post('{"tokenType":"rtm",'), status: 400, error: /json/i },
  { name: 'POST json array -> 400', ...post('[]'), status: 400, error: /json|object/i },
  { name: 'POST json empty body -> 400', ...post(''), status: 400, error: /json|object|body/i },
  { name: 'POST json exactly 16384 bytes ok', ...post(JSON.stringify({ tokenType: 'rtm', uid: 'alice' }).padEnd(16384, ' ')), status: 200, tokens: { token: [rtm('alice')] } },
  { name: 'POST body 16385 bytes -> 413', ...post(JSON.stringify({ tokenType: 'rtm', uid: 'alice' }).padEnd(16385, ' ')), status: 413, error: /16384|large/i },
  { name: 'POST chunked json (nginx buffers)', ...post({ tokenType: 'chat', uid: 'carol' }, { chunked: true }), status: 200, tokens: { token: [chatUser('carol')] }, suites: ['root', 'prefix'] },
  { name: 'POST text/plain -> 415', ...post('{"tokenType":"rtm","uid":"a"}', { headers: [['Content-Type', 'text/plain']] }), status: 415, error: /content-type/i },
  { name: 'POST no content type -> 415', ...post('{"tokenType":"rtm","uid":"a"}', { headers: [] }), status: 415, error: /content-type/i },
  { name: 'POST multipart -> 415', ...post('x', { headers: [['Content-Type', 'multipart/form-data; boundary=x']] }), status: 415, error: /content-type/i },

  // --- POST /getToken, form
  { name: 'POST form rtc numeric uid', ...form('tokenType=rtc&channel=test&role=publisher&uid=42'), status: 200, tokens: { token: [rtc('test', '42', PUB)] } },
  { name: 'POST form rtc account, + is space', ...form('tokenType=rtc&channel=my+room&role=2&uid=al%69ce'), status: 200, tokens: { token: [rtc('my room', 'alice', SUB)] } },
  { name: 'POST form rtc expire 600', ...form('tokenType=rtc&channel=test&role=host&uid=1&expire=600'), status: 200, tokens: { token: [rtc('test', '1', PUB)] }, expire: 600 },
  { name: 'POST form expire 0 -> default', ...form('tokenType=rtm&uid=bob&expire=0'), status: 200, tokens: { token: [rtm('bob')] }, expire: 3600 },
  { name: 'POST form rtm with channel', ...form('tokenType=rtm&uid=bob&channel=test'), status: 200, tokens: { token: rtmWithRtc('test', 'bob') } },
  { name: 'POST form chat app', ...form('tokenType=chat'), status: 200, tokens: { token: [chatApp()] } },
  { name: 'POST form chat uid empty -> 400', ...form('tokenType=chat&uid='), status: 400, error: UID_ERR },
  { name: 'POST form with charset', ...form('tokenType=rtm&uid=bob', { headers: [['Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8']] }), status: 200, tokens: { token: [rtm('bob')] } },
  { name: 'POST form integer-looking uid 007 -> "7"', ...form('tokenType=rtc&channel=test&role=publisher&uid=007'), status: 200, tokens: { token: [rtc('test', '7', PUB)] } },
  { name: 'POST form bad escape -> 400', ...form('tokenType=rtm&uid=%G1'), status: 400 },
  { name: 'POST form %00 -> 400', ...form('tokenType=rtm&uid=a%00b'), status: 400, error: UID_ERR },
  { name: 'POST form chat uid without = -> 400', ...form('tokenType=chat&uid'), status: 400, error: UID_ERR },
  { name: 'POST form expire abc -> 400', ...form('tokenType=rtm&uid=bob&expire=abc'), status: 400, error: /expire/i },
  { name: 'POST form duplicate key -> 400', ...form('tokenType=rtm&uid=bob&uid=eve'), status: 400, error: /duplicate|uid/i },
  { name: 'POST form missing tokenType -> 400', ...form('uid=bob'), status: 400, error: /tokenType/i },

  // --- CORS with CORS_ALLOW_ORIGIN unset (every origin allowed)
  { name: 'cors origin echoed', path: '/ping', headers: [['Origin', 'https://app.example']], status: 200, json: pong, acao: 'https://app.example' },
  { name: 'cors origin echoed on token', path: '/rtm/alice', headers: [['Origin', 'http://localhost:3000']], status: 200, tokens: { rtmToken: [rtm('alice')] }, acao: 'http://localhost:3000' },
  { name: 'cors origin echoed on error', path: '/rtm/0', headers: [['Origin', 'https://app.example']], status: 400, acao: 'https://app.example' },
  { name: 'cors no origin -> no ACAO', path: '/ping', status: 200, json: pong, acao: null },
  { name: 'cors origin "null" echoed', path: '/ping', headers: [['Origin', 'null']], status: 200, json: pong, acao: 'null' },
  { name: 'cors origin 1024 bytes echoed', path: '/ping', headers: [['Origin', 'https://' + 'o'.repeat(1016)]], status: 200, json: pong, acao: 'https://' + 'o'.repeat(1016) },
  { name: 'cors origin 1025 bytes -> 403', path: '/ping', headers: [['Origin', 'https://' + 'o'.repeat(1017)]], status: 403, error: /origin/i, acao: null },
  { name: 'cors origin with \\x01 -> 403', path: '/ping', headers: [['Origin', 'https://a\x01.example']], status: 403, error: /origin/i, acao: null },
  { name: 'cors origin with tab -> 403', path: '/ping', headers: [['Origin', 'https://a\t.example']], status: 403, error: /origin/i, acao: null },
  { name: 'cors origin with space -> 403', path: '/ping', headers: [['Origin', 'https://a b.example']], status: 403, error: /origin/i, acao: null },
  { name: 'cors origin with non-ASCII byte -> 403', path: '/ping', headers: [['Origin', 'https://caf\xe9.example']], status: 403, error: /origin/i, acao: null },
  { name: 'cors origin with CR never echoed', path: '/ping', headers: [['Origin', 'https://a.example\rX-Injected: 1']], status: 403, acao: null, noHeader: 'X-Injected', statusIn: { root: [400, 403], prefix: [400, 403] }, nginx: 'mayReject' },
  { name: 'cors origin with CRLF never echoed', path: '/ping', headers: [['Origin', 'https://a.example\r\nX-Injected: 1']], status: 403, acao: null, noHeader: 'X-Injected', suites: ['cgi'] },
  { name: 'preflight rtc', method: 'OPTIONS', path: '/rtc/test/publisher/uid/1', headers: [['Origin', 'https://app.example'], ['Access-Control-Request-Method', 'GET']], status: 204, noBody: true, preflight: true, acao: 'https://app.example' },
  { name: 'preflight rtc trailing slash', method: 'OPTIONS', path: '/rtc/test/publisher/uid/1/', headers: [['Origin', 'https://app.example']], status: 204, noBody: true, preflight: true, acao: 'https://app.example' },
  { name: 'preflight getToken', method: 'OPTIONS', path: '/getToken', headers: [['Origin', 'https://app.example'], ['Access-Control-Request-Method', 'POST'], ['Access-Control-Request-Headers', 'content-type']], status: 204, noBody: true, preflight: true, acao: 'https://app.example' },
  { name: 'preflight getToken/ trailing slash', method: 'OPTIONS', path: '/getToken/', headers: [['Origin', 'https://app.example']], status: 204, noBody: true, preflight: true, acao: 'https://app.example' },
  { name: 'preflight root', method: 'OPTIONS', path: '/', headers: [['Origin', 'https://app.example']], status: 204, noBody: true, preflight: true, acao: 'https://app.example' },
  { name: 'preflight chat app', method: 'OPTIONS', path: '/chat/app', headers: [['Origin', 'https://app.example']], status: 204, noBody: true, preflight: true, acao: 'https://app.example' },
  { name: 'preflight rte with rtmuid', method: 'OPTIONS', path: '/rte/test/publisher/uid/1/bob', headers: [['Origin', 'https://app.example']], status: 204, noBody: true, preflight: true, acao: 'https://app.example' },
  { name: 'preflight without Origin', method: 'OPTIONS', path: '/ping', status: 204, noBody: true, preflight: true, acao: null },
  { name: 'OPTIONS unknown path -> 404', method: 'OPTIONS', path: '/nope', headers: [['Origin', 'https://app.example']], status: 404, error: NOT_FOUND },
];

// ---------------------------------------------------------------- CORS / max-expiry instance
// CORS_ALLOW_ORIGIN="https://a.example, https://b.example", TOKEN_MAX_EXPIRY=7200.
// Runs in suites cors (nginx at /) and cors-cgi.
const CORS_CONFIG = { CORS_ALLOW_ORIGIN: 'https://a.example, https://b.example', TOKEN_MAX_EXPIRY: '7200' };
const cors = [
  { name: 'allowed origin a echoed', path: '/ping', headers: [['Origin', 'https://a.example']], status: 200, json: pong, acao: 'https://a.example' },
  { name: 'allowed origin b (trimmed item) echoed', path: '/rtm/alice', headers: [['Origin', 'https://b.example']], status: 200, tokens: { rtmToken: [rtm('alice')] }, acao: 'https://b.example' },
  { name: 'other origin -> 403', path: '/ping', headers: [['Origin', 'https://c.example']], status: 403, error: /origin/i, acao: null },
  { name: 'other origin on token route -> 403', path: '/rtc/test/publisher/uid/1', headers: [['Origin', 'https://evil.example']], status: 403, error: /origin/i, acao: null },
  { name: 'origin with trailing slash -> 403', path: '/ping', headers: [['Origin', 'https://a.example/']], status: 403, error: /origin/i, acao: null },
  { name: 'origin differing in case -> 403', path: '/ping', headers: [['Origin', 'HTTPS://A.EXAMPLE']], status: 403, error: /origin/i, acao: null },
  { name: 'origin with suffix -> 403', path: '/ping', headers: [['Origin', 'https://a.example.evil']], status: 403, error: /origin/i, acao: null },
  { name: 'origin "null" -> 403', path: '/ping', headers: [['Origin', 'null']], status: 403, error: /origin/i, acao: null },
  { name: 'origin list as one value -> 403', path: '/ping', headers: [['Origin', 'https://a.example, https://b.example']], status: 403, error: /origin/i, acao: null },
  { name: 'no origin -> 200', path: '/ping', status: 200, json: pong, acao: null },
  { name: 'no origin token -> 200', path: '/chat/app', status: 200, tokens: { chatToken: [chatApp()] }, acao: null },
  { name: 'preflight allowed origin', method: 'OPTIONS', path: '/getToken', headers: [['Origin', 'https://a.example'], ['Access-Control-Request-Method', 'POST']], status: 204, noBody: true, preflight: true, acao: 'https://a.example' },
  { name: 'preflight allowed origin trailing slash', method: 'OPTIONS', path: '/rtm/alice/', headers: [['Origin', 'https://b.example']], status: 204, noBody: true, preflight: true, acao: 'https://b.example' },
  { name: 'preflight other origin -> 403', method: 'OPTIONS', path: '/getToken', headers: [['Origin', 'https://c.example']], status: 403, error: /origin/i, acao: null },
  { name: 'POST with allowed origin', ...post({ tokenType: 'rtm', uid: 'zed' }, { headers: [...JSONCT, ['Origin', 'https://a.example']] }), status: 200, tokens: { token: [rtm('zed')] }, acao: 'https://a.example' },
  { name: 'POST with other origin -> 403', ...post({ tokenType: 'rtm', uid: 'zed' }, { headers: [...JSONCT, ['Origin', 'https://c.example']] }), status: 403, error: /origin/i, acao: null },
  { name: 'max 7200: default expiry 3600', path: '/rtc/test/publisher/uid/1', status: 200, tokens: { rtcToken: [rtc('test', '1', PUB)] }, expire: 3600 },
  { name: 'max 7200: expiry=7200 ok', path: '/rtc/test/publisher/uid/1', query: 'expiry=7200', status: 200, tokens: { rtcToken: [rtc('test', '1', PUB)] }, expire: 7200 },
  { name: 'max 7200: expiry=7201 -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=7201', status: 400, error: [EXP_ERR, /7200/] },
  { name: 'max 7200: rte expiry=7201 -> 400', path: '/rte/test/publisher/uid/1', query: 'expiry=7201', status: 400, error: [EXP_ERR, /7200/] },
  { name: 'max 7200: POST expire 7201 -> 400', ...post({ tokenType: 'chat', expire: 7201 }), status: 400, error: [/expire/i, /7200/] },
  { name: 'max 7200: POST expire 7200 ok', ...post({ tokenType: 'chat', expire: 7200 }), status: 200, tokens: { token: [chatApp()] }, expire: 7200 },
  { name: 'max 7200: POST expire 0 -> 3600', ...post({ tokenType: 'chat', expire: 0 }), status: 200, tokens: { token: [chatApp()] }, expire: 3600 },
];

// ---------------------------------------------------------------- CGI-only variations
// Each has its own config file text (null = none) and extra environment.
const GOOD = `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${APP_CERTIFICATE}\n`;
const NOT_CONFIGURED = 'service is not configured';
const BAD_CERT = 'zz' + 'Z'.repeat(29) + 'z'; // 32 chars, not hex
const cgiOnly = [
  { name: 'no APP_CERTIFICATE -> 500', path: '/rtc/test/publisher/uid/1', cgi: { config: `APP_ID=${APP_ID}\n` }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'no APP_ID -> 500', path: '/rtm/alice', cgi: { config: `APP_CERTIFICATE=${APP_CERTIFICATE}\n` }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'no config at all -> 500', path: '/chat/app', cgi: { config: null }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'bad certificate -> 500, value not on stderr', path: '/rtc/test/publisher/uid/1', cgi: { config: `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${BAD_CERT}\n`, stderrNot: BAD_CERT }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'certificate of 31 hex chars -> 500', path: '/rtc/test/publisher/uid/1', cgi: { config: `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${APP_CERTIFICATE.slice(1)}\n`, stderrNot: APP_CERTIFICATE.slice(1) }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'bad APP_ID -> 500', path: '/rtc/test/publisher/uid/1', cgi: { config: `APP_ID=${APP_ID}0\nAPP_CERTIFICATE=${APP_CERTIFICATE}\n` }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'missing config file -> 500', path: '/rtc/test/publisher/uid/1', cgi: { config: null, env: { AGORA_TOKEN_CONFIG: '/nonexistent/agora-token.conf' } }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'unknown config key -> 500', path: '/rtc/test/publisher/uid/1', cgi: { config: GOOD + 'APP_SECRET=1\n' }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'empty env APP_CERTIFICATE overrides file -> 500', path: '/rtc/test/publisher/uid/1', cgi: { config: GOOD, env: { APP_CERTIFICATE: '' } }, status: 500, errorExact: NOT_CONFIGURED },
  { name: 'credentials from environment only', path: '/rtc/test/publisher/uid/3', cgi: { config: null, env: { APP_ID, APP_CERTIFICATE } }, status: 200, tokens: { rtcToken: [rtc('test', '3', PUB)] } },
  { name: 'env wins over file', path: '/rtm/alice', cgi: { config: `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${'0'.repeat(32)}\n`, env: { APP_CERTIFICATE } }, status: 200, tokens: { rtmToken: [rtm('alice')] } },
  {
    name: 'config with comments, export, quotes',
    path: '/rtm/alice',
    cgi: { config: `# agora credentials\n\nexport APP_ID="${APP_ID}"\n  # indented comment\nAPP_CERTIFICATE='${APP_CERTIFICATE}'\nTOKEN_MAX_EXPIRY="86400"\nCORS_ALLOW_ORIGIN=\n` },
    status: 200,
    tokens: { rtmToken: [rtm('alice')] },
  },
  { name: 'TOKEN_MAX_EXPIRY=600: default expiry is 600', path: '/rtc/test/publisher/uid/1', cgi: { config: GOOD + 'TOKEN_MAX_EXPIRY=600\n' }, status: 200, tokens: { rtcToken: [rtc('test', '1', PUB)] }, expire: 600 },
  { name: 'TOKEN_MAX_EXPIRY=600: POST default is 600', ...post({ tokenType: 'rtm', uid: 'x' }), cgi: { config: GOOD + 'TOKEN_MAX_EXPIRY=600\n' }, status: 200, tokens: { token: [rtm('x')] }, expire: 600 },
  { name: 'TOKEN_MAX_EXPIRY=600: expiry=601 -> 400', path: '/rtc/test/publisher/uid/1', query: 'expiry=601', cgi: { config: GOOD + 'TOKEN_MAX_EXPIRY=600\n' }, status: 400, error: [EXP_ERR, /600/] },
  { name: 'CORS_ALLOW_ORIGIN="*" echoes origin', path: '/ping', headers: [['Origin', 'https://any.example']], cgi: { config: GOOD + 'CORS_ALLOW_ORIGIN="*"\n' }, status: 200, json: pong, acao: 'https://any.example' },
  { name: 'CORS_ALLOW_ORIGIN empty echoes origin', path: '/ping', headers: [['Origin', 'https://e.example']], cgi: { config: GOOD + 'CORS_ALLOW_ORIGIN=\n' }, status: 200, json: pong, acao: 'https://e.example' },
  { name: 'CORS list from env overrides file', path: '/ping', headers: [['Origin', 'https://a.example']], cgi: { config: GOOD + 'CORS_ALLOW_ORIGIN=https://a.example\n', env: { CORS_ALLOW_ORIGIN: 'https://z.example' } }, status: 403, error: /origin/i, acao: null },
  { name: 'no REQUEST_URI: routed on PATH_INFO', path: '/rtm/bob', cgi: { config: GOOD, env: { REQUEST_URI: null } }, status: 200, tokens: { rtmToken: [rtm('bob')] } },
  { name: 'rewritten REQUEST_URI: routed on PATH_INFO', path: '/ping', cgi: { config: GOOD, env: { REQUEST_URI: '/api/ping' } }, status: 200, json: pong },
  { name: 'lighttpd root style (SCRIPT_NAME "")', path: '/rtc/test/publisher/uid/8', cgi: { config: GOOD, env: { SCRIPT_NAME: '', REQUEST_URI: '/rtc/test/publisher/uid/8' } }, status: 200, tokens: { rtcToken: [rtc('test', '8', PUB)] } },
  { name: 'script URI without PATH_INFO is /', path: '', cgi: { config: GOOD }, status: 200, json: rootInfo },
  { name: 'script URI with query only', path: '', query: 'x=1', cgi: { config: GOOD }, status: 200, json: rootInfo },
];

// ---------------------------------------------------------------- command line / startup
// args: '$T' is replaced by the temp dir, '$CONF' by a file holding `config`.
// exit: a number, or 'nonzero'. A run that has not exited after 5 s fails.
const LISTEN = ['--listen', 'unix:$T/cli.sock', '--config', '$CONF'];
const cli = [
  { name: '--version', args: ['--version'], exit: 0, stdout: /^agora-token-fcgi 0\.1\.0\n?$/ },
  { name: '--help', args: ['--help'], exit: 0, stdout: /--listen[\s\S]*--config|--config[\s\S]*--listen/ },
  { name: 'unknown flag -> usage on stderr, exit 2', args: ['--frobnicate'], exit: 2, stderr: /usage/i, stdoutEmpty: true },
  { name: '--listen :9000 refused', args: ['--listen', ':9000', '--config', '$CONF'], config: GOOD, exit: 2, stderr: /\S/ },
  { name: '--listen without value refused', args: ['--listen'], exit: 2, stderr: /\S/ },
  { name: '--threads 0 refused', args: ['--threads', '0', ...LISTEN], config: GOOD, exit: 'nonzero', stderr: /thread/i },
  { name: '--threads 257 refused', args: ['--threads', '257', ...LISTEN], config: GOOD, exit: 'nonzero', stderr: /thread/i },
  { name: '--socket-mode 999 refused', args: ['--socket-mode', '999', ...LISTEN], config: GOOD, exit: 'nonzero', stderr: /mode/i },
  { name: 'FastCGI, missing APP_CERTIFICATE -> exit 1', args: LISTEN, config: `APP_ID=${APP_ID}\n`, exit: 1, stderr: /APP_CERTIFICATE/, oneLine: true },
  { name: 'FastCGI, bad APP_CERTIFICATE -> exit 1, value not printed', args: LISTEN, config: `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${BAD_CERT}\n`, exit: 1, stderr: /APP_CERTIFICATE/, stderrNot: BAD_CERT, oneLine: true },
  { name: 'FastCGI, 33-char APP_CERTIFICATE -> exit 1, value not printed', args: LISTEN, config: `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${APP_CERTIFICATE}a\n`, exit: 1, stderr: /APP_CERTIFICATE/, stderrNot: APP_CERTIFICATE, oneLine: true },
  { name: 'FastCGI, bad APP_ID -> exit 1', args: LISTEN, config: `APP_ID=xyz\nAPP_CERTIFICATE=${APP_CERTIFICATE}\n`, exit: 1, stderr: /APP_ID/, stderrNot: APP_CERTIFICATE, oneLine: true },
  { name: 'FastCGI, TOKEN_MAX_EXPIRY=0 -> exit 1', args: LISTEN, config: GOOD + 'TOKEN_MAX_EXPIRY=0\n', exit: 1, stderr: /TOKEN_MAX_EXPIRY/ },
  { name: 'FastCGI, TOKEN_MAX_EXPIRY=86401 -> exit 1', args: LISTEN, config: GOOD + 'TOKEN_MAX_EXPIRY=86401\n', exit: 1, stderr: /TOKEN_MAX_EXPIRY/ },
  { name: 'FastCGI, unknown config key -> exit 1 naming it', args: LISTEN, config: GOOD + 'APP_SECRET=abc\n', exit: 1, stderr: /APP_SECRET|line 3/ },
  { name: 'FastCGI, missing config file -> non-zero', args: ['--listen', 'unix:$T/cli.sock', '--config', '$T/does-not-exist.conf'], exit: 'nonzero', stderr: /does-not-exist|config/i },
];

module.exports = { APP_ID, APP_CERTIFICATE, CORS_CONFIG, BAD_CERT, GOOD, main, cors, cgiOnly, cli, PUB, SUB };
