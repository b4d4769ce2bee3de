# infra-monitor build. Everything generated lands under build/; `make help` lists targets.

VERSION    ?= 0.1.0
REVISION   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= cc
CLANG      ?= clang
BPFTOOL    ?= bpftool
LLVM_STRIP ?= llvm-strip
OUT        := build
# Target architecture as uname -m spells it (x86_64, aarch64; the kernel's x86 and arm64 are
# taken too). Another than the host's cross-builds into build/ARCH/ with Debian's cross
# compiler (gcc-aarch64-linux-gnu) against the :arm64 multiarch -dev packages, e.g.
#     make ARCH=aarch64            ->  build/aarch64/infra-monitor
HOST_ARCH  := $(shell uname -m)
ARCH       ?= $(HOST_ARCH)
override ARCH := $(patsubst arm64,aarch64,$(patsubst x86,x86_64,$(ARCH)))
BPF_ARCH   := $(patsubst aarch64,arm64,$(patsubst x86_64,x86,$(ARCH)))
VMLINUX_DIR := vmlinux/$(ARCH)
ifneq ($(ARCH),$(HOST_ARCH))
CROSS_COMPILE ?= $(ARCH)-linux-gnu-
ifeq ($(origin CC),default)
CC         := $(CROSS_COMPILE)gcc
endif
OUT        := build/$(ARCH)
endif

ifeq ($(V),1)
Q   :=
msg  =
else
Q   := @
msg  = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -pthread -Iinclude -I$(OUT) \
            -DIM_VERSION='"$(VERSION)"' -DIM_REVISION='"$(REVISION)"' $(EXTRA_CFLAGS)
LDLIBS   += -lbpf -lelf -lz -lmicrohttpd -ljansson -lyaml -lcrypt -lpthread -lm
LDLIBS   += -lgnutls
LDFLAGS  += $(EXTRA_LDFLAGS)

ifeq ($(SANITIZE),1)
OUT      := build/sanitize
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

BIN      := $(OUT)/infra-monitor
# src/freestanding/ holds programs the daemon carries inside it, built on their own below.
SRCS     := $(filter-out src/freestanding/%,$(sort $(wildcard src/*.c src/*/*.c)))
OBJS     := $(patsubst src/%.c,$(OUT)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(OUT)/obj/main.o,$(OBJS))
LIB      := $(OUT)/libinfra.a

