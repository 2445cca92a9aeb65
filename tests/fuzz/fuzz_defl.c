/*
 * fuzz_defl: the fast deflate (src/defl.c) against zlib itself.
 *
 * The input is compressed by zlib's deflate() at the default level and by
 * defl_zlib().  When zlib writes a fixed-Huffman block, defl must give
 * the same bytes; when zlib writes a dynamic block, defl must decline and
 * must have sized that block as zlib did, below the fixed one; when zlib
 * stores the input, defl must decline.  Inputs over DEFL_IN_MAX must be
 * declined.
 */
#include <string.h>

#include <zlib.h>

#include "defl.h"
#include "fuzz.h"

const char fuzz_target_name[] = "defl";

#define OUT_MAX	(DEFL_IN_MAX + DEFL_IN_MAX / 8 + 64)

static struct defl	*df;
static z_stream		 zs;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 ref[OUT_MAX], fast[OUT_MAX];
	size_t			 rlen, flen, fixed, dynamic;

	if (df == NULL) {
		if ((df = defl_new()) == NULL ||
		    deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK)
			fuzz_fail("set-up failed");
	}
	flen = defl_zlib(df, data, size, fast, sizeof(fast));
	if (size == 0 || size > DEFL_IN_MAX) {
		fuzz_assert(flen == 0);
		return 0;
	}
	fuzz_assert(deflateReset(&zs) == Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)data;
	zs.avail_in = (uInt)size;
	zs.next_out = ref;
	zs.avail_out = sizeof(ref);
	fuzz_assert(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	rlen = sizeof(ref) - zs.avail_out;
	fuzz_assert(defl_block_sizes(df, data, size, &fixed, &dynamic) == 0);

	switch ((ref[2] >> 1) & 3) {
	case 1:
		if (flen != rlen || memcmp(fast, ref, rlen) != 0)
			fuzz_fail("%zu bytes: zlib wrote a fixed block of %zu, "
			    "defl gave %zu different bytes", size, rlen, flen);
		break;
	case 2:
		fuzz_assert(flen == 0);
		if (dynamic != rlen - 6 || dynamic >= fixed)
			fuzz_fail("%zu bytes: dynamic block sized %zu (fixed "
			    "%zu), zlib's is %zu", size, dynamic, fixed,
			    rlen - 6);
		break;
	case 0:
		fuzz_assert(flen == 0);
		break;
	default:
		fuzz_fail("zlib wrote a reserved block type");
	}
	return 0;
}
