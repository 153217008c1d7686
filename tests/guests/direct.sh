# tests/guests/direct.sh - --mmu direct (Xen-PV-style direct paging), sourced
# by tests/guests/run.sh (uses its run, stat, pass, fail helpers).
# Course: 内存虚拟化 / 直接页表: the guest's tables hold HPAs, the walk has no
# second stage (Sv39: 3 reads, against nested's 15), updates go through
# validated hypercalls, and only a paravirtual guest may run so.
# Spec: Privileged 20211203 §4.3.2, §4.4 "Sv39"; docs/direct-paging.md.
#
# guests/paging-pv.c counts its own hypercalls and prints the number; the VMM
# counts exits.hypercall: two sides, so the comparison can fail.

# The PV kernel passes: every refusal check line, its tasks, and the counts.
test_direct_pv() {
    run direct-pv --quiet --mmu direct "$GUESTS/paging-pv.elf"
    local checks guest_calls exits max s2 foreign refused
    checks=$(grep -c '^paging-pv: check: .* ok$' "$TMP/direct-pv.out")
    guest_calls=$(sed -n 's/^paging-pv: hypercalls: \([0-9][0-9]*\)$/\1/p' "$TMP/direct-pv.out")
    exits=$(stat "$TMP/direct-pv.json" exits.hypercall)
    max=$(stat "$TMP/direct-pv.json" walk.max_accesses)
    s2=$(stat "$TMP/direct-pv.json" walk.s2_accesses)
    foreign=$(stat "$TMP/direct-pv.json" direct.foreign_frames)
    refused=$(stat "$TMP/direct-pv.json" pv.refused)
    if [ "$rc" != 0 ] || [ "$(last_line direct-pv)" != "paging-pv: pass" ]; then
        fail direct-pv "exit $rc, last line '$(last_line direct-pv)'"
    elif [ "$checks" != 12 ] || grep -q 'WRONG' "$TMP/direct-pv.out"; then
        # 7 refused calls, 2 refused instructions (store, satp), M-mode's bad leaf,
        # the unknown extension, one unpin
        fail direct-pv "$checks of 12 check lines ok"
    elif [ -z "$guest_calls" ] || [ "$guest_calls" != "$exits" ]; then
        fail direct-pv "the guest made '$guest_calls' hypercalls, exits.hypercall is '$exits'"
    elif [ "$max" != 3 ] || [ "$s2" != 0 ]; then
        # Sv39 with no second stage: n1 = 3 reads at most, none of them stage 2
        fail direct-pv "walk.max_accesses $max (want 3), walk.s2_accesses $s2 (want 0)"
    elif [ "$refused" != 8 ] || [ "$foreign" != 1 ]; then
        # refused: the 7 calls and the satp write; foreign: M-mode's leaf at HPA 0, walked once
        fail direct-pv "pv.refused $refused (want 8), direct.foreign_frames $foreign (want 1)"
    else
        pass direct-pv
    fi
}

# An unmodified guest is refused under direct; the PV guest is refused elsewhere.
test_direct_refusals() {
    run direct-unmodified --mmu direct "$GUESTS/paging.elf"
    if [ "$rc" = 2 ] && [ "$(wc -l <"$TMP/direct-unmodified.err")" = 1 ] &&
        grep -q 'runs paravirtual guests only' "$TMP/direct-unmodified.err"; then
        pass direct-refuses-unmodified
    else
        fail direct-refuses-unmodified "exit $rc: $(head -c 300 "$TMP/direct-unmodified.err")"
    fi
    local mode
    for mode in native nested; do
        run "direct-pv-$mode" --mmu "$mode" "$GUESTS/paging-pv.elf"
        if [ "$rc" = 2 ] && grep -q 'run it with --mmu direct' "$TMP/direct-pv-$mode.err"; then
            pass "direct-pv-refused-$mode"
        else
            fail "direct-pv-refused-$mode" "exit $rc: $(head -c 300 "$TMP/direct-pv-$mode.err")"
        fi
    done
}

# The monitor's `walk` at the first user instruction: 3 reads of HPAs, then the page.
test_direct_walk() {
    printf 'break 0x40000000\ncontinue\nwalk 0x40000000\nquit\n' >"$TMP/direct-walk.script"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --mmu direct \
        --monitor-script "$TMP/direct-walk.script" "$GUESTS/paging-pv.elf" \
        >"$TMP/direct-walk.out" 2>&1 </dev/null
    if grep -q '^TLB miss; 3 PTE accesses; ok: GVA 0x40000000 -> GPA 0x80002000 -> HPA 0x' \
        "$TMP/direct-walk.out"; then
        pass direct-walk
    else
        fail direct-walk "got: $(grep '^TLB' "$TMP/direct-walk.out")"
    fi
}

# Isolation under direct paging (issue: "a guest cannot reach another VM's
# frames under every --mmu"): two PV kernels side by side (--vm), each
# built with ISOLATION_PROBE. Each learns its own 2 MiB runs of host RAM
# and asks to map every other 2 MiB-aligned HPA within 256 MiB of them;
# every such request must be refused (the guest panics otherwise). Working:
# its 64 runs (128 MiB) are contiguous, so the window holds 128 + 64 + 128 =
# 320 positions, 256 of them not its own. pv.refused = the 8 refusal checks
# + the P2M probe's last call (the GPA past RAM) + 256 = 265. And the test
# checks that each VM's runs lie inside the other's window, so the refused
# frames include the other VM's RAM.
test_direct_isolation() {
    run direct-iso --quiet --mmu direct --vm "$GUESTS/paging-pv-isolate.elf" \
        --vm "$GUESTS/paging-pv-isolate.elf"
    local lines
    lines=$(sed -n 's/^\[vm[01]\] paging-pv: isolation: 64 own 2 MiB runs at HPA 0x\([0-9a-f]*\)-0x\([0-9a-f]*\); 256 frames around them refused$/\1 \2/p' \
        "$TMP/direct-iso.out")
    local lo0 hi0 lo1 hi1 window=$((256 << 20))
    read -r lo0 hi0 lo1 hi1 <<<"$(echo $lines)"
    if [ "$rc" != 0 ] || [ "$(grep -c 'paging-pv: pass' "$TMP/direct-iso.out")" != 2 ]; then
        fail direct-isolation "exit $rc; both VMs must pass"
    elif [ -z "$hi1" ]; then
        fail direct-isolation "no 'isolation: 64 own runs ... 256 refused' line from each VM"
    elif [ $((16#$lo1)) -lt $((16#$lo0 - window)) ] || [ $((16#$hi1)) -gt $((16#$hi0 + window)) ] ||
        [ $((16#$lo0)) -lt $((16#$lo1 - window)) ] || [ $((16#$hi0)) -gt $((16#$hi1 + window)) ]; then
        fail direct-isolation "a VM's RAM lies outside the other's probe window"
    elif [ "$(stat "$TMP/direct-iso.json" vm0.pv.refused)" != 265 ] ||
        [ "$(stat "$TMP/direct-iso.json" vm1.pv.refused)" != 265 ]; then
        fail direct-isolation "pv.refused per VM is not 265"
    else
        pass direct-isolation
    fi
}

test_direct() {
    test_direct_pv
    test_direct_isolation
    test_fastpath direct-fastpath paging-pv --mmu direct
    test_direct_refusals
    test_direct_walk
}
