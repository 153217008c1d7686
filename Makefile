# vmlab - one plain GNU Makefile. Objects go to build/ (build-asan/ for `make asan`).
#   make            build vmlab and the guests
#   make demo       install what is missing, build, run the demo guest
#   make check      install what is missing, build, run unit and guest tests
#   make asan       the same tests under ASan+UBSan
#   make bench      guest MIPS, and QEMU TCG on the same guests when installed
#   V=1             show the commands

BUILD     ?= build
CC        ?= gcc
OPT       ?= -O2
CFLAGS    ?= $(OPT) -g
WARN      := -std=c11 -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
             -Wformat=2 -Wundef -Wshadow
ALL_CFLAGS = $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -D_GNU_SOURCE -I. -MMD -MP
LDLIBS    := -lfdt -lreadline -lm
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

ifeq ($(V),1)
Q :=
else
Q := @
endif

MODULES   := cpu mmu shadowpt io irq vm monitor
LIB_SRCS  := $(filter-out vm/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ  := $(BUILD)/vm/main.o
UNIT_SRCS := $(wildcard tests/unit/check_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
DEPS      := $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_BINS:=.d)

.PHONY: all vmlab guests check unit guest-tests asan demo bench deps format format-check clean

all: vmlab guests

vmlab: $(BUILD)/vmlab

$(BUILD)/vmlab: $(LIB_OBJS) $(MAIN_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/check_%: tests/unit/check_%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  CHECK   $<"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(CHECK_LIBS) $(LDLIBS)

include guests/guests.mk

deps:
	@scripts/install-deps.sh

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do CK_FORK=yes $$t || fail=1; done; exit $$fail

guest-tests: $(BUILD)/vmlab guests
	@VMLAB=$(BUILD)/vmlab GUESTS=$(GUEST_BUILD) tests/guests/run.sh

check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory guest-tests

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDLIBS="-fsanitize=address,undefined -lfdt -lreadline -lm" all unit
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    LDLIBS="-fsanitize=address,undefined -lfdt -lreadline -lm" ASAN_QUICK=1 guest-tests

demo: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/vmlab $(GUEST_BUILD)/hello.elf

bench: all
	@VMLAB=$(BUILD)/vmlab GUESTS=$(GUEST_BUILD) scripts/bench.sh

format:
	clang-format -i $(LIB_SRCS) vm/main.c $(wildcard */*.h) $(wildcard tests/unit/*.h) $(UNIT_SRCS)

format-check:
	clang-format --dry-run --Werror $(LIB_SRCS) vm/main.c $(wildcard */*.h) $(wildcard tests/unit/*.h) $(UNIT_SRCS)

clean:
	rm -rf build build-asan

-include $(DEPS)
