# Deployment targets: lint, container image, end-to-end stack test, and the
# systemd/config/man-page half of `make install`.  Included at the end of the
# top-level Makefile (`include infra/make.mk`), so PREFIX, DESTDIR, BIN and Q
# come from there.

SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
MANDIR     ?= $(PREFIX)/share/man
IMAGE      ?= localhost/infra-monitor:dev

.PHONY: lint e2e container install-systemd

lint: ## static checks (shellcheck, yamllint, cppcheck, promtool, compose, dashboards, k8s, systemd, terraform, workflow), each proven by tests/lint/
	$(Q)scripts/lint.sh

container: ## build the container image with podman on a local debootstrap base (IMAGE=...)
	$(Q)IMAGE=$(IMAGE) scripts/container-build.sh

e2e: $(BIN) ## real Prometheus scrapes the binary, then the container; every dashboard and rule expression evaluated
	$(Q)IMAGE=$(IMAGE) tests/e2e-stack.sh $(BIN)

# `make install` also installs the unit, the default config (never over an
# existing one) and the man page.
install: install-systemd

install-systemd: ## install the systemd unit, default config and man page (PREFIX, DESTDIR, SYSCONFDIR)
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/infra-monitor $(DESTDIR)$(MANDIR)/man8
	sed -e 's|/usr/local/bin/infra-monitor|$(PREFIX)/bin/infra-monitor|' \
	    -e 's|/etc/infra-monitor/|$(SYSCONFDIR)/infra-monitor/|' \
	    infra/systemd/infra-monitor.service > $(DESTDIR)$(UNITDIR)/infra-monitor.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/infra-monitor.service
	test -e $(DESTDIR)$(SYSCONFDIR)/infra-monitor/infra-monitor.yml || \
	    install -m 0644 infra/infra-monitor.yml $(DESTDIR)$(SYSCONFDIR)/infra-monitor/infra-monitor.yml
	install -m 0644 docs/infra-monitor.8 $(DESTDIR)$(MANDIR)/man8/infra-monitor.8
