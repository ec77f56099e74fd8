# SPDX-License-Identifier: GPL-2.0
# dslite top-level Makefile. See README for the two commands that matter:
#   make demo    boot a VM, load the module, show it working
#   make check   every test (host unit tests + selftests in a VM)

KVER ?= $(shell ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -1)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module tools clean deps check check-full demo debug-kernel check-debug bench \
	install install-module install-tools install-dkms uninstall deb check-router

# make install: GNU layout under PREFIX (default /usr/local; the Debian
# packages use PREFIX=/usr), DESTDIR for staging. The module goes to
# /lib/modules/KVER/updates and depmod runs, so `modprobe dslite` pulls in
# tunnel6, udp_tunnel and ip6_udp_tunnel.
VERSION := $(shell cat VERSION)
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/dslite
COMPLDIR ?= $(PREFIX)/share/bash-completion/completions
ifeq ($(PREFIX),/usr)
LIBDIR_SYS ?= /lib
else
LIBDIR_SYS ?= $(PREFIX)/lib
endif
UNITDIR ?= $(LIBDIR_SYS)/systemd/system
SYSCTLDIR ?= $(PREFIX)/lib/sysctl.d
DKMSDIR ?= /usr/src/dslite-$(VERSION)
SCRIPTS := tools/dslite-who tools/dslite-boot keepalived-scripts/dslite-notify \
	   keepalived-scripts/dslite-track
MANPAGES := $(wildcard tools/*.8 keepalived-scripts/*.8)
UNITS := tools/systemd/dslite.service tools/systemd/dslite-logd.service
EXAMPLES := keepalived-scripts/keepalived-1to1.conf keepalived-scripts/keepalived-1plus1.conf \
	    $(wildcard keepalived-scripts/keepalived-*-*.conf)
FRR_EXAMPLES := $(wildcard keepalived-scripts/frr/*.conf)
# the shipped files name /usr/sbin; a PREFIX=/usr/local install names its own
fixpath = sed -i 's|/usr/local/sbin/|$(SBINDIR)/|g; s|/usr/sbin/|$(SBINDIR)/|g'

all: module tools

deps:
	@bash scripts/deps.sh

module:
	@test -d "$(KDIR)" || { echo "no kernel headers (KDIR=$(KDIR)); run scripts/deps.sh" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=1 $(if $(PLANT),PLANT=$(PLANT)) modules

tools:
	$(MAKE) -C tools
	$(MAKE) -C selftests all

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	$(MAKE) -C tools clean
	$(MAKE) -C selftests/unit clean
	$(MAKE) -C selftests clean

check:
	@bash scripts/check.sh

# make check with the whole suite on every kernel (CI runs a cross-section
# on the later ones): about 20 minutes more
check-full:
	@FULL_ON_ALL=1 bash scripts/check.sh

demo:
	@bash scripts/demo.sh

# benchmarks (one VM run; numbers, not pass/fail on speed): docs/benchmarks.md
bench: all
	@bash scripts/deps.sh --bench
	@bash bench/bench.sh

debug-kernel:
	@bash scripts/deps.sh --debug
	@scripts/debug-kernel/build.sh

check-debug:
	@bash scripts/check-debug.sh

# the real-router scenarios too slow for CI (DKMS builds in the VM): README
check-router:
	@bash scripts/check-router.sh

install: install-module install-tools

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod INSTALL_MOD_DIR=updates \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) DEPMOD=/bin/true modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)

install-tools: tools
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(UNITDIR)/keepalived.service.d $(DESTDIR)$(SYSCTLDIR) \
		$(DESTDIR)$(DOCDIR)/examples $(DESTDIR)/etc/dslite
	install -m 0755 tools/dslitectl tools/dslite-logd $(SCRIPTS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	install -m 0644 tools/systemd/keepalived-dslite.conf \
		$(DESTDIR)$(UNITDIR)/keepalived.service.d/dslite.conf
	install -m 0644 tools/systemd/60-dslite.conf $(DESTDIR)$(SYSCTLDIR)/
	install -d $(DESTDIR)/etc/default
	install -m 0644 tools/systemd/dslite.default $(DESTDIR)/etc/default/dslite
	install -m 0644 tools/systemd/dslite-logd.default $(DESTDIR)/etc/default/dslite-logd
	install -d $(DESTDIR)/etc/logrotate.d
	install -m 0644 tools/systemd/dslite-logd.logrotate $(DESTDIR)/etc/logrotate.d/dslite-logd
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	install -d $(DESTDIR)$(DOCDIR)/examples/frr
	install -m 0644 $(FRR_EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/frr/
	$(fixpath) $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS))) \
		$(DESTDIR)$(UNITDIR)/keepalived.service.d/dslite.conf \
		$(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(EXAMPLES))) \
		$(addprefix $(DESTDIR)$(DOCDIR)/examples/frr/,$(notdir $(FRR_EXAMPLES)))
	if [ -e tools/completion/dslitectl ]; then \
		install -d $(DESTDIR)$(COMPLDIR) && \
		cp -P tools/completion/* $(DESTDIR)$(COMPLDIR)/ && \
		chmod 0644 $(DESTDIR)$(COMPLDIR)/dslitectl; fi

# the module's source for DKMS, which builds it for every kernel
install-dkms:
	install -d $(DESTDIR)$(DKMSDIR)/kmod $(DESTDIR)$(DKMSDIR)/include/uapi/linux
	install -m 0644 kmod/Kbuild kmod/*.c kmod/*.h $(DESTDIR)$(DKMSDIR)/kmod/
	install -m 0644 include/uapi/linux/*.h $(DESTDIR)$(DKMSDIR)/include/uapi/linux/
	install -m 0644 VERSION $(DESTDIR)$(DKMSDIR)/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf > $(DESTDIR)$(DKMSDIR)/dkms.conf

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/dslite.ko*
	-depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(KVER)
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,dslitectl dslite-logd $(notdir $(SCRIPTS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MANPAGES)))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	rm -f $(DESTDIR)$(UNITDIR)/keepalived.service.d/dslite.conf
	-rmdir $(DESTDIR)$(UNITDIR)/keepalived.service.d 2>/dev/null
	rm -f $(DESTDIR)$(SYSCTLDIR)/60-dslite.conf
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(COMPLDIR)/dslitectl $(DESTDIR)$(COMPLDIR)/dslite-*
	if cmp -s tools/systemd/dslite.default $(DESTDIR)/etc/default/dslite; then \
		rm -f $(DESTDIR)/etc/default/dslite; fi
	if cmp -s tools/systemd/dslite-logd.default $(DESTDIR)/etc/default/dslite-logd; then \
		rm -f $(DESTDIR)/etc/default/dslite-logd; fi
	if cmp -s tools/systemd/dslite-logd.logrotate $(DESTDIR)/etc/logrotate.d/dslite-logd; then \
		rm -f $(DESTDIR)/etc/logrotate.d/dslite-logd; fi
	-rmdir $(DESTDIR)/etc/dslite 2>/dev/null
	@echo "left alone: /etc/dslite/dslite.conf, a changed /etc/default/dslite (yours) and DKMS trees ('dkms remove dslite/$(VERSION) --all')"

# Debian packages dslite-dkms and dslite-tools into build/deb/ (a copy of
# the tree, so nothing is written outside it)
deb:
	@bash scripts/deb.sh
