/*
 * The request function: mount point, routing, input validation, token
 * minting and JSON replies.  See req.h for the contract.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "parse.h"
#include "req.h"
#include "tok.h"

#define MAX_SEGMENTS 8
#define MAX_CHANNEL 64
#define MAX_ACCOUNT 255
#define MAX_USER_ID 64

/*
 * Errors the handlers report.  Mapped to HTTP status in one place
 * (err_status); 4xx are the client's fault and carry a message naming
 * the field, 5xx are ours and carry a generic message.
 */
enum req_err {
	REQ_OK,
	REQ_EINPUT,	/* a field breaks its rule */
	REQ_EORIGIN,	/* CORS: origin not allowed */
	REQ_ENOROUTE,
	REQ_EMETHOD,
	REQ_EBODYSIZE,
	REQ_EURISIZE,
	REQ_EMEDIA,
	REQ_ECONFIG,	/* service not configured */
	REQ_EINTERNAL,
	REQ__MAX
};

static const int err_status[REQ__MAX] = {
	200, 400, 403, 404, 405, 413, 414, 415, 500, 500
};

static const char *const status_text[] = {
	"200 OK", "204 No Content", "400 Bad Request", "403 Forbidden",
	"404 Not Found", "405 Method Not Allowed", "413 Content Too Large",
	"414 URI Too Long", "415 Unsupported Media Type",
	"500 Internal Server Error",
};

enum {
	M_GET = 1 << 0,
	M_HEAD = 1 << 1,
	M_POST = 1 << 2,
	M_OPTIONS = 1 << 3
};

/* Decoded path segment. */
struct seg {
	const char *s;
	size_t len;
};

/* Everything a handler sees and fills. */
struct hctx {
	const struct cfg *cfg;
	struct tok_ctx *tok;
	const struct req *rq;
	struct seg param[MAX_SEGMENTS];
	size_t nparam;
	json_t *reply;		/* success body */
	int ntokens;		/* tokens built so far (salt choice) */
	char msg[512];		/* error message */
	const char *log;	/* 5xx reason for the log */
};

typedef enum req_err (*handler_fn)(struct hctx *);

static enum req_err h_root(struct hctx *);
static enum req_err h_ping(struct hctx *);
static enum req_err h_rtc(struct hctx *);
static enum req_err h_rtm(struct hctx *);
static enum req_err h_rte(struct hctx *);
static enum req_err h_chat_app(struct hctx *);
static enum req_err h_chat_account(struct hctx *);
static enum req_err h_get_token(struct hctx *);

/*
 * The route table.  Pattern segments starting with ':' are parameters;
 * a trailing '?' makes the last one optional.  OPTIONS (CORS preflight)
 * is answered for every row.
 */
static const struct route {
	const char *pattern;
	unsigned methods;
	const char *allow;
	handler_fn fn;
} routes[] = {
	{ "/", M_GET | M_HEAD, "GET, HEAD, OPTIONS", h_root },
	{ "/ping", M_GET | M_HEAD, "GET, HEAD, OPTIONS", h_ping },
	{ "/rtc/:channelName/:role/:tokenType/:uid", M_GET, "GET, OPTIONS",
	    h_rtc },
	{ "/rtm/:rtmuid", M_GET, "GET, OPTIONS", h_rtm },
	{ "/rte/:channelName/:role/:tokenType/:rtcuid/:rtmuid?", M_GET,
	    "GET, OPTIONS", h_rte },
	{ "/chat/app", M_GET, "GET, OPTIONS", h_chat_app },
	{ "/chat/account/:chatid", M_GET, "GET, OPTIONS", h_chat_account },
	{ "/getToken", M_POST, "POST, OPTIONS", h_get_token },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static enum req_err
fail(struct hctx *h, enum req_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->msg, sizeof(h->msg), fmt, ap);
	va_end(ap);
	return e;
}

/*
 * Copies untrusted bytes into an error message safely: printable ASCII
 * as is, everything else as \xNN, at most 64 input bytes.  Keeps every
 * message valid UTF-8 and free of control characters.
 */
