/*
 * defl.c: zlib's level-6 output for short inputs, fixed-Huffman case.
 *
 * What zlib does for one deflate(Z_FINISH) over a short input at level 6,
 * and what this file replays:
 *
 * 1. Match search (deflate_slow).  Every position p with at least three
 *    bytes left is inserted, in order, into hash chains keyed by
 *    ((b[p] << 10) ^ (b[p+1] << 5) ^ b[p+2]) & 0x7fff; a chain lists the
 *    earlier positions with that key, newest first, and position 0 also
 *    ends a chain (zlib's NIL is 0).  At each step the longest match at
 *    the current position is looked for along its chain: at most 128
 *    entries (32 once the previous match is 8 or longer), stopping early
 *    at 128 bytes or at the end of the input; a candidate replaces the
 *    best so far only if strictly longer; a 3-byte match further back
 *    than 4096 is dropped.  Lazy evaluation: a match found at p is held
 *    and emitted at p+1 unless p+1 has a strictly longer one; no search
 *    is made while the held match is 16 or longer.
 * 2. Block choice (_tr_flush_block).  zlib sizes a dynamic, a fixed and a
 *    stored block and writes the smallest in whole bytes, the fixed one
 *    on a tie with the dynamic one.  We size the fixed block and the
 *    dynamic one exactly as zlib does (its Huffman construction, tie-
 *    breaks and length-limit repair included: equal-cost trees can have
 *    different code lengths and so different headers).  When zlib would
 *    write the fixed block, so do we; otherwise we decline.
 * 3. Stream: the two-byte header zlib writes for level 6 (78 9c), the
 *    block, padding to a byte, Adler-32 big-endian.
 *
 * (The 15-bit length-limit repair needs thousands of input bytes with
 * Fibonacci-like frequencies, never token content; it is the same code as
 * the 7-bit repair of the code-length code, which the tests do reach.)
 *
 * Inputs up to DEFL_IN_MAX never fill zlib's symbol buffer (16383
 * symbols at memLevel 8), never slide the 32 KiB window and never reach
 * the 32506-byte distance limit, so zlib writes exactly one block.
 *
 * What this saves: zlib clears 64 KiB of hash heads per stream and runs
 * its general block machinery; here the table is cleaned entry by entry
 * and the dynamic block is only sized, never built.  tests/test_defl.c
 * and fuzz_defl check every decision against the zlib on the machine.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "defl.h"

#define MIN_MATCH	3
#define MAX_MATCH	258
#define HASH_BITS	15
#define HASH_SIZE	(1u << HASH_BITS)
#define HASH_MASK	(HASH_SIZE - 1)
#define NIL		0

/* zlib's configuration row for level 6. */
#define GOOD_LENGTH	8
#define MAX_LAZY	16
#define NICE_LENGTH	128
#define MAX_CHAIN	128
#define TOO_FAR		4096

#define N_LIT		286	/* literals, end of block, 29 length codes */
#define N_DIST		30
#define END_BLOCK	256

/* A symbol: a literal byte, or MATCH | distance << 8 | (length - 3). */
#define MATCH		0x80000000u

#define HEAP_SIZE	(2 * N_LIT + 1)
#define N_BL		19
#define MAX_BITS	15
#define MAX_BL_BITS	7

struct tree {
	uint16_t	 freq[N_LIT];		/* of the leaves */
	uint64_t	 used[(N_LIT + 63) / 64];	/* freq[n] != 0 */
	uint16_t	 dad[HEAP_SIZE];
	uint16_t	 len[HEAP_SIZE + 1];	/* + scan_lengths' guard */
	int		 max_code;
};

/*
 * zlib keeps node numbers in its heap and compares (weight, depth) through
 * them; an entry here carries its own key, weight << 18 | depth << 10 |
 * node, so one comparison of entry >> 10 decides the same way (weights fit
 * 14 bits and depths 8 for inputs up to DEFL_IN_MAX).
 */
struct heap {
	uint32_t	 h[HEAP_SIZE + 1];	/* + the sentinel */
	int		 len, max;
	uint16_t	 order[HEAP_SIZE];	/* zlib's heap[heap_max..] */
	uint16_t	 bl_count[MAX_BITS + 1];
	uint64_t	 cost;	/* zlib's opt_len */
};

