# tests/guests/nested.sh - --mmu nested (two-stage translation), sourced by
# tests/guests/run.sh (uses its run, stat, pass, fail, sym_addr helpers).
# Course: 内存虚拟化 / 硬件虚拟化 (EPT / G-stage): the 2-D walk's cost, demand
# mapping by the VMM's stage-2 fault handler, the same guest behaviour as native.
# Spec: Privileged 20211203 §8.5 "Two-Stage Address Translation".
#
# The cost of a cold walk (DESIGN.md): n1 stage-1 levels, n2 stage-2 levels;
# each of the n1 guest PTE addresses is a GPA that needs an n2-read stage-2
# walk first, and so does the final GPA:
#   reads = n1 * (n2 + 1) + n2 = (n1 + 1)(n2 + 1) - 1
# n2 is 4 for Sv48x4 and 3 for Sv39x4 with 4 KiB leaves, one fewer per
# leaf-size step (2 MiB: leaf one level up; 1 GiB: two levels up).

# Unmodified guests behave the same under nested as under native.
test_nested_same() {
    same_as_native "nested-same-$1" "$1" --mmu nested
}

# walk_count NAME BREAK_GVA WANT [vmlab args...]: the monitor's `walk` of the
# guest's first user page (stopped at its first instruction) reads WANT PTEs.
# --prealloc: every GPA is mapped, so the walk reaches its end.
walk_count() {
    local name=$1 gva=$2 want=$3
    shift 3
    printf 'break %s\ncontinue\nwalk %s\nquit\n' "$gva" "$gva" >"$TMP/$name.script"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --mmu nested --prealloc "$@" \
        --monitor-script "$TMP/$name.script" "$GUESTS/paging.elf" >"$TMP/$name.out" 2>&1 </dev/null
    if grep -q "^TLB miss; $want PTE accesses; ok: GVA $gva -> GPA 0x" "$TMP/$name.out"; then
        pass "$name"
    else
        fail "$name" "expected 'TLB miss; $want PTE accesses; ok', got: $(grep '^TLB' "$TMP/$name.out")"
    fi
}

# DESIGN.md's table, on guests/paging.c: its Sv39 task code at 0x40000000 and
# its Sv48 task code at 0x80_4000_0000 are 4 KiB leaves (n1 = 3 and n1 = 4;
# the existing monitor-walk test checks the Sv39 levels 2, 1, 0).
test_nested_walk_table() {
    # Sv39 x Sv39x4, 4 KiB stage-2 leaves: n1 = 3, n2 = 3: 4 * 4 - 1 = 15
    walk_count nested-walk-sv39-4k 0x40000000 15 --s2-mode sv39x4
    # 2 MiB stage-2 leaves: n2 = 2: 4 * 3 - 1 = 11
    walk_count nested-walk-sv39-2m 0x40000000 11 --s2-mode sv39x4 --s2-page 2m
    # 1 GiB stage-2 leaves (-m 1G: all of RAM is one aligned GiB): n2 = 1: 4 * 2 - 1 = 7
    walk_count nested-walk-sv39-1g 0x40000000 7 --s2-mode sv39x4 --s2-page 1g -m 1G
    # Sv48 x Sv48x4, 4 KiB: n1 = 4, n2 = 4: 5 * 5 - 1 = 24 ("25 - 1")
    walk_count nested-walk-sv48-4k 0x8040000000 24
    # 2 MiB: n2 = 3: 5 * 4 - 1 = 19
    walk_count nested-walk-sv48-2m 0x8040000000 19 --s2-page 2m
    # 1 GiB: n2 = 2: 5 * 3 - 1 = 14
    walk_count nested-walk-sv48-1g 0x8040000000 14 --s2-page 1g -m 1G
}

