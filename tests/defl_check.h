/*
 * defl_check.h: src/defl.c against the zlib it replays, on one input;
 * shared by tests/test_defl.c and tests/fuzz/fuzz_defl.c.
 *
 * zlib's deflate() at the default level decides what defl must do:
 *   - zlib wrote a fixed-Huffman block: defl gives the very same bytes;
 *   - zlib wrote a dynamic block: defl declines, and the size it computed
 *     for that block is zlib's, and smaller than the fixed one;
 *   - zlib stored the bytes: defl declines.
 * Inputs of 0 or over DEFL_IN_MAX bytes must be declined.
 */
#ifndef TEST_DEFL_CHECK_H
#define TEST_DEFL_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "defl.h"

#define DEFL_CHECK_OUT	(DEFL_IN_MAX + DEFL_IN_MAX / 8 + 64)

/*
 * Compares defl with zlib (zs: a deflateInit'ed default-level stream) on
 * in[0..n).  Returns NULL if they agree, else why (a static buffer).
 * *btype gets zlib's block type (0 stored, 1 fixed, 2 dynamic), or -1
 * for a length defl must decline.
 */
static const char *
defl_vs_zlib(struct defl *df, z_stream *zs, const unsigned char *in,
    size_t n, int *btype)
{
	static unsigned char	 ref[DEFL_CHECK_OUT], fast[DEFL_CHECK_OUT];
	static char		 why[160];
	size_t			 rlen, flen, fixed, dynamic;

	*btype = -1;
	flen = defl_zlib(df, in, n, fast, sizeof(fast));
	if (n == 0 || n > DEFL_IN_MAX)
		return flen == 0 ? NULL : "compressed a length it must decline";

	if (deflateReset(zs) != Z_OK)
		return "deflateReset failed";
	zs->next_in = (unsigned char *)(uintptr_t)in;
	zs->avail_in = (uInt)n;
	zs->next_out = ref;
	zs->avail_out = sizeof(ref);
	if (deflate(zs, Z_FINISH) != Z_STREAM_END)
		return "zlib did not finish";
	rlen = sizeof(ref) - zs->avail_out;
	*btype = (ref[2] >> 1) & 3;	/* the first block's type */

	if (defl_block_sizes(df, in, n, &fixed, &dynamic) != 0)
		return "defl_block_sizes refused a valid length";
	switch (*btype) {
	case 1:
		if (flen == 0)
			snprintf(why, sizeof(why), "%zu bytes: zlib wrote a "
			    "fixed block, defl declined (fixed %zu, dynamic "
			    "%zu)", n, fixed, dynamic);
		else if (flen != rlen || memcmp(fast, ref, rlen) != 0)
			snprintf(why, sizeof(why), "%zu bytes: %zu bytes "
			    "differ from zlib's %zu", n, flen, rlen);
		else
			return NULL;
		return why;
	case 2:
		if (flen != 0)
			snprintf(why, sizeof(why), "%zu bytes: zlib wrote a "
			    "dynamic block, defl a fixed one", n);
		else if (dynamic != rlen - 6 || dynamic >= fixed)
			snprintf(why, sizeof(why), "%zu bytes: dynamic block "
			    "sized %zu (fixed %zu), zlib's is %zu", n, dynamic,
			    fixed, rlen - 6);
		else
			return NULL;
		return why;
	case 0:
		if (flen != 0) {
			snprintf(why, sizeof(why), "%zu bytes: zlib stored "
			    "them, defl wrote a fixed block", n);
			return why;
		}
		return NULL;
	default:
		return "zlib wrote a reserved block type";
	}
}

#endif /* TEST_DEFL_CHECK_H */
