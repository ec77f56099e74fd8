# SPDX-License-Identifier: GPL-2.0
# dslite top-level Makefile. See README for the two commands that matter:
#   make demo    boot a VM, load the module, show it working
#   make check   every test (host unit tests + selftests in a VM)

KVER ?= $(shell ls -d /lib/modules/*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -1)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module tools clean deps check demo debug-kernel check-debug bench

all: module tools

deps:
	@bash scripts/deps.sh

module:
	@test -d "$(KDIR)" || { echo "no kernel headers (KDIR=$(KDIR)); run scripts/deps.sh" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=1 $(if $(PLANT),PLANT=$(PLANT)) modules

tools:
	$(MAKE) -C tools

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	$(MAKE) -C tools clean
	$(MAKE) -C selftests/unit clean

check:
	@bash scripts/check.sh

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