static const char *
shown(const char *s, size_t len, char *buf, size_t bufsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, n = len > 64 ? 64 : len;
	unsigned char c;

	for (i = 0; i < n && o + 5 < bufsz; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (n < len && o + 4 < bufsz) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- field validation ------------------------------------------------ */

static enum req_err
check_channel(struct hctx *h, const char *s, size_t len)
{
	if (!prs_agora_name(s, len, MAX_CHANNEL))
		return fail(h, REQ_EINPUT, "channelName must be 1-64 bytes "
		    "of a-z A-Z 0-9 space and !#$%%&()+-:;<=.>?@[]^_{}|~,");
	return REQ_OK;
}

/* role: publisher/host/1 -> 1, subscriber/audience/2 -> 2. */
static enum req_err
check_role(struct hctx *h, const char *s, size_t len, int *publisher)
{
	if (prs_ieq(s, len, "publisher") || prs_ieq(s, len, "host") ||
	    prs_ieq(s, len, "1"))
		*publisher = 1;
	else if (prs_ieq(s, len, "subscriber") ||
	    prs_ieq(s, len, "audience") || prs_ieq(s, len, "2"))
		*publisher = 0;
	else
		return fail(h, REQ_EINPUT, "role must be one of publisher, "
		    "subscriber, host, audience, 1, 2");
	return REQ_OK;
}

static enum req_err
check_uid(struct hctx *h, const char *field, const char *s, size_t len,
    uint32_t *uid)
{
	if (prs_u32(s, len, 0, UINT32_MAX, uid) == -1)
		return fail(h, REQ_EINPUT, "%s must be a decimal number from "
		    "0 to 4294967295 (digits only)", field);
	return REQ_OK;
}

static enum req_err
check_account(struct hctx *h, const char *field, const char *s, size_t len)
{
	if (!prs_agora_name(s, len, MAX_ACCOUNT))
		return fail(h, REQ_EINPUT, "%s must be a user account of "
		    "1-255 bytes of a-z A-Z 0-9 space and "
		    "!#$%%&()+-:;<=.>?@[]^_{}|~,", field);
	return REQ_OK;
}

static enum req_err
check_rtm_id(struct hctx *h, const char *field, const char *s, size_t len)
{
	if (!prs_printable_id(s, len, MAX_USER_ID))
		return fail(h, REQ_EINPUT, "%s must be 1-64 bytes of "
		    "printable ASCII, not starting with a space", field);
	if (len == 1 && s[0] == '0')
		return fail(h, REQ_EINPUT, "%s must not be \"0\"", field);
	return REQ_OK;
}

static enum req_err
check_chat_id(struct hctx *h, const char *field, const char *s, size_t len)
{
	if (!prs_printable_id(s, len, MAX_USER_ID))
		return fail(h, REQ_EINPUT, "%s must be 1-64 bytes of "
		    "printable ASCII, not starting with a space", field);
	return REQ_OK;
}

static enum req_err
expiry_rule(struct hctx *h, const char *field)
{
	return fail(h, REQ_EINPUT, "%s must be a whole number of seconds "
	    "from 1 to %u", field, h->cfg->max_expiry);
}

/*
 * Reads ?expiry= from the query string.  Absent: the default.  Given
 * twice: refused, since either reading could be the wrong one.
 */
static enum req_err
query_expiry(struct hctx *h, uint32_t *expiry)
{
	const char *q = h->rq->query;
	char key[16], val[32];
	struct prs_pair p;
	size_t pos = 0, qlen;
	long klen, vlen;
	int seen = 0;

	*expiry = h->cfg->default_expiry;
	if (q == NULL)
		return REQ_OK;
	qlen = strlen(q);
	while (prs_query_next(q, qlen, &pos, &p)) {
		/* Keys longer than any we read cannot match. */
		if (p.key_len >= 3 * sizeof(key))
			continue;
		klen = prs_pct_decode(p.key, p.key_len, key, sizeof(key), 1);
		if (klen < 0) {
			if (p.key_len < sizeof(key))
				return fail(h, REQ_EINPUT, "query string has "
				    "malformed percent-encoding");
			continue;
		}
		if ((size_t)klen != 6 || memcmp(key, "expiry", 6) != 0)
			continue;
		if (seen++)
			return fail(h, REQ_EINPUT, "expiry is given more than "
			    "once");
		vlen = prs_pct_decode(p.val, p.val_len, val, sizeof(val), 1);
		if (vlen < 0 || prs_u32(val, (size_t)vlen, 1,
		    h->cfg->max_expiry, expiry) == -1)
			return expiry_rule(h, "expiry");
	}
	return REQ_OK;
}

/* ---- minting ----------------------------------------------------------- */

static void
add_priv(struct tok_service *s, uint16_t key, uint32_t value)
{
	s->priv[s->npriv].key = key;
	s->priv[s->npriv].value = value;
	s->npriv++;
}

static void
params_init(struct hctx *h, struct tok_params *p, uint32_t expiry)
{
	memset(p, 0, sizeof(*p));
	p->app_id = h->cfg->app_id;
	p->app_certificate = h->cfg->app_certificate;
	p->issue_ts = h->rq->now;
	/* Each token of a reply gets its own salt. */
	p->salt = h->ntokens++ == 0 ? h->rq->salt : h->rq->salt2;
	p->expire = expiry;
}

/* Adds an RTC service; body must outlive the build. */
static enum req_err
add_rtc(struct hctx *h, struct tok_params *p, unsigned char *body,
    size_t bodysz, const char *channel, size_t clen, const char *uid,
    size_t ulen, const uint16_t *privs, size_t nprivs)
{
	struct tok_service *s = &p->svc[p->nservice++];
	size_t i;

	s->type = TOK_SVC_RTC;
	s->body = body;
	s->body_len = tok_body_rtc(body, bodysz, channel, clen, uid, ulen);
	if (s->body_len == 0)
		return fail(h, REQ_EINTERNAL, "internal error");
	for (i = 0; i < nprivs; i++)
		add_priv(s, privs[i], p->expire);
	return REQ_OK;
}

static enum req_err
add_str_service(struct hctx *h, struct tok_params *p, uint16_t type,
    uint16_t priv, unsigned char *body, size_t bodysz, const char *s,
    size_t len)
{
	struct tok_service *svc = &p->svc[p->nservice++];

	svc->type = type;
	svc->body = body;
	svc->body_len = tok_body_str(body, bodysz, s, len);
	if (svc->body_len == 0)
		return fail(h, REQ_EINTERNAL, "internal error");
	add_priv(svc, priv, p->expire);
	return REQ_OK;
}

static const uint16_t pub_privs[] = { TOK_PRIV_JOIN_CHANNEL,
    TOK_PRIV_PUBLISH_AUDIO, TOK_PRIV_PUBLISH_VIDEO, TOK_PRIV_PUBLISH_DATA };
static const uint16_t sub_privs[] = { TOK_PRIV_JOIN_CHANNEL };
static const uint16_t stream_privs[] = { TOK_PRIV_JOIN_CHANNEL,
    TOK_PRIV_PUBLISH_DATA };

/* Builds p and puts the token into the reply under key. */
static enum req_err
mint(struct hctx *h, const struct tok_params *p, const char *key)
{
	char token[TOK_MAX_TOKEN];
	enum tok_err te;

	if (p->salt == 0) {
		/* Never sign with a predictable salt. */
		h->log = "random source failed: no salt";
		return fail(h, REQ_EINTERNAL, "internal error");
	}
	te = tok_build(h->tok, p, token, sizeof(token));
	if (te != TOK_OK) {
		h->log = tok_strerror(te);
		return fail(h, REQ_EINTERNAL, "internal error");
	}
	if (h->reply == NULL)
		h->reply = json_object();
	if (json_object_set_new(h->reply, key, json_string(token)) == -1) {
		h->log = "out of memory";
		return fail(h, REQ_EINTERNAL, "internal error");
	}
	return REQ_OK;
}

/* The RTC uid as the token carries it. */
struct rtc_uid {
	char text[MAX_ACCOUNT + 1];
	size_t len;
	int numeric_zero;
};

static enum req_err
rtc_token(struct hctx *h, const struct seg *channel, int publisher,
    const struct rtc_uid *uid, uint32_t expiry, const char *key)
{
	struct tok_params p;
	unsigned char body[2 + MAX_CHANNEL + 2 + MAX_ACCOUNT];
	enum req_err e;

	params_init(h, &p, expiry);
	e = add_rtc(h, &p, body, sizeof(body), channel->s, channel->len,
	    uid->text, uid->len, publisher ? pub_privs : sub_privs,
	    publisher ? 4 : 1);
	if (e != REQ_OK)
		return e;
	return mint(h, &p, key);
}

/* RTM login for user, plus the stream-channel RTC grant when a channel
 * is given (join + publish data), as the reference service emits. */
static enum req_err
rtm_token(struct hctx *h, const char *user, size_t ulen,
    const struct seg *channel, uint32_t expiry, const char *key)
{
	struct tok_params p;
	unsigned char rtc[2 + MAX_CHANNEL + 2 + MAX_USER_ID];
	unsigned char rtm[2 + MAX_USER_ID];
	enum req_err e;

	params_init(h, &p, expiry);
	if (channel != NULL) {
		e = add_rtc(h, &p, rtc, sizeof(rtc), channel->s, channel->len,
		    user, ulen, stream_privs, 2);
		if (e != REQ_OK)
			return e;
	}
	e = add_str_service(h, &p, TOK_SVC_RTM, TOK_PRIV_RTM_LOGIN, rtm,
	    sizeof(rtm), user, ulen);
	if (e != REQ_OK)
		return e;
	return mint(h, &p, key);
}

static enum req_err
chat_token(struct hctx *h, const char *user, size_t ulen, uint32_t expiry,
    const char *key)
{
	struct tok_params p;
	unsigned char body[2 + MAX_USER_ID];
	enum req_err e;

	params_init(h, &p, expiry);
	e = add_str_service(h, &p, TOK_SVC_CHAT, ulen == 0 ?
	    TOK_PRIV_CHAT_APP : TOK_PRIV_CHAT_USER, body, sizeof(body), user,
	    ulen);
	if (e != REQ_OK)
		return e;
	return mint(h, &p, key);
}

/* ---- handlers ---------------------------------------------------------- */

static enum req_err
h_root(struct hctx *h)
{
	json_t *list = json_array();
	char line[128];
	size_t i;

	for (i = 0; i < NROUTES; i++) {
		snprintf(line, sizeof(line), "%s %s",
		    routes[i].methods & M_POST ? "POST" : "GET",
		    routes[i].pattern);
		json_array_append_new(list, json_string(line));
	}
	h->reply = json_object();
	json_object_set_new(h->reply, "service", json_string("agora-token-fcgi"));
	json_object_set_new(h->reply, "version", json_string(REQ_VERSION));
	json_object_set_new(h->reply, "routes", list);
	return REQ_OK;
}

static enum req_err
h_ping(struct hctx *h)
{
	h->reply = json_pack("{s:s}", "message", "pong");
	return REQ_OK;
}

/* Shared by /rtc and /rte: channel, role, tokenType, uid segments. */
static enum req_err
rtc_params(struct hctx *h, int *publisher, struct rtc_uid *uid)
{
	const struct seg *ch = &h->param[0], *role = &h->param[1],
	    *type = &h->param[2], *u = &h->param[3];
	char buf[200];
	uint32_t n;
	enum req_err e;

	if ((e = check_channel(h, ch->s, ch->len)) != REQ_OK ||
	    (e = check_role(h, role->s, role->len, publisher)) != REQ_OK)
		return e;
	if (type->len == 3 && memcmp(type->s, "uid", 3) == 0) {
		if ((e = check_uid(h, "uid", u->s, u->len, &n)) != REQ_OK)
			return e;
		uid->len = tok_uid_text(n, uid->text);
		uid->numeric_zero = n == 0;
	} else if (type->len == 11 && memcmp(type->s, "userAccount", 11) == 0) {
		if ((e = check_account(h, "uid", u->s, u->len)) != REQ_OK)
			return e;
		memcpy(uid->text, u->s, u->len);
		uid->len = u->len;
		uid->numeric_zero = 0;
	} else
		return fail(h, REQ_EINPUT, "tokenType must be uid or "
		    "userAccount, got \"%s\"",
		    shown(type->s, type->len, buf, sizeof(buf)));
	return REQ_OK;
}

static enum req_err
h_rtc(struct hctx *h)
{
	struct rtc_uid uid;
	uint32_t expiry;
	int publisher;
	enum req_err e;

	if ((e = rtc_params(h, &publisher, &uid)) != REQ_OK ||
	    (e = query_expiry(h, &expiry)) != REQ_OK)
		return e;
	return rtc_token(h, &h->param[0], publisher, &uid, expiry,
	    "rtcToken");
}

static enum req_err
h_rtm(struct hctx *h)
{
	uint32_t expiry;
	enum req_err e;

	if ((e = check_rtm_id(h, "rtmuid", h->param[0].s,
	    h->param[0].len)) != REQ_OK ||
	    (e = query_expiry(h, &expiry)) != REQ_OK)
		return e;
	return rtm_token(h, h->param[0].s, h->param[0].len, NULL, expiry,
	    "rtmToken");
}

static enum req_err
h_rte(struct hctx *h)
{
	struct rtc_uid uid;
	const char *rtm;
	size_t rtm_len;
	uint32_t expiry;
	int publisher;
	enum req_err e;

	if ((e = rtc_params(h, &publisher, &uid)) != REQ_OK)
		return e;
	if (h->nparam == 5) {
		rtm = h->param[4].s;
		rtm_len = h->param[4].len;
	} else {
		if (uid.numeric_zero)
			return fail(h, REQ_EINPUT, "rtmuid is required when "
			    "the RTC uid is 0 (the RTM user id cannot be "
			    "empty or \"0\")");
		rtm = uid.text;
		rtm_len = uid.len;
	}
	if ((e = check_rtm_id(h, "rtmuid", rtm, rtm_len)) != REQ_OK ||
	    (e = query_expiry(h, &expiry)) != REQ_OK)
		return e;
	if ((e = rtc_token(h, &h->param[0], publisher, &uid, expiry,
	    "rtcToken")) != REQ_OK)
		return e;
	return rtm_token(h, rtm, rtm_len, &h->param[0], expiry, "rtmToken");
}

static enum req_err
h_chat_app(struct hctx *h)
{
	uint32_t expiry;
	enum req_err e;

	if ((e = query_expiry(h, &expiry)) != REQ_OK)
		return e;
	return chat_token(h, "", 0, expiry, "chatToken");
}

static enum req_err
h_chat_account(struct hctx *h)
{
	uint32_t expiry;
	enum req_err e;

	if ((e = check_chat_id(h, "chatid", h->param[0].s,
	    h->param[0].len)) != REQ_OK ||
	    (e = query_expiry(h, &expiry)) != REQ_OK)
		return e;
	return chat_token(h, h->param[0].s, h->param[0].len, expiry,
	    "chatToken");
}

/* ---- POST /getToken ---------------------------------------------------- */

/* The body's fields, as text.  present: the field was given. */
struct field {
	int present;
	int is_int;		/* JSON integer (uid, expire) */
	long long ival;
	char s[MAX_ACCOUNT + 1];
	size_t len;
};

enum { F_TOKENTYPE, F_CHANNEL, F_ROLE, F_UID, F_EXPIRE, F__MAX };
static const char *const field_names[F__MAX] = {
	"tokenType", "channel", "role", "uid", "expire"
};

static int
field_index(const char *k, size_t klen)
{
	int i;

	for (i = 0; i < F__MAX; i++)
		if (strlen(field_names[i]) == klen &&
		    memcmp(field_names[i], k, klen) == 0)
			return i;
	return -1;
}

static enum req_err
field_text(struct hctx *h, struct field *f, const char *name, const char *s,
    size_t len)
{
	if (len > MAX_ACCOUNT)
		return fail(h, REQ_EINPUT, "%s is too long", name);
	if (memchr(s, '\0', len) != NULL)
		return fail(h, REQ_EINPUT, "%s must not contain NUL", name);
	memcpy(f->s, s, len);
	f->s[len] = '\0';
	f->len = len;
	f->present = 1;
	return REQ_OK;
}

static enum req_err
body_json(struct hctx *h, struct field *f)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *k;
	enum req_err e = REQ_OK;
	int i;

	root = json_loadb(h->rq->body != NULL ? h->rq->body : "",
	    h->rq->body_len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		/* Our words for the cases a client can fix by reading
		 * them; the parser's own text (with a position) else. */
		switch (json_error_code(&jerr)) {
		case json_error_null_character:
			return fail(h, REQ_EINPUT, "body is not valid JSON: "
			    "NUL (\\u0000) is not allowed in strings");
		default: {
			/* The parser quotes the input, possibly cut in the
			 * middle of a UTF-8 sequence: escape it. */
			char buf[sizeof(jerr.text) * 4 + 8];

			return fail(h, REQ_EINPUT, "body is not valid JSON: "
			    "%s (line %d, column %d)", shown(jerr.text,
			    strlen(jerr.text), buf, sizeof(buf)), jerr.line,
			    jerr.column);
		}
		}
	}
	if (!json_is_object(root)) {
		e = fail(h, REQ_EINPUT, "body must be a JSON object");
		goto done;
	}
	json_object_foreach(root, k, v) {
		if ((i = field_index(k, strlen(k))) < 0)
			continue;
		if (json_is_string(v)) {
			if (i == F_EXPIRE) {
				e = expiry_rule(h, "expire");
				goto done;
			}
			e = field_text(h, &f[i], field_names[i],
			    json_string_value(v), json_string_length(v));
		} else if (json_is_integer(v) && (i == F_UID ||
		    i == F_EXPIRE || i == F_ROLE)) {
			f[i].present = 1;
			f[i].is_int = 1;
			f[i].ival = json_integer_value(v);
			if (f[i].ival >= 0 && f[i].ival <= UINT32_MAX)
				f[i].len = (size_t)snprintf(f[i].s,
				    sizeof(f[i].s), "%lld", f[i].ival);
			else if (i == F_EXPIRE) {
				e = expiry_rule(h, "expire");
				goto done;
			} else {
				e = fail(h, REQ_EINPUT, "%s is out of range",
				    field_names[i]);
				goto done;
			}
		} else if (i == F_EXPIRE) {
			e = expiry_rule(h, "expire");
			goto done;
		} else
			e = fail(h, REQ_EINPUT, "%s must be a %s",
			    field_names[i], i == F_UID || i == F_ROLE ?
			    "string or an integer" : "string");
		if (e != REQ_OK)
			goto done;
	}
done:
	json_decref(root);
	return e;
}

static enum req_err
body_form(struct hctx *h, struct field *f)
{
	char key[32], val[3 * MAX_ACCOUNT + 4];
	struct prs_pair p;
	size_t pos = 0;
	long klen, vlen;
	int i;
	enum req_err e;

	if (h->rq->body_len > 0 &&
	    memchr(h->rq->body, '\0', h->rq->body_len) != NULL)
		return fail(h, REQ_EINPUT, "form body must not contain NUL");
	while (h->rq->body_len > 0 &&
	    prs_query_next(h->rq->body, h->rq->body_len, &pos, &p)) {
		/* No field name is longer than 9 bytes, 27 encoded:
		 * longer keys are someone else's. */
		if (p.key_len >= sizeof(key))
			continue;
		klen = prs_pct_decode(p.key, p.key_len, key, sizeof(key), 1);
		if (klen < 0)
			return fail(h, REQ_EINPUT, "form body has malformed "
			    "percent-encoding");
		if ((i = field_index(key, (size_t)klen)) < 0)
			continue;
		if (f[i].present)
			return fail(h, REQ_EINPUT, "%s is given more than "
			    "once", field_names[i]);
		vlen = prs_pct_decode(p.val, p.val_len, val, sizeof(val), 1);
		if (vlen < 0)
			return fail(h, REQ_EINPUT, "%s has malformed "
			    "percent-encoding or is too long",
			    field_names[i]);
		if ((e = field_text(h, &f[i], field_names[i], val,
		    (size_t)vlen)) != REQ_OK)
			return e;
	}
	return REQ_OK;
}

/* Media type of CONTENT_TYPE without parameters, compared
 * case-insensitively. */
static int
media_is(const char *ct, const char *want)
{
	size_t n = strcspn(ct, ";");

	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	while (n > 0 && (*ct == ' ' || *ct == '\t')) {
		ct++;
		n--;
	}
	return prs_ieq(ct, n, want);
}

static enum req_err
h_get_token(struct hctx *h)
{
	struct field f[F__MAX];
	struct seg channel;
	struct rtc_uid uid;
	const char *ct = h->rq->content_type;
	uint32_t expiry, n;
	int publisher;
	enum req_err e;

	if (h->rq->bad_length)
		return fail(h, REQ_EINPUT, "Content-Length is not a number");
	if (h->rq->body_too_large || h->rq->body_len > REQ_MAX_BODY)
		return fail(h, REQ_EBODYSIZE, "body is larger than %d bytes",
		    REQ_MAX_BODY);
	memset(f, 0, sizeof(f));
	if (ct != NULL && media_is(ct, "application/json"))
		e = body_json(h, f);
	else if (ct != NULL && media_is(ct, "application/x-www-form-urlencoded"))
		e = body_form(h, f);
	else
		return fail(h, REQ_EMEDIA, "Content-Type must be "
		    "application/json or application/x-www-form-urlencoded");
	if (e != REQ_OK)
		return e;

	expiry = h->cfg->default_expiry;
	if (f[F_EXPIRE].present && !(f[F_EXPIRE].len == 1 &&
	    f[F_EXPIRE].s[0] == '0') && prs_u32(f[F_EXPIRE].s,
	    f[F_EXPIRE].len, 0, h->cfg->max_expiry, &expiry) == -1)
		return expiry_rule(h, "expire");
	if (expiry == 0)
		expiry = h->cfg->default_expiry;

	if (!f[F_TOKENTYPE].present)
		return fail(h, REQ_EINPUT, "tokenType is required (rtc, rtm "
		    "or chat)");
	channel.s = f[F_CHANNEL].s;
	channel.len = f[F_CHANNEL].len;
	if (f[F_TOKENTYPE].len == 3 && memcmp(f[F_TOKENTYPE].s, "rtc", 3) == 0) {
		if (!f[F_CHANNEL].present)
			return fail(h, REQ_EINPUT, "channel is required for "
			    "rtc");
		if ((e = check_channel(h, channel.s, channel.len)) != REQ_OK)
			return e;
		if (!f[F_ROLE].present)
			return fail(h, REQ_EINPUT, "role is required for rtc "
			    "(publisher or subscriber)");
		if ((e = check_role(h, f[F_ROLE].s, f[F_ROLE].len,
		    &publisher)) != REQ_OK)
			return e;
		if (!f[F_UID].present || f[F_UID].len == 0)
			return fail(h, REQ_EINPUT, "uid is required for rtc");
		if (f[F_UID].is_int || prs_all_digits(f[F_UID].s,
		    f[F_UID].len)) {
			if ((e = check_uid(h, "uid", f[F_UID].s, f[F_UID].len,
			    &n)) != REQ_OK)
				return e;
			uid.len = tok_uid_text(n, uid.text);
		} else {
			if ((e = check_account(h, "uid", f[F_UID].s,
			    f[F_UID].len)) != REQ_OK)
				return e;
			memcpy(uid.text, f[F_UID].s, f[F_UID].len);
			uid.len = f[F_UID].len;
		}
		return rtc_token(h, &channel, publisher, &uid, expiry,
		    "token");
	}
	if (f[F_TOKENTYPE].len == 3 && memcmp(f[F_TOKENTYPE].s, "rtm", 3) == 0) {
		if (!f[F_UID].present)
			return fail(h, REQ_EINPUT, "uid is required for rtm");
		if ((e = check_rtm_id(h, "uid", f[F_UID].s,
		    f[F_UID].len)) != REQ_OK)
			return e;
		if (f[F_CHANNEL].present && channel.len > 0 &&
		    (e = check_channel(h, channel.s, channel.len)) != REQ_OK)
			return e;
		return rtm_token(h, f[F_UID].s, f[F_UID].len,
		    f[F_CHANNEL].present && channel.len > 0 ? &channel : NULL,
		    expiry, "token");
	}
	if (f[F_TOKENTYPE].len == 4 &&
	    memcmp(f[F_TOKENTYPE].s, "chat", 4) == 0) {
		if (!f[F_UID].present)
			return chat_token(h, "", 0, expiry, "token");
		/* An empty uid is a client bug, not a request for the
		 * far more powerful app token. */
		if ((e = check_chat_id(h, "uid", f[F_UID].s,
		    f[F_UID].len)) != REQ_OK)
			return e;
		return chat_token(h, f[F_UID].s, f[F_UID].len, expiry,
		    "token");
	}
	{
		char buf[200];

		return fail(h, REQ_EINPUT, "tokenType must be rtc, rtm or "
		    "chat, got \"%s\"", shown(f[F_TOKENTYPE].s,
		    f[F_TOKENTYPE].len, buf, sizeof(buf)));
	}
}

/* ---- mount point and routing ------------------------------------------ */

static int
route_name(const char *s, size_t len)
{
	static const char *const names[] = { "ping", "rtc", "rtm", "rte",
	    "chat", "getToken" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return 1;
	return 0;
}

/*
 * Finds the path relative to the mount point.  *raw says whether it is
 * still percent-encoded (from REQUEST_URI) or already decoded
 * (PATH_INFO).  See the README: routing on the raw REQUEST_URI is the
 * only way to tell "%2F" from "/".
 */
static const char *
mount_path(const struct req *rq, char *scratch, size_t scratchsz,
    size_t *len, int *raw)
{
	const char *uri = rq->request_uri, *sn = rq->script_name;
	const char *pi = rq->path_info;
	size_t ulen = 0, snlen;
	long dlen;

	*raw = 1;
	if (uri != NULL)
		ulen = strcspn(uri, "?");
	if (uri != NULL && sn != NULL && pi == NULL) {
		/*
		 * nginx's common "include fastcgi_params" config at
		 * location / sends SCRIPT_NAME = the whole decoded path
		 * and no PATH_INFO at all.  A config that splits the path
		 * sends PATH_INFO, empty for the mount point itself, so
		 * it never lands here.  A CGI script at its own URL
		 * sends neither, but there SCRIPT_FILENAME is set and the
		 * first segment is not one of our routes.
		 */
		dlen = prs_pct_decode(uri, ulen, scratch, scratchsz, 0);
		if (dlen >= 0 && strcmp(scratch, sn) == 0 &&
		    (rq->script_filename == NULL || strcmp(sn, "/") == 0 ||
		    (sn[0] == '/' && route_name(sn + 1,
		    strcspn(sn + 1, "/"))))) {
			*len = ulen;
			return uri;
		}
	}
	if (uri != NULL && sn != NULL) {
		snlen = strlen(sn);
		if (snlen <= ulen && memcmp(uri, sn, snlen) == 0 &&
		    (snlen == ulen || uri[snlen] == '/' ||
		    (snlen > 0 && sn[snlen - 1] == '/'))) {
			/* "/token/" style SCRIPT_NAME keeps its slash. */
			if (snlen > 0 && sn[snlen - 1] == '/')
				snlen--;
			/*
			 * Something after the mount point with no PATH_INFO
			 * at all means SCRIPT_NAME was not a mount point
			 * (nginx's unsplit config, after it merged "//"):
			 * route on the whole path below instead.
			 */
			if (ulen - snlen <= 1 || pi != NULL) {
				*len = ulen - snlen;
				return uri + snlen;
			}
		}
	}
	if (pi != NULL && *pi != '\0') {
		*raw = 0;
		*len = strlen(pi);
		return pi;
	}
	if (uri != NULL) {
		*len = ulen;
		return uri;
	}
	*len = 0;
	return "";
}

/*
 * Splits and decodes the path into segments stored in arena.
 * Returns REQ_OK, REQ_ENOROUTE (too many segments), or REQ_EINPUT.
 */
static enum req_err
split_path(struct hctx *h, const char *path, size_t len, int raw,
    char *arena, size_t arenasz, struct seg *segs, size_t *nsegs)
{
	size_t i = 0, start, o = 0, n = 0;
	long dlen;

	*nsegs = 0;
	if (len > 0 && path[0] == '/') {
		path++;
		len--;
	}
	if (len > 0 && path[len - 1] == '/')
		len--;		/* trailing slash is optional */
	if (len == 0)
		return REQ_OK;	/* the mount point itself: "/" */
	while (i <= len) {
		start = i;
		while (i < len && path[i] != '/')
			i++;
		if (n == MAX_SEGMENTS)
			return REQ_ENOROUTE;
		if (raw) {
			dlen = prs_pct_decode(path + start, i - start,
			    arena + o, arenasz - o, 0);
			if (dlen < 0)
				return fail(h, REQ_EINPUT, "path has "
				    "malformed percent-encoding or an "
				    "encoded NUL");
		} else {
			dlen = (long)(i - start);
			memcpy(arena + o, path + start, (size_t)dlen);
			arena[o + (size_t)dlen] = '\0';
		}
		segs[n].s = arena + o;
		segs[n].len = (size_t)dlen;
		if ((dlen == 1 && segs[n].s[0] == '.') ||
		    (dlen == 2 && memcmp(segs[n].s, "..", 2) == 0))
			return fail(h, REQ_EINPUT, "path segments \".\" and "
			    "\"..\" are not allowed");
		o += (size_t)dlen + 1;
		n++;
		i++;
	}
	*nsegs = n;
	return REQ_OK;
}

/* Matches segments against a pattern; fills h->param on success. */
static int
match(const char *pattern, const struct seg *segs, size_t nsegs,
    struct hctx *h)
{
	const char *p = pattern + 1, *e;
	size_t i = 0, plen, np = 0;
	int optional;

	while (*p != '\0') {
		e = strchr(p, '/');
		plen = e != NULL ? (size_t)(e - p) : strlen(p);
		optional = p[0] == ':' && p[plen - 1] == '?';
		if (i == nsegs) {
			if (!optional)
				return 0;
			break;
		}
		if (p[0] == ':') {
			if (np == MAX_SEGMENTS)
				return 0;
			h->param[np++] = segs[i];
		} else if (segs[i].len != plen ||
		    memcmp(segs[i].s, p, plen) != 0)
			return 0;
		i++;
		p += plen;
		if (*p == '/')
			p++;
	}
	if (i != nsegs)
		return 0;
	h->nparam = np;
	return 1;
}

static unsigned
method_bit(const char *m)
{
	if (m == NULL)
		return 0;
	if (strcmp(m, "GET") == 0)
		return M_GET;
	if (strcmp(m, "HEAD") == 0)
		return M_HEAD;
	if (strcmp(m, "POST") == 0)
		return M_POST;
	if (strcmp(m, "OPTIONS") == 0)
		return M_OPTIONS;
	return 0;
}

/*
 * CORS: returns 1 and sets *allow_origin (borrowed, or NULL for no
 * header) if the request may proceed, 0 if the origin is refused.
 * An Origin is echoed only after it is checked byte by byte, so nothing
 * the client sends reaches a header unchecked.
 */
static int
cors_check(const struct cfg *cfg, const char *origin, const char **allow)
{
	size_t len, i;

	*allow = NULL;
	if (origin == NULL)
		return 1;
	len = strlen(origin);
	if (len == 0 || len > REQ_MAX_ORIGIN)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)origin[i] <= 0x20 ||
		    (unsigned char)origin[i] >= 0x7f)
			return 0;
	if (!cfg->cors_any) {
		for (i = 0; i < cfg->norigins; i++)
			if (cfg->origins[i].len == len &&
			    memcmp(cfg->origins[i].s, origin, len) == 0)
				break;
		if (i == cfg->norigins)
			return 0;
	}
	*allow = origin;
	return 1;
}

