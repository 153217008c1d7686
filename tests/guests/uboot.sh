# tests/guests/uboot.sh - real firmware nobody here wrote: Debian's OpenSBI
# (fw_jump, fw_dynamic) and U-Boot (S-mode payload, and M-mode as the
# firmware itself) boot under vmlab to U-Boot's prompt and obey it. Sourced
# by tests/guests/run.sh (uses its pass, fail, skip, stat helpers).
# Course: 处理器虚拟化 / trap-and-emulate of unmodified firmware: every CSR
# access of OpenSBI and U-Boot exits; the counters say how many.
# Needs the Debian packages opensbi and u-boot-qemu (scripts/install-deps.sh).

OPENSBI_DIR=/usr/lib/riscv64-linux-gnu/opensbi/generic
UBOOT_SMODE=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
UBOOT_MMODE=/usr/lib/u-boot/qemu-riscv64/u-boot.bin

# prompt_session TAG COMMANDS EOL -- CMD...: run CMD, and at each U-Boot
# prompt type the next of COMMANDS (a newline-separated list; the first
# answer stops autoboot), each ended by EOL. Output in $TMP/TAG.out; sets rc.
# A command is typed only once the prompt for it is there, so the session
# does not depend on how fast anything runs.
prompt_session() {
    local tag=$1 commands=$2 eol=$3
    shift 4
    local fifo=$TMP/$tag.in prompts=0 waited=0 cmd
    rm -f "$fifo"
    mkfifo "$fifo"
    timeout "$HOST_TIMEOUT" "$@" <"$fifo" >"$TMP/$tag.out" 2>"$TMP/$tag.err" &
    local pid=$!
    exec 3>"$fifo"
    while IFS= read -r cmd; do
        # wait for one more prompt (or the autoboot countdown, the first time)
        while [ "$(grep -o -e '=> ' -e 'stop autoboot' "$TMP/$tag.out" 2>/dev/null | wc -l)" -le \
            "$prompts" ]; do
            if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge 600 ]; then
                break 2
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
        prompts=$(grep -o -e '=> ' -e 'stop autoboot' "$TMP/$tag.out" | wc -l)
        printf '%s%s' "$cmd" "$eol" >&3
    done <<<"$commands"
    exec 3>&-
    wait "$pid"
    rc=$?
}

# uboot_session TAG COMMANDS -- VMLAB_ARGS...: the same from a pipe, with
# the counters in $TMP/TAG.json.
uboot_session() {
    local tag=$1 commands=$2
    shift 3
    prompt_session "$tag" "$commands" $'\n' -- "$VMLAB" --quiet --stats "$TMP/$tag.json" "$@"
}

uboot_have() {
    [ -f "$OPENSBI_DIR/fw_jump.elf" ] && [ -f "$UBOOT_SMODE" ] && [ -f "$UBOOT_MMODE" ]
}

# OpenSBI fw_jump + U-Boot S-mode: the banner of each, the prompt, four
# commands, and poweroff (U-Boot asks SBI SRST, OpenSBI writes the test
# device's poweroff value): exit 0.
test_uboot_jump() {
    uboot_session uboot-jump $'\nversion\nbdinfo\nmd.l 0x80200000 4\nsbi\npoweroff' -- \
        --bios "$OPENSBI_DIR/fw_jump.elf" --kernel "$UBOOT_SMODE"
    local out=$TMP/uboot-jump.out
    if [ "$rc" != 0 ]; then
        fail uboot-jump "exit $rc, want 0 (poweroff); last: $(tail -n 2 "$out" | tr '\n' ' ')"
    elif ! grep -q '^OpenSBI v' "$out" || ! grep -q '^Boot HART Base ISA *: rv64imafdc' "$out"; then
        fail uboot-jump "no OpenSBI banner with rv64imafdc"
    elif ! grep -q '^U-Boot 20[0-9][0-9]\.' "$out"; then
        fail uboot-jump "U-Boot's version command printed nothing"
    elif ! grep -q 'relocaddr' "$out" || ! grep -q '^80200000: ' "$out"; then
        # bdinfo names the relocation address; md.l dumps U-Boot's own first words there
        fail uboot-jump "bdinfo or md.l printed nothing"
    elif ! grep -q 'OpenSBI' <(sed -n '/=> sbi/,/=> /p' "$out"); then
        fail uboot-jump "U-Boot's sbi command did not name OpenSBI"
    elif [ "$(stat "$TMP/uboot-jump.json" exits.priv_insn)" -le 0 ]; then
        fail uboot-jump "no priv_insn exits: the firmware's CSR accesses must exit"
    else
        pass uboot-jump
    fi
}

