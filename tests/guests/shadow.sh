# tests/guests/shadow.sh - --mmu shadow (shadow page tables), sourced by
# tests/guests/run.sh (uses its run, stat, pass, fail helpers).
# Course: 内存虚拟化 / 影子页表: hidden vs. true faults, write protection of
# guest page tables (one pt_write exit per guest PTE store), a root cache.

# Unmodified guests behave the same under shadow as under native.
test_shadow_same() {
    same_as_native "shadow-same-$1" "$1" --mmu shadow
}

# memlab-seq (4 processes x 1024 KiB) and memlab-seq-512k (x 512 KiB) differ
# only in footprint: 4 x 128 = 512 more user pages. memlab's kernel maps a
# page on its first touch and writes its PTE with A and D already set. Per
# extra page, under shadow:
#   the user's first touch: the guest's PTE is invalid -> a true fault (the
#     guest's own page fault, reflected)                        +1 true fault
#   the kernel takes a fresh frame and zeroes it through its identity map
#     (a guest 1 GiB leaf, shadowed 4 KiB at a time): first touch of that
#     frame in this address space's shadow                      +1 hidden fault
#   the kernel stores the PTE into the process's L0 table: write-protected
#                                                               +1 pt_write
#   the user's access again: the guest's PTE is valid, A and D set, the
#     shadow has nothing yet                                    +1 hidden fault
# (the L0 tables are the same in both builds: 1024 KiB fits one 2 MiB table.)
# So: true faults +512, hidden faults +1024, pt_write exits +512.
test_shadow_counts() {
    run shd-seq --quiet --mmu shadow "$GUESTS/memlab-seq.elf"
    run shd-seq-512k --quiet --mmu shadow "$GUESTS/memlab-seq-512k.elf"
    local a=$TMP/shd-seq.json b=$TMP/shd-seq-512k.json
    local dtrue dhidden dpt
    dtrue=$(($(stat "$a" shadow.true_faults) - $(stat "$b" shadow.true_faults)))
    dhidden=$(($(stat "$a" shadow.hidden_faults) - $(stat "$b" shadow.hidden_faults)))
    dpt=$(($(stat "$a" exits.pt_write) - $(stat "$b" exits.pt_write)))
    if [ "$dtrue" != 512 ] || [ "$dhidden" != 1024 ] || [ "$dpt" != 512 ]; then
        fail shadow-counts "true +$dtrue (want 512), hidden +$dhidden (1024), pt_write +$dpt (512)"
    elif [ "$(stat "$a" exits.pt_write)" != "$(stat "$a" shadow.pt_writes)" ]; then
        fail shadow-counts "exits.pt_write and shadow.pt_writes disagree"
    else
        pass shadow-counts
    fi
}

# The root cache. guests/paging.c runs 3 tasks round-robin per paging mode,
# each in its own address space, and prints its task switches S per mode.
# The active shadow root changes S + 1 times per mode (the first task's
# satp, then each switch), 2 (S + 1) in all. With room for all 3 roots of
# a mode (--shadow-cache 8), only each root's first use builds it: 6
# syncs, the other 2 (S + 1) - 6 switches are cache hits. With room for 2,
# round-robin over 3 roots under LRU always evicts the one needed next:
# every change is a sync, no hits.
test_shadow_cache() {
    run shd-cache8 --quiet --mmu shadow --shadow-cache 8 "$GUESTS/paging.elf"
    run shd-cache2 --quiet --mmu shadow --shadow-cache 2 "$GUESTS/paging.elf"
    local s changes
    s=$(sed -n 's/.* \([0-9]*\) switches,.*/\1/p' "$TMP/shd-cache8.out" | head -n 1)
    changes=$((2 * (s + 1)))
    local syncs8 hits8 syncs2 hits2
    syncs8=$(stat "$TMP/shd-cache8.json" shadow.syncs)
    hits8=$(stat "$TMP/shd-cache8.json" shadow.cache_hits)
    syncs2=$(stat "$TMP/shd-cache2.json" shadow.syncs)
    hits2=$(stat "$TMP/shd-cache2.json" shadow.cache_hits)
    if [ -z "$s" ]; then
        fail shadow-cache "paging printed no switch count"
    elif [ "$syncs8" != 6 ] || [ "$hits8" != "$((changes - 6))" ]; then
        fail shadow-cache "cache 8: syncs $syncs8 (want 6), hits $hits8 (want $((changes - 6)))"
    elif [ "$syncs2" != "$changes" ] || [ "$hits2" != 0 ]; then
        fail shadow-cache "cache 2: syncs $syncs2 (want $changes), hits $hits2 (want 0)"
    else
        pass shadow-cache
    fi
}