struct defl {
	uint16_t	 head[HASH_SIZE];	/* all NIL between calls */
	uint16_t	 prev[DEFL_IN_MAX];
	uint32_t	 sym[DEFL_IN_MAX];
	struct tree	 lt, dt, bt;		/* zlib's three trees */
	struct heap	 hp;
	/* Fixed code of each literal/length symbol, bit-reversed. */
	uint16_t	 fcode[N_LIT];
	uint8_t		 flen[N_LIT];
	/* Per length - 3: its symbol, extra bit count and extra value. */
	uint16_t	 lsym[256];
	uint8_t		 lxbits[256];
	uint8_t		 lxval[256];
};

static unsigned
bitrev(unsigned code, unsigned len)
{
	unsigned r = 0;

	while (len-- > 0) {
		r = (r << 1) | (code & 1);
		code >>= 1;
	}
	return r;
}

static unsigned
floor_log2(unsigned v)
{
	return 31u - (unsigned)__builtin_clz(v);
}

struct defl *
defl_new(void)
{
	struct defl	*d;
	unsigned	 s, l, nb, code, len;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	/* RFC 1951 3.2.6, the fixed literal/length code. */
	for (s = 0; s < N_LIT; s++) {
		if (s < 144) {
			code = 0x30 + s;
			len = 8;
		} else if (s < 256) {
			code = 0x190 + (s - 144);
			len = 9;
		} else if (s < 280) {
			code = s - 256;
			len = 7;
		} else {
			code = 0xc0 + (s - 280);
			len = 8;
		}
		d->fcode[s] = (uint16_t)bitrev(code, len);
		d->flen[s] = (uint8_t)len;
	}
	/* Length codes: 257..264 carry 3..10, then four codes per extra bit. */
	for (l = 0; l < 256; l++) {
		if (l < 8) {
			d->lsym[l] = (uint16_t)(257 + l);
			d->lxbits[l] = 0;
			d->lxval[l] = 0;
		} else if (l == 255) {
			d->lsym[l] = 285;	/* 258 has its own code */
			d->lxbits[l] = 0;
			d->lxval[l] = 0;
		} else {
			nb = floor_log2(l) - 2;
			code = (l >> nb) & 3;
			d->lsym[l] = (uint16_t)(257 + 4 * (nb + 1) + code);
			d->lxbits[l] = (uint8_t)nb;
			d->lxval[l] = (uint8_t)(l - ((4 + code) << nb));
		}
	}
	return d;
}

void
defl_free(struct defl *d)
{
	free(d);
}

/* Distance code of distance - 1, and its extra bit count. */
static unsigned
dist_code(unsigned d, unsigned *xbits)
{
	unsigned nb;

	if (d < 4) {
		*xbits = 0;
		return d;
	}
	nb = floor_log2(d);
	*xbits = nb - 1;
	return 2 * nb + ((d >> (nb - 1)) & 1);
}

static unsigned
hash_at(const unsigned char *w, unsigned p)
{
	return (((unsigned)w[p] << 10) ^ ((unsigned)w[p + 1] << 5) ^
	    w[p + 2]) & HASH_MASK;
}

/* Adds position p to its chain; returns the chain's previous head. */
static unsigned
insert(struct defl *d, const unsigned char *w, unsigned p)
{
	unsigned h = hash_at(w, p), old = d->head[h];

	d->prev[p] = (uint16_t)old;
	d->head[h] = (uint16_t)p;
	return old;
}

/* Length of the common prefix of a and b, at most max. */
static unsigned
common(const unsigned char *a, const unsigned char *b, unsigned max)
{
	unsigned i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t x, y;

	while (i + 8 <= max) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return i + (unsigned)__builtin_ctzll(x ^ y) / 8;
		i += 8;
	}
#endif
	while (i < max && a[i] == b[i])
		i++;
	return i;
}

/*
 * zlib's longest_match for the position at, with left bytes of input
 * from there on, starting the chain at cur and needing more than
 * prev_len.  Updates *start only when it finds such a match.  zlib also
 * reads bytes past the input (zeros, or an earlier stream's leftovers
 * after deflateReset), but they never change its output: while prev_len
 * is below the bytes left, a match reaching the end is at least the nice
 * length and ends the search, so lengths compared are real; once prev_len
 * covers the rest, no candidate can beat the held match, which is emitted
 * from the position saved before the search, and whatever match_start
 * zlib then records is never used.  So comparing only real bytes gives
 * its answers.
 */
