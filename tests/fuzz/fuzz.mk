# libFuzzer targets (tests/fuzz/fuzz_*.c), included by the top Makefile:
#     include tests/fuzz/fuzz.mk
#
#   make fuzz                 build, then run every target FUZZ_SECONDS (60) each,
#                             FUZZ_JOBS (2) at a time; exit 1 on any crash
#   make fuzz-build           only build build/fuzz/fuzz_<name>
#   make fuzz-merge           minimise what the runs found into tests/fuzz/corpus/
#
# Each target links the daemon's own sources, rebuilt with clang and
# -fsanitize=fuzzer-no-link,address,undefined under build/fuzz/obj/ so the
# normal build is untouched. Needs clang and libFuzzer's runtime
# (Debian: clang, libclang-rt-14-dev). New inputs go to build/fuzz/corpus/
# and crashes to build/fuzz/artifacts/; the committed corpus is only read.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 2
FUZZ_OUT     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -O1 -g $(FUZZ_SAN) $(WARN) -std=gnu11 -D_GNU_SOURCE -pthread -Iinclude -I$(OUT) \
                -Itests/fuzz -DIM_VERSION='"$(VERSION)"' -DIM_REVISION='"fuzz"' -DIM_FUZZING=1
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
# The web config target needs the module it fuzzes.
ifeq ($(wildcard src/http/webconfig.c),)
FUZZ_SRCS    := $(filter-out tests/fuzz/fuzz_webconfig.c,$(FUZZ_SRCS))
endif
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
FUZZ_OBJS    := $(patsubst src/%.c,$(FUZZ_OUT)/obj/%.o,$(filter-out src/main.c,$(SRCS)))
FUZZ_LIB     := $(FUZZ_OUT)/libinfra-fuzz.a

.PHONY: fuzz fuzz-build fuzz-merge

fuzz: fuzz-build ## run every libFuzzer target FUZZ_SECONDS (default 60) each
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) tests/fuzz/run.sh $(FUZZ_BINS)

fuzz-build: $(FUZZ_BINS) ## build the libFuzzer targets under build/fuzz/

fuzz-merge: fuzz-build ## minimise build/fuzz/corpus/* into tests/fuzz/corpus/*
	$(Q)for b in $(FUZZ_BINS); do n=$${b##*/fuzz_}; mkdir -p tests/fuzz/corpus/$$n $(FUZZ_OUT)/corpus/$$n; \
		$$b -merge=1 tests/fuzz/corpus/$$n $(FUZZ_OUT)/corpus/$$n >/dev/null 2>&1 || exit 1; done

$(FUZZ_OUT)/obj/%.o: src/%.c $(BPF_SKELS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_OUT)/obj/prober.o: $(OUT)/prober_child.h

$(FUZZ_LIB): $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_LIB)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB) $(LDLIBS) -o $@

-include $(FUZZ_OBJS:.o=.d)