# Counted walks: the largest walk of the paging guest under nested is a cold
# Sv48 walk of a 4 KiB user page, (4+1)(4+1)-1 = 24 reads (no walk can read
# more: Sv48 has 4 levels, Sv48x4 4); with Sv39x4 under it, (4+1)(3+1)-1 = 19.
# The stage-1 share: walk.s1_accesses + walk.s2_accesses = walk.accesses.
test_nested_walk_max() {
    run nested-max48 --quiet --mmu nested "$GUESTS/paging.elf"
    run nested-max39 --quiet --mmu nested --s2-mode sv39x4 "$GUESTS/paging.elf"
    local m48 m39 s1 s2 all
    m48=$(stat "$TMP/nested-max48.json" walk.max_accesses)
    m39=$(stat "$TMP/nested-max39.json" walk.max_accesses)
    s1=$(stat "$TMP/nested-max48.json" walk.s1_accesses)
    s2=$(stat "$TMP/nested-max48.json" walk.s2_accesses)
    all=$(stat "$TMP/nested-max48.json" walk.accesses)
    if [ "$m48" != 24 ] || [ "$m39" != 19 ]; then
        fail nested-walk-max "walk.max_accesses $m48 (want 24), $m39 with sv39x4 (want 19)"
    elif [ "$((s1 + s2))" != "$all" ] || [ "$s2" -le "$s1" ]; then
        fail nested-walk-max "s1 $s1 + s2 $s2 != accesses $all, or stage 2 not the larger share"
    else
        pass nested-walk-max
    fi
}

# Demand paging: hello with 2 MiB stage-2 leaves faults once for the boot
# ROM's page (0x1000: a 4 KiB ROM, too small for a 2 MiB leaf) and once for
# RAM's first 2 MiB chunk, which holds all hello touches (its image, bss and
# stacks end at _end < 0x8020_0000; the UART is MMIO, never mapped): 2.
# --prealloc maps everything up front: 0, and exactly those exits fewer.
test_nested_demand() {
    local end
    end=$(sym_addr "$GUESTS/hello.elf" _end)
    run nested-demand --quiet --mmu nested --s2-page 2m "$GUESTS/hello.elf"
    local faults total
    faults=$(stat "$TMP/nested-demand.json" exits.s2_fault)
    total=$(stat "$TMP/nested-demand.json" exits.total)
    run nested-prealloc --quiet --mmu nested --s2-page 2m --prealloc "$GUESTS/hello.elf"
    local pre_faults pre_total
    pre_faults=$(stat "$TMP/nested-prealloc.json" exits.s2_fault)
    pre_total=$(stat "$TMP/nested-prealloc.json" exits.total)
    if [ -n "$end" ] && [ "$((16#$end))" -ge "$((0x80200000))" ]; then
        fail nested-demand "hello's _end 0x$end is past the first 2 MiB: the working is wrong"
    elif [ "$faults" != 2 ]; then
        fail nested-demand "exits.s2_fault $faults, want 2 (boot ROM page + RAM chunk 0)"
    elif [ "$pre_faults" != 0 ] || [ "$((total - pre_total))" != 2 ]; then
        fail nested-demand "--prealloc: s2_fault $pre_faults (want 0), exits $pre_total vs $total"
    elif [ "$(stat "$TMP/nested-demand.json" mem.ram_frames)" != 1024 ] ||
        [ "$(stat "$TMP/nested-prealloc.json" mem.ram_frames)" != 32768 ]; then
        # host frames: on demand, the 2 MiB runs of RAM chunk 0 (the image) and of the
        # last chunk (the device tree, vm/fdt.c: top of RAM, 2 MiB aligned): 2 x 512;
        # --prealloc: all 128 MiB / 4 KiB = 32768
        fail nested-demand "mem.ram_frames $(stat "$TMP/nested-demand.json" mem.ram_frames) \
(want 1024), $(stat "$TMP/nested-prealloc.json" mem.ram_frames) with --prealloc (want 32768)"
    else
        pass nested-demand
    fi
}