static unsigned
longest(const struct defl *d, const unsigned char *w, unsigned at,
    unsigned left, unsigned cur, unsigned prev_len, unsigned *start)
{
	const unsigned char	*scan = w + at, *m;
	unsigned		 chain = MAX_CHAIN, best = prev_len;
	unsigned		 nice = NICE_LENGTH, max, len;

	max = left < MAX_MATCH ? left : MAX_MATCH;
	if (prev_len >= GOOD_LENGTH)
		chain >>= 2;
	if (nice > left)
		nice = left;
	if (best >= max)
		return best <= left ? best : left;
	do {
		m = w + cur;
		if (m[best] != scan[best] || m[0] != scan[0] ||
		    m[1] != scan[1])
			continue;
		len = common(m, scan, max);
		if (len > best) {
			*start = cur;
			best = len;
			if (len >= nice)
				break;
		}
	} while ((cur = d->prev[cur]) != NIL && --chain != 0);
	return best <= left ? best : left;
}

/* deflate_slow's parse of w[0..n) into d->sym; returns the symbol count. */
static size_t
lz77(struct defl *d, const unsigned char *w, unsigned n)
{
	unsigned	 at = 0, left = n, head, k;
	unsigned	 match_len = MIN_MATCH - 1, match_start = 0;
	unsigned	 prev_len, prev_match;
	int		 pending = 0;	/* a literal at at - 1 is held */
	size_t		 ns = 0;

	while (left != 0) {
		head = NIL;
		if (left >= MIN_MATCH)
			head = insert(d, w, at);
		prev_len = match_len;
		prev_match = match_start;
		match_len = MIN_MATCH - 1;
		if (head != NIL && prev_len < MAX_LAZY) {
			match_len = longest(d, w, at, left, head, prev_len,
			    &match_start);
			if (match_len == MIN_MATCH &&
			    at - match_start > TOO_FAR)
				match_len = MIN_MATCH - 1;
		}
		if (prev_len >= MIN_MATCH && match_len <= prev_len) {
			/* The held match wins: emit it, index what it covers. */
			d->sym[ns++] = MATCH | (at - 1 - prev_match) << 8 |
			    (prev_len - MIN_MATCH);
			left -= prev_len - 1;
			for (k = prev_len - 2; k > 0; k--)
				if (++at + MIN_MATCH <= n)
					insert(d, w, at);
			at++;
			pending = 0;
			match_len = MIN_MATCH - 1;
		} else if (pending) {
			d->sym[ns++] = w[at - 1];
			at++;
			left--;
		} else {
			pending = 1;
			at++;
			left--;
		}
	}
	if (pending)
		d->sym[ns++] = w[at - 1];
	return ns;
}

/*
 * zlib's dynamic-tree cost, computed its way (trees.c): the same heap with
 * the same tie-break (equal weights: the shallower subtree first), the
 * same 15- and 7-bit length limits and their repair, the same run coding
 * of the code lengths.  Equal-cost Huffman trees can differ in their
 * lengths and so in the header's size, so only the same steps give the
 * same total.
 */
static const uint8_t xbits_len[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
};
static const uint8_t xbits_dist[N_DIST] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13
};
static const uint8_t xbits_bl[N_BL] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7
};
/* The order code-length code lengths are sent in. */
static const uint8_t bl_order[N_BL] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};

#define ENTRY(w, depth, node) \
	((uint32_t)(w) << 18 | (uint32_t)(depth) << 10 | (uint32_t)(node))
#define E_NODE(e)	((int)((e) & 0x3ff))
#define E_DEPTH(e)	((unsigned)((e) >> 10) & 0xff)
#define E_WEIGHT(e)	((unsigned)((e) >> 18))
#define LIGHTER(a, b)	((a) >> 10 <= (b) >> 10)

