# guests/guests.mk - bare-metal RISC-V guests and their support library, built
# with the cross compiler. Included by the top Makefile (uses BUILD and Q).
#   make guests          every guest as $(GUEST_BUILD)/NAME.elf
#   RISCV_PREFIX=...     choose the cross toolchain (default: probed)

GUEST_BUILD := $(BUILD)/guests

# STYLE.md §8: probe riscv64-unknown-elf- then riscv64-linux-gnu-.
RISCV_PREFIX ?= $(shell if command -v riscv64-unknown-elf-gcc >/dev/null 2>&1; then \
                    echo riscv64-unknown-elf-; \
                elif command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then \
                    echo riscv64-linux-gnu-; fi)
GUEST_CC := $(RISCV_PREFIX)gcc

# -fno-tree-loop-distribute-patterns: the compiler must not turn memset's own
# loop into a call to memset.
GUEST_CFLAGS := -march=rv64gc_zicsr_zifencei -mabi=lp64d -mcmodel=medany -ffreestanding \
                -nostdlib -nostartfiles -fno-tree-loop-distribute-patterns -O2 -g \
                -Wall -Wextra -Werror -I. -MMD -MP
GUEST_LDFLAGS := -static -T guests/lib/virt.ld -Wl,--no-warn-rwx-segments

# Each guest is guests/NAME.c; variants are the same source with -D flags.
GUEST_NAMES := hello hello-htif selftest privtest compute paging spin garbage romwrite reboot mtimeset echo \
               wildjump paging-pv
GUEST_VARIANTS := compute-short csrloop-10 csrloop-1000 paging-long paging-pv-isolate
# guests/memlab.c (the memory lab) and its variants: knobs in guests/README.md
GUEST_NAMES += memlab
MEMLAB_VARIANTS := memlab-seq memlab-stride memlab-rand memlab-hot memlab-seq-512k memlab-sv48 \
                   memlab-remap memlab-64m-rand memlab-64m-stride
GUEST_VARIANTS += $(MEMLAB_VARIANTS)
# guests/isolate.c, built twice with different marks: two VMs run together (--vm) must not
# reach each other's frames (tests/guests/multivm.sh)
ISOLATE_VARIANTS := isolate-a isolate-b
GUEST_VARIANTS += $(ISOLATE_VARIANTS)
# guests/badpt.c: malformed page tables under Sv39 and Sv48 in one run (tests/guests/badpt.sh)
GUEST_NAMES += badpt
# guests/sbitest.c: S-mode payloads for the VMM's SBI (--bios vmm, tests/guests/sbi.sh), linked
# at 0x8020_0000 and entered at _start_s (guests/lib/crt0-s.S): no M-mode code at all
SMODE_GUESTS := sbitest sbitest-calls hwtest
GUEST_NAMES += sbitest
# guests/hwtest.c: an S-mode kernel for tests/guests/hw.sh (--cpu trap vs. --cpu hw)
GUEST_NAMES += hwtest
GUEST_VARIANTS += sbitest-calls
# guests/uartirq.c: UART input by interrupt through the PLIC, M-mode and S-mode (-DSMODE),
# M-mode with the THR-empty interrupt on as xv6 has it (-DTHRE) (tests/guests/plic.sh)
GUEST_NAMES += uartirq
GUEST_VARIANTS += uartirq-s uartirq-thre
# guests/eblktest.c: a driver for vmlab's emulated block controller (--io emulated, docs/eblk.md;
# tests/guests/eblk.sh)
GUEST_NAMES += eblktest
# guests/blkkern.c: an S-mode teaching kernel that drives its disk (virtio-blk at a virtio-mmio
# slot, or eblk) with PLIC interrupts (tests/guests/blkkern.sh); -verify only reads and checks,
# -bench is the disk benchmark (make bench, vmlab compare --io), -bench-4k-qd8 its 4 KiB, QD 8 part (make bench),
# -bench-4k-qd1 the same at QD 1 (docs/lab4-io.md)
BLKKERN_VARIANTS := blkkern-verify blkkern-bench blkkern-bench-4k-qd8 blkkern-bench-4k-qd1
GUEST_NAMES += blkkern
GUEST_VARIANTS += $(BLKKERN_VARIANTS)
SMODE_GUESTS += blkkern $(BLKKERN_VARIANTS)
BLKKERN_FLAGS_verify := -DVERIFY_ONLY
BLKKERN_FLAGS_bench := -DBENCH
BLKKERN_FLAGS_bench-4k-qd8 := -DBENCH -DBENCH_QDS=8 -DBENCH_SIZES=4096 -DBENCH_ROUNDS=8
BLKKERN_FLAGS_bench-4k-qd1 := -DBENCH -DBENCH_QDS=1 -DBENCH_SIZES=4096 -DBENCH_ROUNDS=8

