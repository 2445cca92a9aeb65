# `make bench`: the benchmark harness (bench/README.md says what it runs).
# Included by the top Makefile; not part of `make check`.
#
#   make bench                          the full side-by-side run (~6 min)
#   make bench BENCH_SECONDS=3 BENCH_ROUNDS=3    a quick one
#   make bench-scaling                  threads/workers x connections matrix
#   make bench-core                     only the one-thread core comparison
#
# Knobs are environment variables read by bench/run.js (listed there and
# in bench/README.md); make passes command-line variables through.

BENCH_B = build/bench

$(BENCH_B):
	mkdir -p $@

# The ceiling: a trivial libfcgi responder (no project code).
$(BENCH_B)/ceiling: bench/ceiling.c | $(BENCH_B)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) $(PKG_LIBS) -pthread

# The core microbenchmark links the project's own objects.
$(BENCH_B)/core: bench/core.c $(LIB_OBJ) | $(BENCH_B)
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ bench/core.c $(LIB_OBJ) \
	    $(ALL_LDFLAGS) $(PKG_LIBS)

bench-deps: deps
	@sh bench/deps.sh

bench-build:
	@$(MAKE) --no-print-directory all $(BENCH_B)/ceiling $(BENCH_B)/core

bench: bench-deps
	@$(MAKE) --no-print-directory bench-build
	@node bench/run.js

bench-scaling: bench-deps
	@$(MAKE) --no-print-directory bench-build
	@node bench/run.js --scaling

bench-core: bench-deps
	@$(MAKE) --no-print-directory bench-build
	@node bench/run.js --core-only

.PHONY: bench bench-deps bench-build bench-scaling bench-core