/*
 * zlib's pqdownheap, done bottom-up: walk to a leaf along the lighter
 * children (the right one on a tie, as zlib), shifting each up, then
 * climb back to where v belongs.  Keys only grow down that path, so v
 * lands exactly where zlib's top-down loop puts it, with no
 * data-dependent branch on the way down.  h[len + 1] holds a sentinel
 * heavier than any entry, so a lone left child needs no bounds test.
 */
static void
sift_down(struct heap *hp, int k)
{
	uint32_t	*h = hp->h, v = h[k];
	int		 len = hp->len, j = k, c;

	h[len + 1] = UINT32_MAX;
	while ((c = j << 1) <= len) {
		c += LIGHTER(h[c + 1], h[c]);
		h[j] = h[c];
		j = c;
	}
	while (j > k && LIGHTER(v, h[j >> 1])) {
		h[j] = h[j >> 1];
		j >>= 1;
	}
	h[j] = v;
}

/* Code lengths from the tree in hp, limited to max_bits; adds the cost. */
static void
bit_lengths(struct tree *t, struct heap *hp, int max_bits,
    const uint8_t *xb, int xbase)
{
	int	 h, n, m, bits, overflow = 0;

	memset(hp->bl_count, 0, sizeof(hp->bl_count));
	t->len[hp->order[hp->max]] = 0;	/* the root */
	for (h = hp->max + 1; h < HEAP_SIZE; h++) {
		n = hp->order[h];
		bits = t->len[t->dad[n]] + 1;
		if (bits > max_bits) {
			bits = max_bits;
			overflow++;
		}
		t->len[n] = (uint16_t)bits;
		if (n > t->max_code)
			continue;	/* an inner node */
		hp->bl_count[bits]++;
		hp->cost += (uint64_t)t->freq[n] *
		    (unsigned)(bits + (n >= xbase ? xb[n - xbase] : 0));
	}
	if (overflow == 0)
		return;
	/* Too deep: move leaves up as zlib does, then reassign lengths. */
	do {
		bits = max_bits - 1;
		while (hp->bl_count[bits] == 0)
			bits--;
		hp->bl_count[bits]--;
		hp->bl_count[bits + 1] += 2;
		hp->bl_count[max_bits]--;
		overflow -= 2;
	} while (overflow > 0);
	for (bits = max_bits; bits != 0; bits--) {
		n = hp->bl_count[bits];
		while (n != 0) {
			m = hp->order[--h];
			if (m > t->max_code)
				continue;
			if (t->len[m] != (unsigned)bits) {
				hp->cost += ((uint64_t)bits - t->len[m]) *
				    t->freq[m];
				t->len[m] = (uint16_t)bits;
			}
			n--;
		}
	}
}

/* zlib's build_tree up to the code lengths; t->freq may gain fillers. */
static void
build_tree(struct tree *t, struct heap *hp, int elems, int max_bits,
    const uint8_t *xb, int xbase)
{
	uint64_t	 bits;
	uint32_t	 en, em;
	unsigned	 dn, dm;
	int		 n, w, node, max_code = -1;

	hp->len = 0;
	hp->max = HEAP_SIZE;
	/* The leaves in symbol order, as zlib adds them; the rest length 0. */
	memset(t->len, 0, (size_t)elems * sizeof(t->len[0]));
	for (w = 0; w < (elems + 63) / 64; w++)
		for (bits = t->used[w]; bits != 0; bits &= bits - 1) {
			n = w * 64 + __builtin_ctzll(bits);
			hp->h[++hp->len] = ENTRY(t->freq[n], 0, n);
			max_code = n;
		}
	/* At least two codes; the filler's one bit is not counted. */
	while (hp->len < 2) {
		node = max_code < 2 ? ++max_code : 0;
		hp->h[++hp->len] = ENTRY(1, 0, node);
		t->freq[node] = 1;
		hp->cost--;
	}
	t->max_code = max_code;
	for (n = hp->len / 2; n >= 1; n--)
		sift_down(hp, n);
	node = elems;
	do {
		en = hp->h[1];
		hp->h[1] = hp->h[hp->len--];
		sift_down(hp, 1);
		em = hp->h[1];
		hp->order[--hp->max] = (uint16_t)E_NODE(en);
		hp->order[--hp->max] = (uint16_t)E_NODE(em);
		dn = E_DEPTH(en);
		dm = E_DEPTH(em);
		t->dad[E_NODE(en)] = t->dad[E_NODE(em)] = (uint16_t)node;
		hp->h[1] = ENTRY(E_WEIGHT(en) + E_WEIGHT(em),
		    (dn >= dm ? dn : dm) + 1, node);
		node++;
		sift_down(hp, 1);
	} while (hp->len >= 2);
	hp->order[--hp->max] = (uint16_t)E_NODE(hp->h[1]);
	bit_lengths(t, hp, max_bits, xb, xbase);
}

