# `make soak`: the long run of tests/hostile/soak.js -- 500 000 mixed
# requests through nginx with wrk, the RSS of the service processes sampled
# every 2 s; passes with no 5xx and less than 1 MiB of RSS growth after the
# warm-up.  Not part of `make check` (it takes a few minutes).  Included by
# the top Makefile:  -include tests/hostile/hostile.mk
#
#   make soak
#   make soak SOAK_REQUESTS=100000 SOAK_WARMUP=20000 SOAK_CONNECTIONS=64
#
# Knobs are environment variables read by soak.js; make passes command-line
# variables through.

SOAK_ENV = $(if $(SOAK_REQUESTS),SOAK_REQUESTS=$(SOAK_REQUESTS)) \
           $(if $(SOAK_WARMUP),SOAK_WARMUP=$(SOAK_WARMUP)) \
           $(if $(SOAK_CONNECTIONS),SOAK_CONNECTIONS=$(SOAK_CONNECTIONS))

soak-deps: deps
	@sh bench/deps.sh

soak: soak-deps
	@$(MAKE) --no-print-directory all
	@$(SOAK_ENV) node tests/hostile/soak.js --bin ./$(PROG)

.PHONY: soak soak-deps