# fw_dynamic: the boot ROM passes OpenSBI its info structure in a2, as QEMU's
# does (next address 0x8020_0000 in S-mode); the same prompt and poweroff.
test_uboot_dynamic() {
    uboot_session uboot-dynamic $'\nversion\npoweroff' -- \
        --bios "$OPENSBI_DIR/fw_dynamic.elf" --kernel "$UBOOT_SMODE"
    if [ "$rc" != 0 ] || ! grep -q '^U-Boot 20[0-9][0-9]\.' "$TMP/uboot-dynamic.out" ||
        ! grep -q 'Next Address *: 0x0*80200000' "$TMP/uboot-dynamic.out"; then
        fail uboot-dynamic "exit $rc; OpenSBI's next address or U-Boot's version missing"
    else
        pass uboot-dynamic
    fi
}

# M-mode U-Boot as the firmware itself (no OpenSBI): the same prompt; its
# poweroff writes the test device itself.
test_uboot_mmode() {
    uboot_session uboot-mmode $'\nversion\npoweroff' -- --bios "$UBOOT_MMODE"
    if [ "$rc" != 0 ] || ! grep -q '^U-Boot 20[0-9][0-9]\.' "$TMP/uboot-mmode.out"; then
        fail uboot-mmode "exit $rc; no version line"
    elif [ "$(stat "$TMP/uboot-mmode.json" exits.hypercall)" != 0 ]; then
        fail uboot-mmode "hypercalls with guest firmware in M-mode: every ecall is the guest's"
    else
        pass uboot-mmode
    fi
}

# reset brings the whole chain back to the prompt (DESIGN.md: reset
# restores the VM as it was at start): two OpenSBI banners, one vm.resets,
# then poweroff ends it with exit 0.
test_uboot_reset() {
    uboot_session uboot-reset $'\nreset\n\npoweroff' -- \
        --bios "$OPENSBI_DIR/fw_jump.elf" --kernel "$UBOOT_SMODE"
    local banners resets
    banners=$(grep -c '^OpenSBI v' "$TMP/uboot-reset.out")
    resets=$(stat "$TMP/uboot-reset.json" vm.resets)
    if [ "$rc" != 0 ] || [ "$banners" != 2 ] || [ "$resets" != 1 ]; then
        fail uboot-reset "exit $rc, $banners OpenSBI banners (want 2), vm.resets $resets (want 1)"
    else
        pass uboot-reset
    fi
}

# U-Boot S-mode on the VMM's own SBI (no OpenSBI), under both CPU models.
# Under --cpu hw the kernel runs in VS-mode: its S CSR accesses, sret and
# delegated traps never exit, and there is no guest M-mode at all, so the
# whole session - boot, version, poweroff - makes no priv_insn exit. Under
# --cpu trap the same accesses exit (U-Boot sets stvec, at least: >= 1).
test_uboot_vmm_cpus() {
    local cpu
    for cpu in trap hw; do
        uboot_session "uboot-vmm-$cpu" $'\nversion\npoweroff' -- --cpu "$cpu" --kernel "$UBOOT_SMODE"
        local priv
        priv=$(stat "$TMP/uboot-vmm-$cpu.json" exits.priv_insn)
        if [ "$rc" != 0 ] || ! grep -q '^U-Boot 20[0-9][0-9]\.' "$TMP/uboot-vmm-$cpu.out"; then
            fail "uboot-vmm-$cpu" "exit $rc; no version line"
        elif [ "$cpu" = hw ] && [ "$priv" != 0 ]; then
            fail "uboot-vmm-$cpu" "exits.priv_insn $priv under --cpu hw, want 0"
        elif [ "$cpu" = trap ] && [ "${priv:-0}" -lt 1 ]; then
            fail "uboot-vmm-$cpu" "exits.priv_insn $priv under --cpu trap, want >= 1"
        else
            pass "uboot-vmm-$cpu"
        fi
    done
}

