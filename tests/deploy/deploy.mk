# Included by the Makefile.
#
#   make check-deploy     the deployment suite alone (tests/deploy/suite.sh):
#                         every configuration in contrib/ under the real
#                         nginx, spawn-fcgi, Apache (mod_fcgid and CGI),
#                         lighttpd and systemd-socket-activate, then
#                         make install into a staging directory, the man
#                         page and --check-config.  `make check` runs the
#                         same suite through tests/run.sh.
#   make check-deploy SANITIZE=1   the same with the sanitized binary

check-deploy: deps
	@$(MAKE) --no-print-directory all
	@BUILD_DIR=$(B) SANITIZE=$(SANITIZE) sh tests/deploy/suite.sh

.PHONY: check-deploy
