/*
 * defl: zlib's own bytes for short inputs, without zlib's per-block cost.
 *
 * A token's content (a few hundred bytes) is compressed by the official
 * libraries with zlib at the default level, and zlib nearly always
 * writes it as one fixed-Huffman block.  This module replays zlib's
 * level-6 match search and block choice and writes that block itself,
 * in a third of zlib's instructions; whenever zlib would write something
 * else (a dynamic or a stored block) it declines and the caller runs
 * zlib.
 *
 * The reproduced encoder is stock zlib's deflate() (written against
 * 1.2.13; `make check` compares the two on the machine's zlib) with level
 * 6 (Z_DEFAULT_COMPRESSION), windowBits 15, memLevel 8, the default
 * strategy and one Z_FINISH call over the whole input.  No I/O, no
 * allocation after defl_new().
 */
#ifndef DEFL_H
#define DEFL_H

#include <stddef.h>

/* Longest input the fast path takes; longer ones are declined. */
#define DEFL_IN_MAX 8192

struct defl;

/* A work area for one thread; NULL if out of memory.  defl_free() frees. */
struct defl	*defl_new(void);
void		 defl_free(struct defl *);

/*
 * Compresses in[0..n) into out[0..outsz) as a zlib stream identical to
 * zlib's (see above).  Returns the stream's length, or 0 when declined:
 * n is 0 or over DEFL_IN_MAX, zlib would not write one fixed block, or
 * out is too small.  out is unspecified after a decline.
 */
size_t		 defl_zlib(struct defl *, const unsigned char *in, size_t n,
		    unsigned char *out, size_t outsz);

/*
 * For tests: the byte sizes zlib gives the fixed and the dynamic block
 * for in[0..n) (3-bit header included, rounded up as zlib rounds them).
 * Returns -1 when n is 0 or over DEFL_IN_MAX.
 */
int		 defl_block_sizes(struct defl *, const unsigned char *in,
		    size_t n, size_t *fixed, size_t *dynamic);

#endif /* DEFL_H */
