# Kernel matrix (issues 7 and 12): the daemon's BPF programs on Debian 11's 5.10, Debian 12's newest
# 6.1, Debian's 6.12 and Debian 12's arm64 6.1 in QEMU guests, and on the running kernel natively.
# Included from the top-level Makefile:
#     include tests/kernels/kernels.mk
# Needs root, qemu-system-x86, qemu-system-arm, busybox-static, cpio, kmod, xz-utils and the arm64
# cross toolchain (scripts/install-deps.sh kernels arm64).
# Kernels are downloaded once with apt-get download and cached under build/kernels/.
#   make test-kernels                      every kernel, writes docs/kernels.md
#   make test-kernels KERNELS="6.12 host"  a subset (the table then lists only those)
#   make kernels-fetch                     only download and unpack the kernels

KERNELS ?=
# The arm64 guest runs the daemon cross-built with the same sources (make ARCH=aarch64).
KERNELS_ARM64 := $(if $(KERNELS),$(filter arm64-%,$(KERNELS)),arm64-6.1)

.PHONY: test-kernels kernels-fetch kernels-selfcheck

test-kernels: $(BIN) ## BPF programs on Debian 5.10, 6.1, 6.12, arm64 6.1 (QEMU) and the host kernel; writes docs/kernels.md
ifneq ($(KERNELS_ARM64),)
	$(Q)$(MAKE) --no-print-directory ARCH=aarch64 all
endif
	$(Q)KERNELS_BIN=$(BIN) $(if $(KERNELS_ARM64),KERNELS_BIN_AARCH64=build/aarch64/infra-monitor) \
		scripts/kernels-matrix.sh $(KERNELS)

kernels-selfcheck: ## the kernel matrix's own BPF self-check and workload probes only (no daemon)
	$(Q)KERNELS_BIN=none KERNELS_DOC= scripts/kernels-matrix.sh $(KERNELS)

kernels-fetch: ## download and unpack the kernel matrix's Debian kernels into build/kernels/
	$(Q)scripts/kernels-fetch.sh
