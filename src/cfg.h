/*
 * cfg: the service configuration (credentials, CORS, expiry bound).
 *
 * Values come from a KEY=VALUE text (the config file) and from the
 * environment, which overrides the file.  This module parses and
 * validates text it is given; reading files and the environment is the
 * caller's job.  The certificate is wiped when the structs are freed and
 * is never put into an error message.
 */
#ifndef CFG_H
#define CFG_H

#include <stddef.h>
#include <stdint.h>

enum cfg_key {
	CFG_APP_ID,
	CFG_APP_CERTIFICATE,
	CFG_CORS_ALLOW_ORIGIN,
	CFG_TOKEN_MAX_EXPIRY,
	CFG__MAX
};

#define CFG_DEFAULT_MAX_EXPIRY 86400u
#define CFG_DEFAULT_EXPIRY 3600u
#define CFG_MAX_ORIGINS 64
#define CFG_MAX_VALUE 4096

/* Raw values by key, as found; NULL when unset.  Owned (malloc). */
struct cfg_src {
	char *val[CFG__MAX];
};

struct cfg_origin {
	const char *s;		/* points into cors_buf */
	size_t len;
};

/* The validated configuration.  Plain data: safe to share read-only
 * between threads. */
struct cfg {
	char app_id[33];
	char app_certificate[33];
	uint32_t max_expiry;
	uint32_t default_expiry;	/* min(3600, max_expiry) */
	int cors_any;			/* unset, empty or "*" */
	size_t norigins;
	struct cfg_origin origins[CFG_MAX_ORIGINS];
	char cors_buf[CFG_MAX_VALUE + 1];
};

/* Name of a key, e.g. "APP_ID". */
const char	*cfg_key_name(enum cfg_key);

/*
 * Sets key to a copy of val (replacing a previous value).
 * Returns 0, or -1 if the value is too long or memory ran out.
 */
int		 cfg_src_set(struct cfg_src *, enum cfg_key, const char *val);

/*
 * Parses config-file text: KEY=VALUE lines, '#' comments, blank lines,
 * an optional "export " prefix, optional matching quotes around the
 * value.  Unknown keys and malformed lines are errors.  On error returns
 * -1 with a one-line reason (with the line number, never a value) in err.
 */
int		 cfg_src_parse(struct cfg_src *, const char *text, size_t len,
		    char *err, size_t errsz);

/* Frees and wipes the values. */
void		 cfg_src_free(struct cfg_src *);

/*
 * Validates src into out.  Returns 0, or -1 with a one-line reason
 * naming the key and the rule (never the value) in err; out is then
 * wiped.
 */
int		 cfg_finish(const struct cfg_src *, struct cfg *out,
		    char *err, size_t errsz);

/* Wipes the certificate. */
void		 cfg_clear(struct cfg *);

#endif /* CFG_H */