# --pwc on: the stage-2 TLB answers stage-2 walks, so the same run reads
# fewer PTEs and counts pwc.hits; retired instructions are unchanged.
test_nested_pwc() {
    run nested-nopwc --quiet --mmu nested "$GUESTS/paging.elf"
    run nested-pwc --quiet --mmu nested --pwc on "$GUESTS/paging.elf"
    local off on hits
    off=$(stat "$TMP/nested-nopwc.json" walk.s2_accesses)
    on=$(stat "$TMP/nested-pwc.json" walk.s2_accesses)
    hits=$(stat "$TMP/nested-pwc.json" pwc.hits)
    if [ "$(stat "$TMP/nested-nopwc.json" pwc.hits)" != 0 ] || [ "${hits:-0}" -le 0 ]; then
        fail nested-pwc "pwc.hits off/on: $(stat "$TMP/nested-nopwc.json" pwc.hits)/$hits"
    elif [ "$on" -ge "$off" ]; then
        fail nested-pwc "walk.s2_accesses $on with --pwc on, not below $off"
    elif [ "$(stat "$TMP/nested-pwc.json" insns)" != "$(stat "$TMP/nested-nopwc.json" insns)" ]; then
        fail nested-pwc "insns differ"
    else
        pass nested-pwc
    fi
}

test_nested() {
    local g
    for g in hello selftest privtest romwrite wildjump; do # paging: in the quick list
        test_nested_same "$g"
    done
    test_nested_walk_table
    test_nested_walk_max
    test_nested_demand
    test_fastpath nested-fastpath paging --mmu nested
    test_nested_pwc
    test_nested_trace_walks
    test_nested_pwc_walk
}

# --trace walks: one line per counted walk, so the lines number walk.count
# and their reads add up to walk.accesses; the Sv48 task's cold walks are
# the 24-read ones, each 4 groups of (4 stage-2 reads, 1 stage-1 read) and
# the final 4 stage-2 reads.
test_nested_trace_walks() {
    run nested-tw --quiet --mmu nested --trace walks --trace-file "$TMP/walks.txt" \
        "$GUESTS/paging.elf"
    local lines reads
    lines=$(grep -c '^walk ' "$TMP/walks.txt")
    reads=$(sed -n 's/^walk [0-9a-f]*: \([0-9]*\) reads.*/\1/p' "$TMP/walks.txt" |
        awk '{ s += $1 } END { print s + 0 }')
    if [ "$lines" != "$(stat "$TMP/nested-tw.json" walk.count)" ]; then
        fail nested-trace-walks "$lines walk lines, walk.count $(stat "$TMP/nested-tw.json" walk.count)"
    elif [ "$reads" != "$(stat "$TMP/nested-tw.json" walk.accesses)" ]; then
        fail nested-trace-walks "reads add up to $reads, walk.accesses says otherwise"
    elif ! grep -q '^walk 0000008040000000: 24 reads (stage 1: 4, stage 2: 20): 2:3 2:2 2:1 2:0 1:3 ' \
        "$TMP/walks.txt"; then
        fail nested-trace-walks "no 24-read walk of 0x8040000000 in stage order"
    else
        pass nested-trace-walks
    fi
}

# monitor `walk` with --pwc on: each of the 5 stage-2 translations of a Sv48 x
# Sv48x4 walk (4 guest table GPAs and the final GPA) is either a "PWC hit"
# line (no read) or 4 stage-2 reads; the 4 guest PTEs are always read. So a
# walk with H hits reads 4 + 4 (5 - H) PTEs; warm, H is at least 1.
test_nested_pwc_walk() {
    printf 'break 0x8040000000\ncontinue\nwalk 0x8040000000\nquit\n' >"$TMP/pwcwalk.script"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --mmu nested --pwc on --prealloc \
        --monitor-script "$TMP/pwcwalk.script" "$GUESTS/paging.elf" >"$TMP/pwcwalk.out" 2>&1 </dev/null
    local hits reads
    hits=$(grep -c 'stage 2 PWC hit for GPA' "$TMP/pwcwalk.out")
    reads=$(sed -n 's/^TLB [a-z]*; \([0-9]*\) PTE accesses; ok.*/\1/p' "$TMP/pwcwalk.out")
    if [ -z "$reads" ] || [ "$hits" -lt 1 ] || [ "$reads" != "$((4 + 4 * (5 - hits)))" ]; then
        fail nested-pwc-walk "$hits PWC hits and '$reads' reads; want reads = 4 + 4 (5 - hits)"
    else
        pass nested-pwc-walk
    fi
}
