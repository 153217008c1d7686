# tests/guests/sbi.sh - the VMM's SBI (--bios vmm, the default when only --kernel
# is given), sourced by tests/guests/run.sh (uses its run, stat, pass, fail, skip,
# expect_rc, last_line helpers).
# Course: 处理器虚拟化 / 半虚拟化 (hypercall): with no guest firmware, each S-mode
# ecall is one exits.hypercall the VMM answers, as KVM answers a guest's SBI calls.
# Spec: RISC-V SBI v2.0 (Base, TIME, IPI, RFENCE, HSM, SRST, DBCN, legacy).
#
# Two sides of one count: guests/sbitest.c counts its own ecalls and prints the
# number; the VMM counts exits.hypercall and sbi.calls. They must agree.

SBI_UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin

# The guest's last line: "sbitest: all N checks passed, M SBI calls"; prints M.
sbi_guest_calls() {
    last_line "$1" |
        sed -n 's/^sbitest: all [0-9][0-9]* checks passed, \([0-9][0-9]*\) SBI calls$/\1/p'
}

# sbi_counts NAME TAG WANT_PRIV WANT_TRAPS WANT_WFI: exits.hypercall = sbi.calls = the
# guest's own count, and the other exits as worked out by the caller.
sbi_counts() {
    local name=$1 tag=$2 calls hyper sbi priv traps wfi
    calls=$(sbi_guest_calls "$tag")
    hyper=$(stat "$TMP/$tag.json" exits.hypercall)
    sbi=$(stat "$TMP/$tag.json" sbi.calls)
    priv=$(stat "$TMP/$tag.json" exits.priv_insn)
    traps=$(stat "$TMP/$tag.json" exits.guest_trap)
    wfi=$(stat "$TMP/$tag.json" exits.wfi)
    if [ -z "$calls" ] || [ "$hyper" != "$calls" ] || [ "$sbi" != "$calls" ]; then
        fail "$name" "guest counted '$calls' SBI calls; exits.hypercall '$hyper', sbi.calls '$sbi'"
    elif [ "$priv" != "$3" ] || [ "$traps" != "$4" ] || [ "$wfi" != "$5" ]; then
        fail "$name" "exits.priv_insn/guest_trap/wfi = $priv/$traps/$wfi, expected $3/$4/$5"
    else
        pass "$name"
    fi
}

# Every extension through guests/sbitest.c, started in S-mode at 0x8020_0000.
test_sbi_guest() {
    local want
    run sbi --quiet --kernel "$GUESTS/sbitest.elf"
    expect_rc sbi-guest sbi 0 || return
    for want in 'sbitest: base ok' 'sbitest: dbcn console_write ok' 'sbitest: legacy putchar ok' \
        'sbitest: rfence hsm srst ok' 'sbitest: timer and ipi ok'; do
        if ! grep -qx "$want" "$TMP/sbi.out"; then
            fail sbi-guest "no line '$want': $(head -c 160 "$TMP/sbi.out")"
            return
        fi
    done
    pass sbi-guest
    # Exits other than the SBI calls (under --cpu trap every S-mode CSR access exits):
    #   set-up: trap_init_s writes sscratch and stvec, then csrs sie, csrs sstatus = 4;
    #   three interrupts (the timer, the IPI, the timer that ends the suspend) are three
    #   guest_trap exits, and each runs guests/lib/trap.S's S path: entry csrrw sscratch,
    #   csrr sscratch, sepc, sstatus, scause, stval = 6, exit csrw sepc, sstatus,
    #   sscratch and sret = 4: 3 * 10 = 30; the IPI handler's csrc sip = 1; the suspend's
    #   csrc and csrs of sstatus = 2. rdtime never exits (mcounteren.TM is set).
    #   4 + 30 + 1 + 2 = 37 priv_insn. One wfi: the clock jumps to the first deadline.
    sbi_counts sbi-guest-counts sbi 37 3 1
}

# The SBI-only build: no CSR access at all (crt0-s.S has none, rdtime is allowed),
# so the VMM sees only hypercalls: exits.priv_insn = 0.
test_sbi_calls_only() {
    run sbi-calls --quiet --kernel "$GUESTS/sbitest-calls.elf"
    expect_rc sbi-calls sbi-calls 0 || return
    sbi_counts sbi-calls-only sbi-calls 0 0 0
    # --bios vmm IMAGE is the same boot as --kernel IMAGE
    run sbi-image --quiet --bios vmm "$GUESTS/sbitest-calls.elf"
    if [ "$rc" = 0 ] && cmp -s "$TMP/sbi-calls.out" "$TMP/sbi-image.out"; then
        pass sbi-bios-vmm-image
    else
        fail sbi-bios-vmm-image "exit $rc; output differs from --kernel's"
    fi
}

