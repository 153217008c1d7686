# tests/guests/badpt.sh - bad guest page tables under every --mmu, sourced by
# tests/guests/run.sh (uses its run, stat, pass, fail, last_line,
# test_selfcheck and same_as_native helpers).
# Course: 内存虚拟化 / 翻译过程 (where a walk stops and with which fault),
# 影子页表 (each bad case is the guest's own fault: true, reflected),
# 第二阶段页表 (a stage-1 table outside guest memory is the guest's access fault).
# Spec: Privileged 20211203 §4.3.2 "Virtual Address Translation Process".
#
# guests/badpt.c checks every cause and stval itself and prints one line per
# checked access. Its faulting accesses, per paging mode (the case names of
# its output; l = load, s = store, f = fetch):
#   reserved-bit60 l s f = 3, reserved-bit54/61/63 l = 3, reserved-pointer l = 1,
#   w-no-r l s + wx-no-r f = 3, misaligned-2m l s f = 3, misaligned-1g l = 1,
#   pointer-at-level0 l s f = 3, table-outside l s f = 3, table-outside-top l = 1,
#   leaf-outside l s f = 3, leaf-outside-2m l = 1, leaf-rom s = 1, self-ref l s f = 3,
#   v0-leaf l s f = 3 -> 32 under Sv39; Sv48 adds misaligned-512g l = 1 -> 33.
#   In all 32 + 33 = 65.
# Its checks that must not fault: good-leaf, atomic-pte (3: before, after an
# amoswap.d, after lr.d/sc.d), leaf-rom l, self-ref-2m-leaf, address-spaces,
# per mode = 7, so 65 + 14 = 79 check lines.
BADPT_FAULTS=65
BADPT_CHECKS=79

# The guest's verdict under native, and its line count against the working above.
test_badpt_native() {
    test_selfcheck badpt 'badpt: pass'
    local oks values
    oks=$(grep -c '^badpt: sv[34][98] [a-z0-9-]* [a-z]*: cause [0-9]* ok$' "$TMP/badpt.out")
    values=$(grep -c '^badpt: sv[34][98] .*: .*ok$' "$TMP/badpt.out")
    if [ "$oks" != "$BADPT_FAULTS" ] || [ "$values" != "$BADPT_CHECKS" ]; then
        fail badpt-cases \
            "$oks fault lines (want $BADPT_FAULTS), $values ok lines (want $BADPT_CHECKS)"
    elif ! grep -qx "badpt: $BADPT_CHECKS checks, $BADPT_FAULTS faults taken" "$TMP/badpt.out"; then
        fail badpt-cases "no 'badpt: $BADPT_CHECKS checks, $BADPT_FAULTS faults taken' line"
    else
        pass badpt-cases
    fi
}

# Under shadow every bad access misses in the shadow table (the guest's
# tables never allow it, so the VMM never filled it), the VMM's software
# walk of the guest's table fails as the hart's would: one true fault each,
# reflected; the kernel's own accesses all succeed in the guest's tables
# (hidden faults only). So shadow.true_faults = the 65 faulting accesses.
test_badpt_true_faults() {
    local j=$TMP/badpt-shadow.json
    local t
    t=$(stat "$j" shadow.true_faults)
    if [ "$t" != "$BADPT_FAULTS" ]; then
        fail badpt-true-faults "shadow.true_faults '$t', want $BADPT_FAULTS (one per bad access)"
    else
        pass badpt-true-faults
    fi
}

# 2 x 2000 address spaces (guests/badpt.c case 9) on 64 roots round-robin,
# with room for 4 shadow roots: LRU over 64 keys always evicts, so each of
# the 4000 satp writes names a root not in the cache - a sync; so does the
# first satp of each mode (the cases' root) and the return to it after the
# spaces (evicted by then). A shadow root is keyed by satp MODE and PPN, so
# the ASID probe's satp writes (same root) change nothing:
#   2 x (1 + 2000 + 1) = 4004 syncs, no cache hits.
# shadow.frames at the end stays within the VMM's bound of 4096 frames.
test_badpt_shadow_bound() {
    run badpt-shadow-c4 --quiet --mmu shadow --shadow-cache 4 "$GUESTS/badpt.elf"
    expect_rc badpt-shadow-bound badpt-shadow-c4 0 || return
    local j=$TMP/badpt-shadow-c4.json
    local frames syncs hits
    frames=$(stat "$j" shadow.frames)
    syncs=$(stat "$j" shadow.syncs)
    hits=$(stat "$j" shadow.cache_hits)
    if [ "$(last_line badpt-shadow-c4)" != "badpt: pass" ]; then
        fail badpt-shadow-bound "last line '$(last_line badpt-shadow-c4)'"
    elif [ -z "$frames" ] || [ "$frames" -gt 4096 ]; then
        fail badpt-shadow-bound "shadow.frames '$frames', want at most 4096"
    elif [ "$syncs" != 4004 ] || [ "$hits" != 0 ]; then
        fail badpt-shadow-bound "shadow.syncs $syncs (want 4004), cache_hits $hits (want 0)"
    elif [ "$(stat "$j" shadow.true_faults)" != "$BADPT_FAULTS" ]; then
        fail badpt-shadow-bound \
            "shadow.true_faults $(stat "$j" shadow.true_faults), want $BADPT_FAULTS"
    else
        pass badpt-shadow-bound
    fi
}

# Under nested no walk reads more than a cold 4 KiB walk of the deepest
# tables: Sv48 x Sv48x4 (4+1)(4+1)-1 = 24; with Sv39x4 under Sv48,
# (4+1)(3+1)-1 = 19. The self-referencing table ends after n1 stage-1 reads
# like any other (§4.3.2 step 4), and a faulting walk reads no more than a
# whole one.
test_badpt_nested_walks() {
    run badpt-nested-39x4 --quiet --mmu nested --s2-mode sv39x4 "$GUESTS/badpt.elf"
    expect_rc badpt-nested-walks badpt-nested-39x4 0 || return
    local m48 m39
    m48=$(stat "$TMP/badpt-nested.json" walk.max_accesses)
    m39=$(stat "$TMP/badpt-nested-39x4.json" walk.max_accesses)
    if [ -z "$m48" ] || [ "$m48" -gt 24 ]; then
        fail badpt-nested-walks "walk.max_accesses '$m48' with sv48x4, want at most 24"
    elif [ -z "$m39" ] || [ "$m39" -gt 19 ]; then
        fail badpt-nested-walks "walk.max_accesses '$m39' with sv39x4, want at most 19"
    else
        pass badpt-nested-walks
    fi
}

test_badpt() {
    test_badpt_native
    # the same lines, exit status and instructions as native
    same_as_native badpt-shadow badpt --mmu shadow
    same_as_native badpt-nested badpt --mmu nested
    test_badpt_true_faults
    test_badpt_shadow_bound
    test_badpt_nested_walks
}
