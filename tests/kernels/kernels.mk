# Kernel matrix (issue 7): the daemon's BPF programs on Debian 12's newest 6.1 and Debian's 6.12 in
# QEMU guests, and on the running kernel natively. Included from the top-level Makefile:
#     include tests/kernels/kernels.mk
# Needs root, qemu-system-x86, busybox-static, cpio, kmod, xz-utils (scripts/install-deps.sh).
# Kernels are downloaded once with apt-get download and cached under build/kernels/.
#   make test-kernels                      all three kernels, writes docs/kernels.md
#   make test-kernels KERNELS="6.12 host"  a subset (the table then lists only those)
#   make kernels-fetch                     only download and unpack the kernels

KERNELS ?=

.PHONY: test-kernels kernels-fetch kernels-selfcheck

test-kernels: $(BIN) ## BPF programs on Debian 6.1 + 6.12 (QEMU) and the host kernel; writes docs/kernels.md
	$(Q)KERNELS_BIN=$(BIN) scripts/kernels-matrix.sh $(KERNELS)

kernels-selfcheck: ## the kernel matrix's own BPF self-check and workload probes only (no daemon)
	$(Q)KERNELS_BIN=none KERNELS_DOC= scripts/kernels-matrix.sh $(KERNELS)

kernels-fetch: ## download and unpack the kernel matrix's Debian kernels into build/kernels/
	$(Q)scripts/kernels-fetch.sh