/* ---- response assembly ------------------------------------------------- */

struct out {
	char *buf;
	size_t len, cap;
	int oom;
};

static void
put(struct out *o, const char *s, size_t n)
{
	char *nb;
	size_t ncap;

	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		ncap = o->cap ? o->cap : 512;
		while (ncap < o->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(o->buf, ncap)) == NULL) {
			o->oom = 1;
			return;
		}
		o->buf = nb;
		o->cap = ncap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
puts2(struct out *o, const char *name, const char *value)
{
	put(o, name, strlen(name));
	put(o, ": ", 2);
	put(o, value, strlen(value));
	put(o, "\r\n", 2);
}

static const char *
status_line(int status)
{
	size_t i;

	for (i = 0; i < sizeof(status_text) / sizeof(status_text[0]); i++)
		if (atoi(status_text[i]) == status)
			return status_text[i];
	return "500 Internal Server Error";
}

static const char oom_response[] =
    "Status: 500 Internal Server Error\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: private, no-cache, no-store, must-revalidate\r\n"
    "Pragma: no-cache\r\nExpires: -1\r\n\r\n"
    "{\"error\":\"internal error\",\"status\":500}";

static void
finish(struct resp *r, int status, const char *body, size_t body_len,
    int head, const char *acao, const char *allow, int preflight)
{
	struct out o = { NULL, 0, 0, 0 };
	char num[32];

	r->status = status;
	puts2(&o, "Status", status_line(status));
	puts2(&o, "Content-Type", "application/json");
	puts2(&o, "Cache-Control", "private, no-cache, no-store, "
	    "must-revalidate");
	puts2(&o, "Pragma", "no-cache");
	puts2(&o, "Expires", "-1");
	puts2(&o, "Vary", "Origin");
	if (acao != NULL)
		puts2(&o, "Access-Control-Allow-Origin", acao);
	if (allow != NULL)
		puts2(&o, "Allow", allow);
	if (preflight) {
		puts2(&o, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
		puts2(&o, "Access-Control-Allow-Headers",
		    "Content-Type, Authorization");
		puts2(&o, "Access-Control-Max-Age", "7200");
	}
	snprintf(num, sizeof(num), "%lu", (unsigned long)body_len);
	puts2(&o, "Content-Length", num);
	put(&o, "\r\n", 2);
	r->body_off = o.len;
	if (!head)
		put(&o, body, body_len);
	if (o.oom) {
		free(o.buf);
		r->status = 500;
		r->bytes = oom_response;
		r->len = sizeof(oom_response) - 1;
		r->body_off = r->len - 39;
		r->log = "out of memory";
		return;
	}
	r->owned = o.buf;
	r->bytes = o.buf;
	r->len = o.len;
}

void
resp_free(struct resp *r)
{
	free(r->owned);
	r->owned = NULL;
	r->bytes = NULL;
}

void
req_handle(const struct cfg *cfg, struct tok_ctx *tok, const struct req *rq,
    struct resp *out)
{
	struct hctx h;
	struct seg segs[MAX_SEGMENTS];
	const struct route *rt = NULL;
	const char *path, *acao = NULL, *allow = NULL;
	char *arena = NULL, *body = NULL;
	size_t plen, nsegs = 0, i, arenasz;
	unsigned m;
	int raw, head = 0, preflight = 0, status;
	enum req_err e = REQ_OK;
	json_t *ej;

	memset(&h, 0, sizeof(h));
	memset(out, 0, sizeof(*out));
	h.cfg = cfg;
	h.tok = tok;
	h.rq = rq;
	m = method_bit(rq->method);
	head = m == M_HEAD;

	if (cfg == NULL) {
		h.log = "service is not configured";
		e = fail(&h, REQ_ECONFIG, "service is not configured");
		goto reply;
	}
	if (!cors_check(cfg, rq->origin, &acao)) {
		e = fail(&h, REQ_EORIGIN, "origin not allowed");
		goto reply;
	}
	if (rq->query != NULL && strlen(rq->query) > REQ_MAX_QUERY) {
		e = fail(&h, REQ_EURISIZE, "query string is longer than %d "
		    "bytes", REQ_MAX_QUERY);
		goto reply;
	}
	arenasz = REQ_MAX_PATH + 2 * MAX_SEGMENTS;
	if ((arena = malloc(arenasz)) == NULL) {
		h.log = "out of memory";
		e = fail(&h, REQ_EINTERNAL, "internal error");
		goto reply;
	}
	/* The whole raw path is bounded, mount point included: past the
	 * limit nothing else is looked at. */
	if ((rq->request_uri != NULL &&
	    strcspn(rq->request_uri, "?") > REQ_MAX_PATH) ||
	    (rq->path_info != NULL && strlen(rq->path_info) > REQ_MAX_PATH)) {
		e = fail(&h, REQ_EURISIZE, "path is longer than %d bytes",
		    REQ_MAX_PATH);
		goto reply;
	}
	path = mount_path(rq, arena, arenasz, &plen, &raw);
	if (plen > REQ_MAX_PATH) {
		e = fail(&h, REQ_EURISIZE, "path is longer than %d bytes",
		    REQ_MAX_PATH);
		goto reply;
	}
	e = split_path(&h, path, plen, raw, arena, arenasz, segs, &nsegs);
	if (e == REQ_ENOROUTE)
		e = fail(&h, REQ_ENOROUTE, "no such route; GET / lists the "
		    "routes");
	if (e != REQ_OK)
		goto reply;
	for (i = 0; i < NROUTES; i++)
		if (match(routes[i].pattern, segs, nsegs, &h)) {
			rt = &routes[i];
			break;
		}
	if (rt == NULL) {
		e = fail(&h, REQ_ENOROUTE, "no such route; GET / lists the "
		    "routes");
		goto reply;
	}
	if (m == M_OPTIONS) {
		preflight = 1;
		goto reply;
	}
	if ((rt->methods & m) == 0) {
		allow = rt->allow;
		e = fail(&h, REQ_EMETHOD, "method not allowed; use %s",
		    rt->allow);
		goto reply;
	}
	e = rt->fn(&h);
	if (e == REQ_OK && h.reply == NULL) {
		h.log = "out of memory";
		e = fail(&h, REQ_EINTERNAL, "internal error");
	}

reply:
	if (preflight) {
		finish(out, 204, "", 0, 1, acao, NULL, 1);
		goto done;
	}
	if (e == REQ_OK) {
		status = 200;
		body = json_dumps(h.reply, JSON_COMPACT);
	} else {
		status = err_status[e];
		if (status >= 500 && e != REQ_ECONFIG)
			snprintf(h.msg, sizeof(h.msg), "internal error");
		ej = json_pack("{s:s,s:i}", "error", h.msg, "status", status);
		body = ej != NULL ? json_dumps(ej, JSON_COMPACT) : NULL;
		json_decref(ej);
		if (body == NULL && status < 500) {
			/* The message would not serialise: the client still
			 * gets its 4xx, in words fixed here. */
			char fixed[64];

			snprintf(fixed, sizeof(fixed), "{\"error\":\"invalid "
			    "request\",\"status\":%d}", status);
			body = strdup(fixed);
		}
		if (e == REQ_EORIGIN)
			acao = NULL;
	}
	if (body == NULL) {
		h.log = "out of memory";
		finish(out, 500, "{\"error\":\"internal error\",\"status\":500}",
		    39, head, NULL, NULL, 0);
	} else
		finish(out, status, body, strlen(body), head, acao, allow, 0);
	if (status >= 500 || out->status >= 500)
		out->log = h.log != NULL ? h.log : "internal error";
done:
	free(body);
	free(arena);
	json_decref(h.reply);
}