# Interactively: the same session on a terminal. script(1) gives vmlab a
# pseudo-terminal (raw mode, the Ctrl-A keys live, virtual time paced to
# wall time) and the keys arrive as a user types them, Enter as a carriage
# return; poweroff ends it with exit 0 (script -e passes vmlab's status on).
test_uboot_tty() {
    if ! command -v script >/dev/null 2>&1; then
        skip uboot-tty "script(1) (bsdutils) is not installed"
        return
    fi
    prompt_session uboot-tty $'\nversion\npoweroff' $'\r' -- script -qfec \
        "$VMLAB --quiet --bios $OPENSBI_DIR/fw_jump.elf --kernel $UBOOT_SMODE" /dev/null
    if [ "$rc" = 0 ] && grep -q 'U-Boot 20[0-9][0-9]\.' "$TMP/uboot-tty.out" &&
        grep -q 'poweroff' "$TMP/uboot-tty.out"; then
        pass uboot-tty
    else
        fail uboot-tty "exit $rc on a terminal; last: $(tail -c 200 "$TMP/uboot-tty.out" | tr -d '\r' | tr '\n' ' ')"
    fi
}

# A guest fault that makes it reset (DESIGN.md "Reset"): U-Boot jumps to an
# address with no memory (0x7fff0000, below RAM): the fetch is an
# instruction access fault (cause 1), U-Boot's handler reports it and resets
# the board; the whole chain (OpenSBI or the VMM's SBI, then U-Boot) comes back to
# the prompt (vm.resets = 1), and poweroff then ends the run with exit 0.
test_uboot_fault_reset() {
    local chain tag
    for chain in opensbi vmm-trap vmm-hw; do
        tag=uboot-fault-reset-$chain
        case $chain in
        opensbi) set -- --bios "$OPENSBI_DIR/fw_jump.elf" --kernel "$UBOOT_SMODE" ;;
        vmm-trap) set -- --kernel "$UBOOT_SMODE" ;;
        *) set -- --cpu hw --kernel "$UBOOT_SMODE" ;;
        esac
        uboot_session "$tag" $'\ngo 0x7fff0000\n\nversion\npoweroff' -- "$@"
        if [ "$rc" != 0 ] || [ "$(stat "$TMP/$tag.json" vm.resets)" != 1 ]; then
            fail "$tag" "exit $rc, vm.resets $(stat "$TMP/$tag.json" vm.resets)"
        elif ! grep -q 'Unhandled exception: Instruction access fault' "$TMP/$tag.out" ||
            [ "$(grep -c '^U-Boot 20[0-9][0-9]\.' "$TMP/$tag.out")" -lt 2 ]; then
            fail "$tag" "no access fault report, or no U-Boot banner after the reset"
        else
            pass "$tag"
        fi
    done
}

test_uboot() {
    if ! uboot_have; then
        skip uboot "Debian's opensbi and u-boot-qemu are not installed (scripts/install-deps.sh)"
        return
    fi
    test_uboot_jump
    test_uboot_dynamic
    test_uboot_mmode
    test_uboot_reset
    test_uboot_vmm_cpus
    test_uboot_tty
    test_uboot_fault_reset
    test_uboot_bad_firmware
}

# Firmware that cannot be: refused with exit 2 and one line (issue 5, bad
# input): a firmware that is not RISC-V, one bigger than RAM, a payload that
# overlaps the firmware. And a guest that never powers off (OpenSBI + U-Boot
# at its prompt, waiting for input that never comes from an open pipe) is
# stopped by --timeout with exit 3.
test_uboot_bad_firmware() {
    bad_input_saying bios-not-riscv 'not a RISC-V' --bios /bin/true --kernel "$UBOOT_SMODE"
    head -c $((130 << 20)) /dev/zero >"$TMP/huge-fw.bin"
    bad_input_saying bios-too-big 'bigger than RAM' --bios "$TMP/huge-fw.bin"
    bad_input_saying kernel-overlaps-bios 'overlaps the firmware' \
        --bios "$GUESTS/hello.elf" --kernel "$GUESTS/hello.elf"
    local fifo=$TMP/never.in
    rm -f "$fifo" && mkfifo "$fifo"
    sleep 30 >"$fifo" &
    local holder=$!
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --timeout 1 --bios "$OPENSBI_DIR/fw_jump.elf" \
        --kernel "$UBOOT_SMODE" <"$fifo" >"$TMP/never.out" 2>"$TMP/never.err"
    rc=$?
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
    if [ "$rc" = 3 ] && grep -q 'timeout' "$TMP/never.err"; then
        pass uboot-timeout
    else
        fail uboot-timeout "exit $rc, want 3 with a --timeout message"
    fi
}
