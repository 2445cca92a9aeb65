# tests/fuzz/fuzz.mk -- fuzzing; included by the top Makefile, whose
# variables it uses (B, ALL_CFLAGS, ALL_LDFLAGS, PKG_CFLAGS, PKG_LIBS,
# CORE_LIBS, LIB_OBJ, CORE_OBJ).
#
#   make fuzz                    build the libFuzzer targets (clang, ASan,
#                                UBSan) and run each for FUZZ_SECONDS
#   make fuzz FUZZ_TARGETS=token FUZZ_SECONDS=600
#   make fuzz-build              only build them (into build/fuzz/)
#   make fuzz-merge              add what `make fuzz` found that covers new
#                                code to tests/fuzz/corpus/ (libFuzzer -merge=1)
#   make $(B)/fuzz-replay-TARGET the targets built without libFuzzer by the
#                                normal toolchain; tests/fuzz/suite.sh runs
#                                them over the corpora in `make check`
#
# New inputs go to build/fuzz/corpus/TARGET (never straight into the
# committed corpus), crashes to build/fuzz/artifacts/.

FUZZ_TARGETS ?= request token parse cfg defl
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR      = build/fuzz

# The fuzz build compiles the sources it needs itself, instrumented; it
# shares no objects with the gcc build.
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -Wall -Wextra -Isrc -Itests/fuzz $(PKG_CFLAGS)

FUZZ_SRC_request = src/parse.c src/cfg.c src/req.c src/tok.c src/defl.c
FUZZ_SRC_token   = src/tok.c src/defl.c
FUZZ_SRC_parse   = src/parse.c
FUZZ_SRC_defl    = src/defl.c
FUZZ_SRC_cfg     = src/cfg.c src/parse.c src/tok.c src/defl.c
FUZZ_LIBS_request = $(shell $(PKG_CONFIG) --libs jansson libcrypto zlib 2>/dev/null)
FUZZ_LIBS_token   = $(CORE_LIBS)
FUZZ_LIBS_parse   =
FUZZ_LIBS_defl    = $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null)
FUZZ_LIBS_cfg     = $(CORE_LIBS)

FUZZ_BINS = $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DIR)/fuzz_request: tests/fuzz/fuzz_request.c $(FUZZ_SRC_request) \
    tests/fuzz/fuzz.h src/*.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_request.c \
	    $(FUZZ_SRC_request) $(FUZZ_LIBS_request)

$(FUZZ_DIR)/fuzz_token: tests/fuzz/fuzz_token.c $(FUZZ_SRC_token) \
    tests/fuzz/fuzz.h src/*.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_token.c \
	    $(FUZZ_SRC_token) $(FUZZ_LIBS_token)

$(FUZZ_DIR)/fuzz_parse: tests/fuzz/fuzz_parse.c $(FUZZ_SRC_parse) \
    tests/fuzz/fuzz.h src/*.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_parse.c \
	    $(FUZZ_SRC_parse) $(FUZZ_LIBS_parse)

$(FUZZ_DIR)/fuzz_cfg: tests/fuzz/fuzz_cfg.c $(FUZZ_SRC_cfg) \
    tests/fuzz/fuzz.h src/*.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_cfg.c \
	    $(FUZZ_SRC_cfg) $(FUZZ_LIBS_cfg)

$(FUZZ_DIR)/fuzz_defl: tests/fuzz/fuzz_defl.c $(FUZZ_SRC_defl) \
    tests/fuzz/fuzz.h tests/defl_check.h src/*.h
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_defl.c \
	    $(FUZZ_SRC_defl) $(FUZZ_LIBS_defl)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/fuzz.sh run $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-merge: $(FUZZ_BINS)
	@sh tests/fuzz/fuzz.sh merge $(FUZZ_DIR) 0 $(FUZZ_TARGETS)

# --- replay binaries: the normal toolchain and flags, no libFuzzer -------

FUZZ_REPLAY_DEPS = tests/fuzz/replay.c tests/fuzz/fuzz.h src/*.h

$(B)/fuzz-replay-request: tests/fuzz/fuzz_request.c $(LIB_OBJ) \
    $(FUZZ_REPLAY_DEPS)
	$(CC) $(ALL_CFLAGS) -Isrc -Itests/fuzz -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_request.c $(LIB_OBJ) $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/fuzz-replay-token: tests/fuzz/fuzz_token.c $(CORE_OBJ) \
    $(FUZZ_REPLAY_DEPS)
	$(CC) $(ALL_CFLAGS) -Isrc -Itests/fuzz -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_token.c $(CORE_OBJ) $(ALL_LDFLAGS) $(CORE_LIBS)

$(B)/fuzz-replay-parse: tests/fuzz/fuzz_parse.c $(B)/parse.o \
    $(FUZZ_REPLAY_DEPS)
	$(CC) $(ALL_CFLAGS) -Isrc -Itests/fuzz -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_parse.c $(B)/parse.o $(ALL_LDFLAGS)

$(B)/fuzz-replay-cfg: tests/fuzz/fuzz_cfg.c $(B)/cfg.o $(B)/parse.o \
    $(CORE_OBJ) $(FUZZ_REPLAY_DEPS)
	$(CC) $(ALL_CFLAGS) -Isrc -Itests/fuzz -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_cfg.c $(B)/cfg.o $(B)/parse.o $(CORE_OBJ) \
	    $(ALL_LDFLAGS) $(CORE_LIBS)

$(B)/fuzz-replay-defl: tests/fuzz/fuzz_defl.c $(B)/defl.o \
    tests/defl_check.h $(FUZZ_REPLAY_DEPS)
	$(CC) $(ALL_CFLAGS) -Isrc -Itests/fuzz -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_defl.c $(B)/defl.o $(ALL_LDFLAGS) \
	    $(shell $(PKG_CONFIG) --libs zlib)

.PHONY: fuzz fuzz-build fuzz-merge
