/*
 * tok: the Agora AccessToken2 ("007") core.
 *
 * Pure computation: packing, HMAC-SHA256, deflate, base64, and the reverse
 * for decoding.  No clock, no random source, no environment, no HTTP, no
 * JSON: issue_ts and salt are inputs, so the same inputs give the same bytes.
 * Depends only on libcrypto and zlib.
 */
#ifndef TOK_H
#define TOK_H

#include <stddef.h>
#include <stdint.h>

enum tok_err {
	TOK_OK = 0,
	TOK_ECRED,	/* app id or certificate is not 32 hex characters */
	TOK_ETOOLONG,	/* a string is over 65535 bytes, or output too big */
	TOK_ETOOMANY,	/* more services or privileges than the limits */
	TOK_ENOSERVICE,	/* a token needs at least one service */
	TOK_ENOMEM,
	TOK_ECRYPTO,	/* libcrypto failed */
	TOK_EZLIB,	/* zlib failed */
	TOK_EFORMAT,	/* decode: not a well-formed 007 token */
	TOK__MAX
};

/* Service types. */
enum {
	TOK_SVC_RTC = 1,
	TOK_SVC_RTM = 2,
	TOK_SVC_STREAMING = 3,
	TOK_SVC_FPA = 4,
	TOK_SVC_CHAT = 5,
	TOK_SVC_FCDN = 6,
	TOK_SVC_APAAS = 7,
	TOK_SVC_RTM2 = 8
};

/* Privilege ids. */
enum {
	TOK_PRIV_JOIN_CHANNEL = 1,
	TOK_PRIV_PUBLISH_AUDIO = 2,
	TOK_PRIV_PUBLISH_VIDEO = 3,
	TOK_PRIV_PUBLISH_DATA = 4,
	TOK_PRIV_RTM_LOGIN = 1,
	TOK_PRIV_CHAT_USER = 1,
	TOK_PRIV_CHAT_APP = 2
};

#define TOK_MAX_SERVICES 8
#define TOK_MAX_PRIVILEGES 8
/* Longest token string tok_build() can produce, with its NUL. */
#define TOK_MAX_TOKEN 4096

struct tok_privilege {
	uint16_t key;
	uint32_t value;		/* seconds relative to issue_ts */
};

/*
 * One service.  "body" is the already packed bytes that follow the
 * privilege map (see tok_body_*); the core does not interpret it when
 * building.  Borrowed: nothing here is freed by the core.
 */
struct tok_service {
	uint16_t type;
	size_t npriv;
	struct tok_privilege priv[TOK_MAX_PRIVILEGES];
	const unsigned char *body;
	size_t body_len;
};

struct tok_params {
	const char *app_id;		/* 32 hex characters, used as text */
	const char *app_certificate;	/* 32 hex characters, used as text */
	uint32_t issue_ts;
	uint32_t expire;		/* seconds relative to issue_ts */
	uint32_t salt;
	size_t nservice;
	struct tok_service svc[TOK_MAX_SERVICES];
};

/* Per-thread scratch state (deflate stream, MAC context), reused across
 * calls.  Not shared between threads.  Free with tok_ctx_free. */
struct tok_ctx;

struct tok_ctx	*tok_ctx_new(void);
void		 tok_ctx_free(struct tok_ctx *);

/*
 * Builds the token string for p into out (size outsz, NUL-terminated).
 * Services are written sorted by type (stable).  Returns TOK_OK, or an
 * error with out set to "" (never a partial token).
 */
enum tok_err	 tok_build(struct tok_ctx *, const struct tok_params *p,
		    char *out, size_t outsz);

/* 1 if s is exactly 32 ASCII hex digits. */
int		 tok_valid_hex32(const char *s);

/*
 * Body packers: write the service body into buf (size bufsz) and return
 * the length, or 0 if it does not fit or a string is over 65535 bytes.
 */
size_t		 tok_body_rtc(unsigned char *buf, size_t bufsz,
		    const char *channel, size_t channel_len,
		    const char *uid, size_t uid_len);
size_t		 tok_body_str(unsigned char *buf, size_t bufsz,
		    const char *s, size_t len);	/* RTM, Chat: bytes(user_id) */

/* Text form of a numeric RTC uid: 0 is "" (any uid), else decimal.
 * buf needs 11 bytes.  Returns the length. */
size_t		 tok_uid_text(uint32_t uid, char *buf);

/*
 * Decoded token.  Strings point into "raw", which the struct owns;
 * free with tok_decoded_free.  Services of unknown type stop parsing
 * (as the official parsers do); nservice counts those parsed.
 */
struct tok_decoded {
	unsigned char *raw;		/* inflated content */
	size_t raw_len;
	const unsigned char *signature;	/* 32 bytes, or tok_verify fails */
	size_t signature_len;
	const unsigned char *signing_info;
	size_t signing_info_len;
	const char *app_id;
	size_t app_id_len;
	uint32_t issue_ts, expire, salt;
	uint16_t declared_services;
	size_t nservice;
	struct tok_dservice {
		uint16_t type;
		size_t npriv;
		struct tok_privilege priv[TOK_MAX_PRIVILEGES];
		const unsigned char *body;	/* bytes after the map */
		size_t body_len;
		/*
		 * Not NUL-terminated: use the lengths.  RTC, Streaming,
		 * FCDN: s1 = channel, s2 = uid / account.  RTM, Chat,
		 * RTM2: s1 = user id.  APaaS: s1 = room uuid, s2 = user
		 * uuid (the i16 role is the last 2 bytes of body).
		 * Unused ones are "" with length 0.
		 */
		const char *s1, *s2;
		size_t s1_len, s2_len;
	} svc[TOK_MAX_SERVICES];
};

/*
 * Parses a "007" token of exactly len bytes (no surrounding whitespace:
 * trim first).  Strict standard base64; any valid zlib stream, inflated
 * to at most 64 KiB, with nothing after it.  More than TOK_MAX_SERVICES
 * known services, or TOK_MAX_PRIVILEGES privileges in one, is
 * TOK_EFORMAT.  On error the struct is left empty (safe to free).
 */
enum tok_err	 tok_decode(const char *token, size_t len, struct tok_decoded *);
void		 tok_decoded_free(struct tok_decoded *);

/* 1 if the decoded token's signature matches the certificate
 * (constant-time compare), else 0. */
int		 tok_verify(const struct tok_decoded *, const char *app_certificate);

const char	*tok_strerror(enum tok_err);

#endif /* TOK_H */
