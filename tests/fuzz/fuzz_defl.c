/*
 * fuzz_defl: the fast deflate (src/defl.c) against zlib itself.
 *
 * Each input goes through defl_vs_zlib() (tests/defl_check.h), the check
 * `make check` runs on generated inputs: where zlib writes a fixed-Huffman
 * block defl must give the same bytes; where zlib writes a dynamic block
 * defl must decline and have sized that block as zlib did, below the
 * fixed one; where zlib stores the input, or it is empty or over
 * DEFL_IN_MAX bytes, defl must decline.
 */
#include "../defl_check.h"
#include "fuzz.h"

const char fuzz_target_name[] = "defl";

static struct defl	*df;
static z_stream		 zs;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*why;
	int		 btype;

	if (df == NULL) {
		if ((df = defl_new()) == NULL ||
		    deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK)
			fuzz_fail("set-up failed");
	}
	if ((why = defl_vs_zlib(df, &zs, data, size, &btype)) != NULL)
		fuzz_fail("%s", why);
	return 0;
}