# guests/vfblk.c: a virtio-blk driver for slot 7, on --io virtio and --io passthrough; -a/-b write
# their own patterns (two VMs on one medium), -s is an S-mode kernel that programs the IOMMU's
# first stage by hypercall (tests/guests/passthrough.sh)
VFBLK_VARIANTS := vfblk-a vfblk-b vfblk-s
GUEST_VARIANTS += $(VFBLK_VARIANTS)
SMODE_GUESTS += vfblk-s
GUEST_ELFS := $(foreach g,$(GUEST_NAMES) $(GUEST_VARIANTS),$(GUEST_BUILD)/$(g).elf)

COMPUTE_SHORT_ITERS := 20
# make bench's memory-bound guest: ~200 million instructions (guests/paging.c, ROUNDS)
PAGING_LONG_ROUNDS := 11000

GUEST_LIB_SRCS := $(wildcard guests/lib/*.c) $(wildcard guests/lib/*.S)
GUEST_LIB_OBJS := $(patsubst guests/lib/%,$(GUEST_BUILD)/lib/%.o,$(GUEST_LIB_SRCS))
GUEST_LIB := $(GUEST_BUILD)/lib/libguest.a
GUEST_OBJS := $(patsubst %,$(GUEST_BUILD)/obj/%.o,$(GUEST_NAMES) $(GUEST_VARIANTS))

# Keep the objects: make would delete them as intermediates of NAME.elf.
.SECONDARY: $(GUEST_OBJS) $(GUEST_LIB_OBJS)

guests: $(GUEST_ELFS)

guest-toolchain:
	$(if $(RISCV_PREFIX),@true,$(error no RISC-V cross compiler found (riscv64-unknown-elf-gcc \
	    or riscv64-linux-gnu-gcc): install the Debian package gcc-riscv64-unknown-elf, \
	    e.g. with scripts/install-deps.sh))

.PHONY: guest-toolchain

$(GUEST_BUILD)/lib/%.o: guests/lib/% | guest-toolchain
	@mkdir -p $(dir $@)
	@echo "  GUEST   lib/$*"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_LIB): $(GUEST_LIB_OBJS)
	@echo "  AR      libguest.a"
	$(Q)rm -f $@
	$(Q)$(RISCV_PREFIX)ar rcs $@ $^

$(GUEST_BUILD)/obj/%.o: guests/%.c | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_BUILD)/obj/compute-short.o: guests/compute.c | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DITERS=$(COMPUTE_SHORT_ITERS) -c -o $@ $<

$(GUEST_BUILD)/obj/paging-long.o: guests/paging.c guests/guests.mk | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DROUNDS=$(PAGING_LONG_ROUNDS) -c -o $@ $<

$(GUEST_BUILD)/obj/csrloop-%.o: guests/csrloop.c | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DK=$* -c -o $@ $<

# memlab variants: 0.15-1.2 M instructions each (4 processes x 1024 KiB x 4 rounds); the 64m
# ones are make bench's: one process, 16384 pages touched once (~17 M; needs -m 128M).
MEMLAB_FLAGS_seq := -DPATTERN=PATTERN_SEQ -DFOOTPRINT_KIB=1024
MEMLAB_FLAGS_stride := -DPATTERN=PATTERN_STRIDE -DFOOTPRINT_KIB=1024
MEMLAB_FLAGS_rand := -DPATTERN=PATTERN_RAND -DFOOTPRINT_KIB=1024
MEMLAB_FLAGS_hot := -DPATTERN=PATTERN_HOT -DFOOTPRINT_KIB=1024
MEMLAB_FLAGS_seq-512k := -DPATTERN=PATTERN_SEQ -DFOOTPRINT_KIB=512
MEMLAB_FLAGS_sv48 := -DMODE=48
# one process touching 8 pages: its TLB entry for the remapped page survives to pass 2, so
# only the kernel's sfence.vma (or a shadow MMU that notices the PTE edit) makes it read zero
MEMLAB_FLAGS_remap := -DPATTERN=PATTERN_HOT -DNPROC=1
MEMLAB_FLAGS_64m-rand := -DPATTERN=PATTERN_RAND -DFOOTPRINT_KIB=65536 -DNPROC=1 -DROUNDS=1
MEMLAB_FLAGS_64m-stride := -DPATTERN=PATTERN_STRIDE -DFOOTPRINT_KIB=65536 -DNPROC=1 -DROUNDS=1

# A static pattern rule: it applies to these objects only (never to a .d file's name).
$(patsubst %,$(GUEST_BUILD)/obj/%.o,$(MEMLAB_VARIANTS)): $(GUEST_BUILD)/obj/memlab-%.o: \
        guests/memlab.c guests/guests.mk | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(MEMLAB_FLAGS_$*) -c -o $@ $<

ISOLATE_FLAGS_a := -DMARK=0xa5a5a5a500000000ull -DNAME='"isolate-a"'
ISOLATE_FLAGS_b := -DMARK=0x3c3c3c3c00000000ull -DNAME='"isolate-b"'

$(patsubst %,$(GUEST_BUILD)/obj/%.o,$(ISOLATE_VARIANTS)): $(GUEST_BUILD)/obj/isolate-%.o: \
        guests/isolate.c guests/guests.mk | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(ISOLATE_FLAGS_$*) -c -o $@ $<

VFBLK_FLAGS_a := -DPATTERN="'A'"
VFBLK_FLAGS_b := -DPATTERN="'B'"
VFBLK_FLAGS_s := -DPATTERN="'S'" -DSMODE -DIOMMU_SV39

$(patsubst %,$(GUEST_BUILD)/obj/%.o,$(VFBLK_VARIANTS)): $(GUEST_BUILD)/obj/vfblk-%.o: \
        guests/vfblk.c guests/guests.mk | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(VFBLK_FLAGS_$*) -c -o $@ $<

# paging-pv with the isolation probe (tests/guests/direct.sh runs two of them side by side)
$(GUEST_BUILD)/obj/paging-pv-isolate.o: guests/paging-pv.c | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DISOLATION_PROBE -c -o $@ $<

# the SBI-only build: no trap handler, no interrupts, so no CSR access (tests/guests/sbi.sh)
$(GUEST_BUILD)/obj/sbitest-calls.o: guests/sbitest.c | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DCALLS_ONLY -c -o $@ $<

# S-mode payloads: virt.ld's layout moved up to RAM + 2 MiB, entry _start_s
$(patsubst %,$(GUEST_BUILD)/%.elf,$(SMODE_GUESTS)): $(GUEST_BUILD)/%.elf: \
        $(GUEST_BUILD)/obj/%.o $(GUEST_LIB) guests/lib/virt.ld
	@echo "  GUEST   $*.elf (S-mode)"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -Wl,-Ttext=0x80200000 -Wl,-e,_start_s \
	    -o $@ $< -Wl,-u,_start_s $(GUEST_LIB) -lgcc

$(GUEST_BUILD)/obj/uartirq-s.o: guests/uartirq.c | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DSMODE -c -o $@ $<

$(GUEST_BUILD)/obj/uartirq-thre.o: guests/uartirq.c | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DTHRE -c -o $@ $<

# crt0's _start must come first: it is pulled from the archive by ENTRY(_start).
$(GUEST_BUILD)/%.elf: $(GUEST_BUILD)/obj/%.o $(GUEST_LIB) guests/lib/virt.ld
	@echo "  GUEST   $*.elf"
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< -Wl,-u,_start $(GUEST_LIB) -lgcc

-include $(GUEST_LIB_OBJS:.o=.d) $(wildcard $(GUEST_BUILD)/obj/*.d)

# blkkern variants: the same source with -D flags
$(patsubst %,$(GUEST_BUILD)/obj/%.o,$(BLKKERN_VARIANTS)): $(GUEST_BUILD)/obj/blkkern-%.o: \
        guests/blkkern.c guests/guests.mk | guest-toolchain
	@mkdir -p $(dir $@)
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) $(BLKKERN_FLAGS_$*) -c -o $@ $<