/* Counts the run-length coding of t's code lengths into bl->freq. */
static void
scan_lengths(struct tree *t, struct tree *bl)
{
	int n, prevlen = -1, curlen, nextlen = t->len[0], count = 0;
	int max_count = 7, min_count = 4;

	if (nextlen == 0) {
		max_count = 138;
		min_count = 3;
	}
	t->len[t->max_code + 1] = 0xffff;	/* guard */
	for (n = 0; n <= t->max_code; n++) {
		curlen = nextlen;
		nextlen = t->len[n + 1];
		if (++count < max_count && curlen == nextlen)
			continue;
		else if (count < min_count)
			bl->freq[curlen] += (uint16_t)count;
		else if (curlen != 0) {
			if (curlen != prevlen)
				bl->freq[curlen]++;
			bl->freq[16]++;
		} else if (count <= 10)
			bl->freq[17]++;
		else
			bl->freq[18]++;
		count = 0;
		prevlen = curlen;
		if (nextlen == 0) {
			max_count = 138;
			min_count = 3;
		} else if (curlen == nextlen) {
			max_count = 6;
			min_count = 3;
		} else {
			max_count = 7;
			min_count = 4;
		}
	}
}

/* Sets t->used from t->freq[0..elems), elems <= 64. */
static void
mark_used(struct tree *t, int elems)
{
	uint64_t	 u = 0;
	int		 n;

	for (n = 0; n < elems; n++)
		u |= (uint64_t)(t->freq[n] != 0) << n;
	t->used[0] = u;
}

/* zlib's opt_len for a dynamic block with the frequencies in d. */
static uint64_t
dynamic_cost(struct defl *d)
{
	struct heap	*hp = &d->hp;
	int		 i;

	hp->cost = 0;
	memset(d->bt.freq, 0, N_BL * sizeof(d->bt.freq[0]));
	build_tree(&d->lt, hp, N_LIT, MAX_BITS, xbits_len, END_BLOCK + 1);
	mark_used(&d->dt, N_DIST);
	build_tree(&d->dt, hp, N_DIST, MAX_BITS, xbits_dist, 0);
	scan_lengths(&d->lt, &d->bt);
	scan_lengths(&d->dt, &d->bt);
	mark_used(&d->bt, N_BL);
	build_tree(&d->bt, hp, N_BL, MAX_BL_BITS, xbits_bl, 0);
	for (i = N_BL - 1; i >= 3; i--)
		if (d->bt.len[bl_order[i]] != 0)
			break;
	/* The three counts, and 3 bits per code-length code length sent. */
	hp->cost += 5 + 5 + 4 + 3 * ((uint64_t)i + 1);
	return hp->cost;
}

struct bits {
	unsigned char	*p;
	uint64_t	 acc;
	unsigned	 n;
};

static void
put_bits(struct bits *o, unsigned v, unsigned len)
{
	o->acc |= (uint64_t)v << o->n;
	o->n += len;
	while (o->n >= 8) {
		*o->p++ = (unsigned char)o->acc;
		o->acc >>= 8;
		o->n -= 8;
	}
}

/*
 * Parses in[0..n) into d->sym and sizes zlib's two candidate blocks in
 * bytes, each with its 3-bit header, as _tr_flush_block rounds them.
 * Returns the symbol count.
 */