# bpf/bench_empty.bpf.c is bench/bpf-overhead.sh's floor: built only when the bench asks.
BPF_SRCS := $(filter-out bpf/bench_empty.bpf.c,$(sort $(wildcard bpf/*.bpf.c)))
BPF_PROGS := $(patsubst bpf/%.bpf.c,%,$(BPF_SRCS))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.skel.h,$(BPF_SRCS))
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(VMLINUX_DIR) -Ibpf -Wall -Werror

TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_BINS := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_SRCS))

RUN_ARGS ?= --output.dir=$(OUT)/run/jsonl

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all run once test test-unit test-sanitize test-e2e test-integration test-workloads-scale \
	test-fresh deps vmlinux \
	install clean help

all: $(BIN) ## build the daemon (build/infra-monitor)

deps: ## install build and test dependencies (apt-get, idempotent)
	$(Q)scripts/install-deps.sh

run: ## install build deps, build and run the daemon in the foreground with defaults
	$(Q)scripts/install-deps.sh build
	$(Q)$(MAKE) --no-print-directory all
	$(Q)mkdir -p $(OUT)/run/jsonl
	./$(BIN) $(RUN_ARGS)

once: $(BIN) ## collect once and print Prometheus text
	./$(BIN) once --format=prom

# Every kernel of the matrix; the arm64 guest runs beside the x86 ones, on the time they leave idle.
TEST_KERNELS ?= 5.10 6.1 6.12 arm64-6.1 host

test: deps ## install deps, then run every test: unit (plain and sanitized), golden, integration, kernels, lint, stack
	$(Q)$(MAKE) --no-print-directory test-unit test-e2e test-integration
	$(Q)$(MAKE) --no-print-directory test-sanitize
	$(Q)$(MAKE) --no-print-directory test-kernels KERNELS="$(TEST_KERNELS)"
	$(Q)$(MAKE) --no-print-directory lint e2e

test-sanitize: ## unit tests and 5,000 mutated HTTP requests under ASan and UBSan (build/sanitize/)
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 all test-unit
	$(Q)tests/integration/http-mutate.sh build/sanitize/infra-monitor

test-unit: $(TEST_BINS) ## cmocka unit tests
	$(Q)tests/run-unit.sh $(TEST_BINS)

test-e2e: $(BIN) ## golden-file test: `once --format=prom` over tests/fixtures
	$(Q)tests/e2e.sh $(BIN)

test-integration: $(BIN) ## real daemon: HTTP, promtool, JSONL schema, rotation, modes, BPF
	$(Q)tests/integration/run.sh $(BIN)

test-workloads-scale: $(BIN) ## per-workload churn: 2,000 cgroups made and removed, RSS grows < 2 MiB (root; minutes; make test runs 500)
	$(Q)WORKLOADS_SCALE=2000 tests/integration/workloads.sh $(BIN)
test-fresh: ## the README's two commands in a fresh Debian 12 minbase container (root, ~30 min; not in `make test`)
	$(Q)scripts/test-fresh.sh

vmlinux: ## regenerate vmlinux/<arch>/vmlinux.h from this kernel's BTF
	$(Q)mkdir -p $(VMLINUX_DIR)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX_DIR)/vmlinux.h

$(BIN): $(OUT)/obj/main.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/obj/%.o: src/%.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# src/bpf/NAME.c includes the skeleton of bpf/NAME.bpf.c.
$(patsubst %,$(OUT)/obj/bpf/%.o,$(BPF_PROGS)): $(OUT)/obj/bpf/%.o: $(OUT)/bpf/%.skel.h

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(VMLINUX_DIR)/vmlinux.h | $(OUT)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	@# The skeleton embeds the whole object: DWARF was 80 % of it and of the binary. BTF, which
	@# CO-RE and the verifier's line info need, stays.
	$(Q)$(LLVM_STRIP) -g $@.tmp -o $@
	$(Q)rm -f $@.tmp

$(OUT)/bpf/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The statfs prober's child (src/freestanding/prober_child.c): a static program of a few KiB
# without libc, which prober.c carries as bytes and runs from a memfd. Its own flags: none of
# CFLAGS' libc, sanitizer or fuzzer options apply to it.
PROBER_CHILD_CFLAGS := $(WARN) -Iinclude -Os -ffreestanding -fno-builtin -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-pie -no-pie -static -nostdlib -s \
	-Wl,--build-id=none -Wl,-z,noseparate-code -Wl,-z,noexecstack
$(OUT)/prober_child: src/freestanding/prober_child.c include/prober_wire.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(PROBER_CHILD_CFLAGS) $< -o $@
$(OUT)/prober_child.h: $(OUT)/prober_child
	$(call msg,GEN,$@)
	$(Q){ echo 'static const unsigned char prober_child_elf[] = {'; \
	      od -An -v -tx1 $< | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '};'; } >$@.tmp
	$(Q)mv $@.tmp $@
$(OUT)/obj/prober.o: $(OUT)/prober_child.h

$(OUT)/tests/%: tests/%.c $(LIB) $(wildcard tests/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) $< $(LIB) $(LDLIBS) -lcmocka -o $@

$(OUT):
	$(Q)mkdir -p $@

# The version and revision reach the files that print them as -D flags, and make does not see
# a flag change: they depend on a stamp rewritten only when HEAD (or VERSION) moves, so a commit
# rebuilds those four and nothing else.
REVISION_USERS := $(addprefix $(OUT)/obj/,config.o main.o http/server.o http/health_handler.o)
$(REVISION_USERS): $(OUT)/revision
$(OUT)/revision: FORCE | $(OUT)
	$(Q)echo '$(VERSION) $(REVISION)' | cmp -s - $@ || echo '$(VERSION) $(REVISION)' >$@
.PHONY: FORCE
FORCE:

install: $(BIN) ## install binary, unit, config and man page (PREFIX, DESTDIR)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/infra-monitor

clean: ## remove build/
	rm -rf build

help: ## list targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed -e 's/:.*## /\t/' | expand -t 20

include infra/make.mk tests/kernels/kernels.mk tests/fuzz/fuzz.mk bench/bench.mk
-include $(OBJS:.o=.d)
