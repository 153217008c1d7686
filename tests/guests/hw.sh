# tests/guests/hw.sh - --cpu hw (the H-extension hart, as KVM uses one) beside
# --cpu trap, sourced by tests/guests/run.sh (uses its run, stat, pass, fail,
# bad_input_saying helpers).
# Course: 处理器虚拟化 / 陷入和模拟 vs. 硬件辅助虚拟化 (VT-x non-root mode):
# the same S-mode kernel, the same output, and the exits that disappear.
# Spec: Privileged 20211203, Chapter 8 "Hypervisor Extension" (hedeleg and
# hideleg, §8.6.1 virtual instruction); RISC-V SBI v2.0 (legacy calls).
#
# guests/hwtest.c on the VMM's (stand-in) SBI, worked instruction by
# instruction from its source:
#   CSR accesses, each a priv_insn exit under trap, inline under hw:
#     crt0-s.S: none (the VMM starts the kernel with FS = Initial, as
#       OpenSBI and KVM leave a payload)                                0
#     trap_init_s: csrw sscratch, csrw stvec                            2
#     csr_work: csrr/csrw/csrr/csrw sscratch, csrs/csrr/csrc sstatus    7
#     page_fault: csrw satp, sfence.vma                                 2
#     timer_interrupt: csrw stimecmp, csrs sie, csrs sstatus,
#                      csrc sstatus (csrr time is allowed: inline)      4
#     timer_polled: csrs sstatus, csrw stimecmp, csrc sstatus           3
#   the guest's four traps (illegal hstatus, load page fault, two timers):
#     trap.S's S entry/exit, each: csrrw + 5 csrr + 3 csrw + sret      10 x 4
#     on_trap for each timer: csrw stimecmp                             1 x 2
#   under trap: priv_insn = 2+7+2+4+3 + 40 + 2 + 1 (the csrr hstatus
#     itself, emulated: the VMM finds no such CSR and reflects an illegal
#     instruction, no guest_trap exit) = 61; guest_trap = 3 (the page fault,
#     the two timer interrupts); virtual_insn = 0.
#   under hw: priv_insn = 0, guest_trap = 0 (hedeleg has load page faults,
#     hideleg the VS timer): hw.delegated_traps = 3, the hart's own; virtual_insn
#     = 1 (csrr hstatus from VS, §8.6.1; the VMM reflects it as an illegal
#     instruction, as KVM does).
#   both: wfi = 1 (VTW = 1 under hw); hypercall = 226 characters of output
#     (32 + 27 + 49 + 49 + 56 + 13, one legacy putchar each) + 1 shutdown = 227;
#     mmio = 0; the same instruction count: the busy-wait timer interrupt comes
#     at the same instruction (under hw the inline stimecmp write ends the VM
#     entry so that the next one is sized to the new deadline).
HWTEST_OUT='hwtest: sscratch and sstatus ok
hwtest: hstatus -> cause 2
hwtest: load page fault cause 13 tval 0x40000000
hwtest: timer interrupt cause 0x8000000000000005
hwtest: polled timer interrupt cause 0x8000000000000005
hwtest: pass'

# hw_expect NAME FILE COUNTER WANT: counter COUNTER of a --stats FILE is WANT.
hw_expect() {
    local got
    got=$(stat "$2" "$3")
    if [ "$got" != "$4" ]; then
        fail "$1" "$3 = ${got:-missing}, expected $4"
        return 1
    fi
    return 0
}