# What --bios vmm cannot run: exit 2 with a reason.
test_sbi_bad_boot() {
    run sbi-mmode --quiet --kernel "$GUESTS/hello.elf" # M-mode code, entry 0x8000_0000
    if [ "$rc" = 2 ] && grep -q "S-mode kernel" "$TMP/sbi-mmode.err"; then
        pass sbi-refuses-mmode-image
    else
        fail sbi-refuses-mmode-image "exit $rc: $(head -n 1 "$TMP/sbi-mmode.err")"
    fi
    run sbi-nokernel --quiet --bios vmm
    if [ "$rc" = 2 ] && grep -q -- "--bios vmm needs" "$TMP/sbi-nokernel.err"; then
        pass sbi-needs-kernel
    else
        fail sbi-needs-kernel "exit $rc: $(head -n 1 "$TMP/sbi-nokernel.err")"
    fi
}

# sbi_uboot_session TAG COMMANDS...: boot U-Boot (S-mode) with the VMM's SBI; type a
# newline once its autoboot countdown shows (stops it), then each command once one more
# "=> " prompt is there (its serial driver drops what comes before it is up).
sbi_uboot_session() {
    local tag=$1 seen=0 tries=0 cmd
    shift
    local out=$TMP/$tag.out fifo=$TMP/$tag.fifo
    rm -f "$fifo"
    mkfifo "$fifo"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --stats "$TMP/$tag.json" --kernel "$SBI_UBOOT" \
        <"$fifo" >"$out" 2>"$TMP/$tag.err" &
    local pid=$!
    exec 4>"$fifo"
    for cmd in "" "$@"; do
        # the countdown, then one more prompt per command typed
        while [ "$(grep -c -e 'stop autoboot' -e '^=> ' "$out" 2>/dev/null)" -le "$seen" ] &&
            kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 1200 ]; do
            sleep 0.1
            tries=$((tries + 1))
        done
        seen=$((seen + 1))
        printf '%s\n' "$cmd" >&4
    done
    exec 4>&-
    wait "$pid"
    rc=$?
}

# U-Boot's S-mode build: prompt, `version`, `sbi`, `poweroff` (exit 0); `reset` comes back.
# U-Boot boots without an SBI call (rdtime, the UART, the syscon from the device tree);
# its `sbi` command asks the Base extension: "SBI 2.0" and the extensions it knows.
# (U-Boot 2023.01 prints the spec version where it names an unknown implementation ID.)
test_sbi_uboot() {
    if [ ! -f "$SBI_UBOOT" ]; then
        skip sbi-uboot "$SBI_UBOOT not found (Debian package u-boot-qemu)"
        return
    fi
    sbi_uboot_session sbi-uboot version sbi poweroff
    expect_rc sbi-uboot sbi-uboot 0 || return
    # the banner and the `version` command's answer: two "U-Boot 20..." lines
    local out=$TMP/sbi-uboot.out json=$TMP/sbi-uboot.json
    if grep -q '^=> ' "$out" && [ "$(grep -c '^U-Boot 20' "$out")" -ge 2 ] &&
        grep -q '^SBI 2\.0' "$out" && grep -q 'System Reset Extension' "$out" &&
        [ "$(stat "$json" exits.hypercall)" = "$(stat "$json" sbi.base)" ] &&
        [ "$(stat "$json" sbi.base)" -gt 0 ]; then
        pass sbi-uboot
    else
        fail sbi-uboot "no prompt, version or sbi answer: $(tail -c 200 "$out" | tr '\n' ' ')"
    fi
    sbi_uboot_session sbi-uboot-reset reset "" poweroff
    expect_rc sbi-uboot-reset sbi-uboot-reset 0 || return
    if [ "$(stat "$TMP/sbi-uboot-reset.json" vm.resets)" = 1 ] &&
        [ "$(grep -c '^U-Boot 20' "$TMP/sbi-uboot-reset.out")" = 2 ] &&
        [ "$(grep -c '^=> ' "$TMP/sbi-uboot-reset.out")" -ge 2 ]; then
        pass sbi-uboot-reset
    else
        fail sbi-uboot-reset "expected one reset, two banners and two prompts (vm.resets = \
'$(stat "$TMP/sbi-uboot-reset.json" vm.resets)')"
    fi
}

test_sbi() {
    test_sbi_guest
    test_sbi_calls_only
    test_sbi_bad_boot
    test_sbi_uboot
}