static size_t
plan(struct defl *d, const unsigned char *in, size_t n,
    uint64_t *fixed_bytes, uint64_t *dyn_bytes)
{
	size_t		 ns, i;
	uint32_t	 sy, dist;
	unsigned	 l, dc, xb, p;
	uint64_t	 fixed;

	ns = lz77(d, in, (unsigned)n);
	for (p = 0; p + MIN_MATCH <= n; p++)	/* leave the table clean */
		d->head[hash_at(in, p)] = NIL;

	memset(d->lt.freq, 0, sizeof(d->lt.freq));
	memset(d->dt.freq, 0, N_DIST * sizeof(d->dt.freq[0]));
	memset(d->lt.used, 0, sizeof(d->lt.used));
	d->lt.freq[END_BLOCK] = 1;
	d->lt.used[END_BLOCK / 64] |= 1ull << (END_BLOCK % 64);
	fixed = d->flen[END_BLOCK];
	for (i = 0; i < ns; i++) {
		sy = d->sym[i];
		if (!(sy & MATCH)) {
			d->lt.freq[sy]++;
			d->lt.used[sy / 64] |= 1ull << (sy % 64);
			fixed += d->flen[sy];
			continue;
		}
		l = sy & 0xff;
		dist = (sy & ~MATCH) >> 8;
		d->lt.freq[d->lsym[l]]++;
		d->lt.used[d->lsym[l] / 64] |= 1ull << (d->lsym[l] % 64);
		dc = dist_code(dist - 1, &xb);
		d->dt.freq[dc]++;
		/* The extra bits cost the same in both blocks. */
		fixed += d->flen[d->lsym[l]] + d->lxbits[l] + 5 + xb;
	}

	*fixed_bytes = (fixed + 3 + 7) >> 3;
	*dyn_bytes = (dynamic_cost(d) + 3 + 7) >> 3;
	return ns;
}

int
defl_block_sizes(struct defl *d, const unsigned char *in, size_t n,
    size_t *fixed, size_t *dynamic)
{
	uint64_t f, y;

	if (d == NULL || in == NULL || n == 0 || n > DEFL_IN_MAX)
		return -1;
	plan(d, in, n, &f, &y);
	*fixed = (size_t)f;
	*dynamic = (size_t)y;
	return 0;
}

size_t
defl_zlib(struct defl *d, const unsigned char *in, size_t n,
    unsigned char *out, size_t outsz)
{
	struct bits	 o;
	size_t		 ns, i, total;
	uint32_t	 sy, dist, ad;
	unsigned	 l, dc, xb;
	uint64_t	 fixed_bytes, dyn_bytes;

	if (d == NULL || in == NULL || out == NULL || n == 0 ||
	    n > DEFL_IN_MAX)
		return 0;
	ns = plan(d, in, n, &fixed_bytes, &dyn_bytes);
	if (fixed_bytes > dyn_bytes)
		return 0;	/* zlib writes a dynamic block */
	if (n + 4 <= fixed_bytes)
		return 0;	/* zlib would store the bytes */
	total = 2 + (size_t)fixed_bytes + 4;
	if (total > outsz)
		return 0;

	out[0] = 0x78;
	out[1] = 0x9c;
	o.p = out + 2;
	o.acc = 0;
	o.n = 0;
	put_bits(&o, 1 | 1 << 1, 3);	/* last block, fixed codes */
	for (i = 0; i < ns; i++) {
		sy = d->sym[i];
		if (!(sy & MATCH)) {
			put_bits(&o, d->fcode[sy], d->flen[sy]);
			continue;
		}
		l = sy & 0xff;
		dist = ((sy & ~MATCH) >> 8) - 1;
		put_bits(&o, d->fcode[d->lsym[l]], d->flen[d->lsym[l]]);
		if (d->lxbits[l] > 0)
			put_bits(&o, d->lxval[l], d->lxbits[l]);
		dc = dist_code(dist, &xb);
		put_bits(&o, bitrev(dc, 5), 5);
		if (xb > 0)
			put_bits(&o, dist - ((2u + (dc & 1)) << xb), xb);
	}
	put_bits(&o, d->fcode[END_BLOCK], d->flen[END_BLOCK]);
	if (o.n > 0)
		put_bits(&o, 0, 8 - o.n);
	if ((size_t)(o.p - out) != 2 + fixed_bytes)
		return 0;	/* the size sum and the writer disagree */
	ad = (uint32_t)adler32(adler32(0L, Z_NULL, 0), in, (uInt)n);
	o.p[0] = (unsigned char)(ad >> 24);
	o.p[1] = (unsigned char)(ad >> 16);
	o.p[2] = (unsigned char)(ad >> 8);
	o.p[3] = (unsigned char)ad;
	return total;
}