# The VMM's shadow work is in cycles.modeled (30 cycles per PTE it reads or
# writes): the same guest costs more modelled cycles under shadow than its
# own walks and exits alone would.
test_shadow_cost() {
    local j=$TMP/shadow-same-memlab.json
    local base work
    base=$(($(stat "$j" insns) + 30 * ($(stat "$j" walk.accesses) + $(stat "$j" walk.pte_writes)) +
        1000 * $(stat "$j" exits.total) + 2000 * $(stat "$j" exits.mmio)))
    work=$((30 * ($(stat "$j" shadow.guest_pte_reads) + $(stat "$j" shadow.spte_writes) +
        $(stat "$j" shadow.guest_ad_writes))))
    if [ "$work" -le 0 ] || [ "$(stat "$j" cycles.modeled)" != "$((base + work))" ]; then
        fail shadow-cost "cycles.modeled $(stat "$j" cycles.modeled), want $base + $work"
    else
        pass shadow-cost
    fi
}

test_shadow() {
    local g
    for g in hello selftest privtest paging memlab memlab-remap memlab-sv48 romwrite wildjump; do
        test_shadow_same "$g"
    done
    test_shadow_counts
    test_shadow_cache
    test_fastpath shadow-fastpath memlab --mmu shadow
    test_shadow_cost
    test_shadow_pt_dump
}

# pt dump: stopped before the first user instruction of paging's task 1, the
# guest's table maps 0x4000_0000 (guests/paging.c: USER_CODE_VA to
# __user_start), but the shadow has no entry for it yet - it is filled on
# the first fetch (lazily: a hidden fault). One `step` later it has one.
test_shadow_pt_dump() {
    local user_start
    user_start=$(sym_addr "$GUESTS/paging.elf" __user_start)
    [ -n "$user_start" ] || { skip shadow-pt-dump "no __user_start symbol (nm)"; return; }
    printf 'break 0x40000000\ncontinue\npt dump guest\npt dump shadow\ndelete\nstep\npt dump shadow\nquit\n' \
        >"$TMP/ptdump.script"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --mmu shadow --monitor-script "$TMP/ptdump.script" \
        "$GUESTS/paging.elf" >"$TMP/ptdump.out" 2>&1 </dev/null
    local guest_leaf shadow_before shadow_after
    guest_leaf=$(grep -c "L0\[  0\] 0x000040000000 -> GPA 0x$(printf '%x' "$((16#$user_start))") ---UX-RV" \
        "$TMP/ptdump.out")
    shadow_before=$(awk '/pt dump shadow/{n++} n==1 && /0x000040000000 -> HPA/' "$TMP/ptdump.out" | wc -l)
    shadow_after=$(awk '/pt dump shadow/{n++} n==2 && /0x000040000000 -> HPA/' "$TMP/ptdump.out" | wc -l)
    if [ "$guest_leaf" != 1 ]; then
        fail shadow-pt-dump "the guest's table does not show 0x40000000 -> __user_start"
    elif [ "$shadow_before" != 0 ] || [ "$shadow_after" != 1 ]; then
        fail shadow-pt-dump "shadow entries for 0x40000000: $shadow_before before the step (want 0), $shadow_after after (want 1)"
    else
        pass shadow-pt-dump
    fi
}
