# agora-token-fcgi -- GNU make.
#
#   make             build ./agora-token-fcgi
#   make run         install what is missing, build, serve on http://127.0.0.1:8080/
#   make check       install what is missing, build, run every test
#   make check SANITIZE=1   the same with AddressSanitizer + UBSan
#   make clean
#
# CFLAGS, CPPFLAGS and LDFLAGS from the command line or environment are
# appended to, never replaced.

PROG      = agora-token-fcgi
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
CC       ?= cc
PKG_CONFIG ?= pkg-config
PKGS      = fcgi libcrypto zlib jansson

WARN     = -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
           -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wvla \
           -Werror=format-security -Werror=implicit-function-declaration
HARDEN_CFLAGS  = -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
                 -fstack-clash-protection -fPIE
HARDEN_LDFLAGS = -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
OPT      = -O2 -g

ifeq ($(SANITIZE),1)
OPT      = -O1 -g -fno-omit-frame-pointer
SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all
HARDEN_CFLAGS = -fPIE
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CORE_LIBS  := $(shell $(PKG_CONFIG) --libs libcrypto zlib 2>/dev/null)

ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN_CFLAGS) $(SAN) \
              $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LDFLAGS) $(SAN) $(LDFLAGS)

# The build directory keeps sanitized and normal objects apart; switching
# flavour relinks the program.
FLAVOR := $(if $(filter 1,$(SANITIZE)),san,std)
B = build/$(FLAVOR)
$(shell mkdir -p build; [ "$$(cat build/.flavor 2>/dev/null)" = "$(FLAVOR)" ] || \
    { rm -f $(PROG); echo $(FLAVOR) > build/.flavor; })

CORE_OBJ = $(B)/tok.o $(B)/defl.o
LIB_OBJ  = $(B)/parse.o $(B)/cfg.o $(B)/req.o $(CORE_OBJ)
OBJ      = $(B)/main.o $(B)/sandbox.o $(LIB_OBJ)

all: $(PROG)

$(PROG): $(OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJ) $(ALL_LDFLAGS) $(PKG_LIBS) -pthread

$(B)/%.o: src/%.c src/*.h | $(B)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(B):
	mkdir -p $@

# --- tests -----------------------------------------------------------------

# The core links with nothing but libcrypto and zlib (the test itself reads
# its vectors with Jansson).
$(B)/test_tok: tests/test_tok.c $(CORE_OBJ) tests/result.h
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ tests/test_tok.c $(CORE_OBJ) \
	    $(ALL_LDFLAGS) $(CORE_LIBS) \
	    $(shell $(PKG_CONFIG) --libs jansson)

# The fast deflate against the zlib it replays: defl.o and zlib only.
$(B)/test_defl: tests/test_defl.c $(B)/defl.o tests/defl_check.h \
    tests/result.h
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ tests/test_defl.c $(B)/defl.o \
	    $(ALL_LDFLAGS) \
	    $(shell $(PKG_CONFIG) --libs zlib)

$(B)/test_req: tests/test_req.c $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -Isrc -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

deps:
	@sh tests/deps.sh

check: deps
	@$(MAKE) --no-print-directory all $(B)/test_tok $(B)/test_defl $(B)/test_req
	@sh tests/run.sh $(B) $(SANITIZE)

test: check

run:
	@sh tests/deps.sh run
	@$(MAKE) --no-print-directory all
	@sh tests/serve.sh

clean:
	rm -rf build $(PROG)

.PHONY: all check test run deps clean

# Targets kept beside the code they drive.
-include tests/fuzz/fuzz.mk
-include tests/deploy/deploy.mk
-include tests/hostile/hostile.mk
-include bench/bench.mk

# --- install -----------------------------------------------------------------
#
#   make install [PREFIX=/usr] [DESTDIR=/staging] [BINDIR=...] [MANDIR=...]
#                [SYSCONFDIR=/etc]
#   make uninstall   (the same variables)
#
# Installs the program, its manual page agora-token-fcgi(8) and the
# documented example configuration as SYSCONFDIR/agora-token.conf.example
# (never a real configuration: nothing is overwritten but those files).
# DESTDIR is only a staging prefix; nothing depends on it at run time.

MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= $(PREFIX)/etc
INSTALL    ?= install

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(SYSCONFDIR)
	$(INSTALL) -m 0755 $(PROG) $(DESTDIR)$(BINDIR)/$(PROG)
	$(INSTALL) -m 0644 $(PROG).8 $(DESTDIR)$(MANDIR)/man8/$(PROG).8
	$(INSTALL) -m 0644 fcgi.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/agora-token.conf.example

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/$(PROG) $(DESTDIR)$(MANDIR)/man8/$(PROG).8 \
	    $(DESTDIR)$(SYSCONFDIR)/agora-token.conf.example

.PHONY: install uninstall