# One model: exit 0, the known output, and its worked counters (pairs NAME VALUE).
hw_run_model() {
    local model=$1
    shift
    local name="hw-hwtest-$model"
    run "$name" --quiet --cpu "$model" --kernel "$GUESTS/hwtest.elf"
    if [ "$rc" -ne 0 ]; then
        fail "$name" "exit status $rc: $(head -n 2 "$TMP/$name.err")"
        return
    fi
    if [ "$(cat "$TMP/$name.out")" != "$HWTEST_OUT" ]; then
        fail "$name" "output differs: $(head -c 300 "$TMP/$name.out")"
        return
    fi
    while [ $# -gt 0 ]; do
        hw_expect "$name" "$TMP/$name.json" "$1" "$2" || return
        shift 2
    done
    pass "$name"
}

test_hw_hwtest() {
    hw_run_model trap exits.priv_insn 61 exits.guest_trap 3 exits.virtual_insn 0 \
        exits.wfi 1 exits.hypercall 227 exits.mmio 0 hw.delegated_traps 0
    hw_run_model hw exits.priv_insn 0 exits.guest_trap 0 exits.virtual_insn 1 \
        exits.wfi 1 exits.hypercall 227 exits.mmio 0 hw.delegated_traps 3
    local it ih
    it=$(stat "$TMP/hw-hwtest-trap.json" insns)
    ih=$(stat "$TMP/hw-hwtest-hw.json" insns)
    if [ -n "$it" ] && [ "$it" = "$ih" ]; then
        pass hw-hwtest-same-insns
    else
        fail hw-hwtest-same-insns "insns trap ${it:-missing}, hw ${ih:-missing}"
    fi
}

# The other memory techniques under hw: the same output. Under shadow and direct
# the VMM sets hstatus.VTVM (satp and sfence.vma exit as virtual instructions and
# are emulated): 2 virtual_insn more; nested needs none.
test_hw_mmu() {
    local mmu want
    for mmu in nested shadow; do
        want=1
        [ "$mmu" = shadow ] && want=3
        run "hw-hwtest-$mmu" --quiet --cpu hw --mmu "$mmu" --kernel "$GUESTS/hwtest.elf"
        if [ "$rc" -ne 0 ] || [ "$(cat "$TMP/hw-hwtest-$mmu.out")" != "$HWTEST_OUT" ]; then
            fail "hw-hwtest-$mmu" "exit $rc, output: $(head -c 200 "$TMP/hw-hwtest-$mmu.out")"
        elif hw_expect "hw-hwtest-$mmu" "$TMP/hw-hwtest-$mmu.json" exits.virtual_insn "$want"; then
            pass "hw-hwtest-$mmu"
        fi
    done
}

# --cpu hw has no guest M-mode: firmware or an M-mode image is refused (exit 2, one line).
test_hw_bad_input() {
    bad_input_saying cpu-hw-m-mode-image 'M-mode' --cpu hw "$GUESTS/hello.elf"
    bad_input_saying cpu-hw-bios-file 'M-mode' --cpu hw --bios "$GUESTS/hello.elf" \
        --kernel "$GUESTS/hwtest.elf"
    bad_input_saying cpu-hw-bios-none 'M-mode' --cpu hw --bios none --kernel "$GUESTS/hwtest.elf"
    bad_input_saying bios-vmm-without-kernel 'kernel' --cpu hw --bios vmm
}

# The monitor's `info csrs` under hw: KVM's hstatus (SPV | SPVP | VTW | VSXL=2 =
# 0x2_0020_0180), the guest's CSRs as vs*, and under --mmu nested hgatp = MODE 9
# (Sv48x4) << 60 | VMID 1 << 44 | the stage-2 root's PPN: 0x90001...
test_hw_info_csrs() {
    printf 'info csrs\nquit\n' >"$TMP/hw-csrs.script"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --cpu hw --mmu nested --kernel "$GUESTS/hwtest.elf" \
        --monitor-script "$TMP/hw-csrs.script" >"$TMP/hw-csrs.out" 2>&1 </dev/null
    if ! grep -q '^hstatus    0x0000000200200180' "$TMP/hw-csrs.out"; then
        fail hw-info-csrs "no KVM hstatus in: $(head -c 300 "$TMP/hw-csrs.out")"
    elif ! grep -q 'vsstatus' "$TMP/hw-csrs.out" ||
        ! grep -q '^hgatp      0x90001' "$TMP/hw-csrs.out"; then
        fail hw-info-csrs "no vsstatus or hgatp 0x90001...: $(head -c 300 "$TMP/hw-csrs.out")"
    else
        pass hw-info-csrs
    fi
}

# An independent reference: the same kernel on QEMU's virt board under OpenSBI (no H
# extension: -cpu rv64,h=false, so hstatus is illegal there too) prints the same lines.
test_hw_qemu() {
    if ! command -v qemu-system-riscv64 >/dev/null 2>&1; then
        skip hw-hwtest-qemu "qemu-system-riscv64 not installed"
        return
    fi
    timeout "$HOST_TIMEOUT" qemu-system-riscv64 -M virt -nographic -cpu rv64,h=false \
        -kernel "$GUESTS/hwtest.elf" >"$TMP/hw-qemu.out" 2>&1 </dev/null
    if [ "$(tr -d '\r' <"$TMP/hw-qemu.out" | grep '^hwtest: ')" = "$HWTEST_OUT" ]; then
        pass hw-hwtest-qemu
    else
        fail hw-hwtest-qemu "QEMU's output differs: $(tr -d '\r' <"$TMP/hw-qemu.out" | tail -n 3)"
    fi
}

test_hw() {
    test_hw_qemu
    test_hw_info_csrs
    test_hw_hwtest
    test_hw_mmu
    test_hw_bad_input
}
