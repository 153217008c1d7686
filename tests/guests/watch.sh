# tests/guests/watch.sh - the monitor's `watch GPA [LEN]` (vm/watch.c): a write
# watchpoint on guest-physical bytes stops the VM after the store that changed
# them, under every --mmu and --cpu hw, and changes no counter.
# Sourced by tests/guests/run.sh (uses run.sh's run, pass, fail, skip, stat,
# sym_addr, monitor_tools, disas_map, TMP, GUESTS, VMLAB, HOST_TIMEOUT).
# Course: 内存虚拟化 - the VMM traps stores to a page it marked, as it does
# for HTIF's tohost; the guest cannot tell (same insns, same exits).
#
# Worked values.
# - compute.c: `static struct work w` is .bss (zero); w.rng sits after
#   a, b, c (3 x 24 x 24 x 4 = 6912 bytes), sorted (512 x 4 = 2048) and
#   crc_table (256 x 4 = 1024): offset 6912 + 2048 + 1024 = 9984 = 0x2700.
#   main's `w.rng = 1` is the first store to it: Old 0, New 1.
# - hello-htif: each console byte is one store of tohost = device 1 << 56 |
#   command 1 << 48 | the byte (guests/lib/htif.c); the VMM clears tohost
#   after each (its own write: not reported), so each stop is Old 0 ->
#   New 0x01010000000000XX. 'H' = 0x48 first; "Hello from a vmlab guest!\n"
#   is 26 bytes: 26 stops.
# - hwtest.c stores the cause of each trap it takes into last_cause:
#   illegal instruction 2 (its hstatus access), load page fault 13, then the
#   supervisor timer interrupt 1 << 63 | 5 (Privileged §4.1.9, scause
#   codes); the polled timer stores the same cause again: no stop (gdb's
#   `watch` stops only on a change). Three stops: 0 -> 2 -> 0xd ->
#   0x8000000000000005.
# - paging.c: the page pool starts at 0x8000c000 (the guest prints it); the
#   three tasks' root, L1 and L0 tables take its first 9 pages, task 1's
#   L0 at 0x8000e000. USER_DATA_VA 0x40100000 is that L0's entry 0x100
#   (GPA 0x8000e800); its first demand-zero fault maps pool page 9,
#   0x80015000, as USER_DATA_PTE (V R W U = 0x17): PTE = 0x80015 << 10 |
#   0x17 = 0x20005417. Under --mmu shadow that L0 is a shadowed table by
#   then: the store is an EXIT_PT_WRITE the VMM performs, reported the same.

# watch_lines FILE: the "Watchpoint" lines of FILE (the console may precede one on its line).
watch_lines() {
    sed -n 's/^.*\(Watchpoint [0-9]*: .*\)$/\1/p' "$1"
}

# reply_to COMMAND: the line the monitor answered COMMAND with in watch-bad's session.
reply_to() {
    grep -A1 -x "(vmlab) $1" "$TMP/watch-bad.out" | tail -n 1
}

# watch_same_stats NAME A B: the two --stats files are identical (every counter).
watch_same_stats() {
    if cmp -s "$2" "$3"; then
        return 0
    fi
    fail "$1" "counters differ with the watchpoint: $(diff "$2" "$3" | grep '^[<>]' | head -4 |
        tr '\n' ' ')"
    return 1
}

# compute-short under --mmu $1: the first stop is main's `w.rng = 1`, the store
# retired (pc past it), and the run's counters equal a run without a monitor.
test_watch_compute() {
    local mmu=$1 w rng
    local name="watch-compute-$mmu"
    w=$(sym_addr "$GUESTS/compute-short.elf" w)
    [ -n "$w" ] || { fail "$name" "compute-short.elf has no symbol w"; return; }
    rng=$(printf '0x%x' $((0x$w + 0x2700)))
    printf '%s\n' "watch $rng" continue 'info registers' >"$TMP/$name.script"
    run "$name-plain" --quiet --mmu "$mmu" "$GUESTS/compute-short.elf"
    run "$name" --quiet --mmu "$mmu" --monitor-script "$TMP/$name.script" \
        "$GUESTS/compute-short.elf"
    local first pc after want
    first=$(watch_lines "$TMP/$name.out" | head -n 1)
    pc=$(sed -n 's/.* at pc 0x\([0-9a-f]*\) .*/\1/p' <<<"$first")
    after=$(sed -n 's/^pc  0x0*\([0-9a-f]*\) .*/\1/p' "$TMP/$name.out" | head -n 1)
    want="Watchpoint 1: GPA $rng  Old value = 0x0000000000000000  New value = 0x0000000000000001"
    local store len
    store=$(awk -F'\t' -v pc="$pc" '$1 == pc { print $2 }' "$TMP/compute.disas")
    len=$([[ "$store" == c.* ]] && echo 2 || echo 4)
    if [ "$rc" -ne 0 ]; then
        fail "$name" "exit $rc: $(head -c 200 "$TMP/$name.err")"
    elif [[ "$first" != "$want  at pc 0x$pc ("* ]]; then
        fail "$name" "first stop '$first', expected '$want  at pc ...'"
    elif [[ "$store" != sd || "$first" != *"(${store}"* ]]; then
        fail "$name" "pc 0x$pc holds '$store' (objdump), expected the sd of w.rng = 1"
    elif [ "$after" != "$(printf '%x' $((0x$pc + len)))" ]; then
        fail "$name" "pc after the stop 0x$after, expected 0x$pc + $len (the store retired)"
    elif [ "$(watch_lines "$TMP/$name.out" | wc -l)" -lt 2 ]; then
        fail "$name" "the script's end did not let the guest run on to more stops"
    elif watch_same_stats "$name" "$TMP/$name-plain.json" "$TMP/$name.json"; then
        pass "$name"
    fi
}

# HTIF and the watch on the same page: tohost still works, and its exits are counted as
# they were (exits.mmio equal), one stop per console byte.
test_watch_htif() {
    local tohost
    tohost=$(sym_addr "$GUESTS/hello-htif.elf" tohost)
    [ -n "$tohost" ] || { fail watch-htif "hello-htif.elf has no tohost symbol"; return; }
    printf '%s\n' "watch 0x$tohost" continue >"$TMP/watch-htif.script"
    run watch-htif-plain --quiet "$GUESTS/hello-htif.elf"
    run watch-htif --quiet --monitor-script "$TMP/watch-htif.script" "$GUESTS/hello-htif.elf"
    local first="Watchpoint 1: GPA 0x${tohost#"${tohost%%[!0]*}"}  Old value = 0x0000000000000000"
    first+="  New value = 0x0101000000000048"
    if [ "$rc" -ne 0 ]; then
        fail watch-htif "exit $rc: $(head -c 200 "$TMP/watch-htif.err")"
    elif [ "$(watch_lines "$TMP/watch-htif.out" | wc -l)" -ne 26 ]; then
        fail watch-htif "$(watch_lines "$TMP/watch-htif.out" | wc -l) stops, expected 26 (bytes)"
    elif [[ "$(watch_lines "$TMP/watch-htif.out" | head -n 1)" != "$first"* ]]; then
        fail watch-htif "first stop '$(watch_lines "$TMP/watch-htif.out" | head -n 1)'"
    elif watch_same_stats watch-htif "$TMP/watch-htif-plain.json" "$TMP/watch-htif.json"; then
        pass watch-htif
    fi
}

# --cpu hw (--mmu $1): hwtest's last_cause, 0 -> 2 -> 0xd -> 1 << 63 | 5, three stops.
test_watch_hw() {
    local mmu=$1 cause
    local name="watch-hw-$mmu"
    cause=$(sym_addr "$GUESTS/hwtest.elf" last_cause)
    [ -n "$cause" ] || { fail "$name" "hwtest.elf has no last_cause symbol"; return; }
    printf '%s\n' "watch 0x$cause" continue >"$TMP/$name.script"
    run "$name-plain" --quiet --cpu hw --mmu "$mmu" --kernel "$GUESTS/hwtest.elf"
    run "$name" --quiet --cpu hw --mmu "$mmu" --monitor-script "$TMP/$name.script" \
        --kernel "$GUESTS/hwtest.elf"
    local got want
    got=$(watch_lines "$TMP/$name.out" | sed 's/  at pc .*//' | sed 's/.*Old value = //' |
        tr '\n' ' ')
    want="0x0000000000000000  New value = 0x0000000000000002 "
    want+="0x0000000000000002  New value = 0x000000000000000d "
    want+="0x000000000000000d  New value = 0x8000000000000005 "
    if [ "$rc" -ne 0 ]; then
        fail "$name" "exit $rc: $(head -c 200 "$TMP/$name.err")"
    elif [ "$got" != "$want" ]; then
        fail "$name" "stops '$got', expected '$want'"
    elif watch_same_stats "$name" "$TMP/$name-plain.json" "$TMP/$name.json"; then
        pass "$name"
    fi
}

# A guest page-table entry (paging's first data PTE) under --mmu $1: Old 0, New 0x20005417.
test_watch_pte() {
    local mmu=$1
    local name="watch-pte-$mmu" first
    local want="Watchpoint 1: GPA 0x8000e800  Old value = 0x0000000000000000"
    want+="  New value = 0x0000000020005417  at pc "
    printf '%s\n' 'watch 0x8000e800' continue >"$TMP/$name.script"
    run "$name-plain" --quiet --mmu "$mmu" "$GUESTS/paging.elf"
    run "$name" --quiet --mmu "$mmu" --monitor-script "$TMP/$name.script" "$GUESTS/paging.elf"
    first=$(watch_lines "$TMP/$name.out" | head -n 1)
    if [ "$rc" -ne 0 ]; then
        fail "$name" "exit $rc: $(head -c 200 "$TMP/$name.err")"
    elif [[ "$first" != "$want"* ]]; then
        fail "$name" "first stop '$first'"
    elif [ "$mmu" = shadow ] && [ "$(stat "$TMP/$name.json" exits.pt_write)" = 0 ]; then
        fail "$name" "no exits.pt_write under --mmu shadow: the VMM-performed path is untested"
    elif watch_same_stats "$name" "$TMP/$name-plain.json" "$TMP/$name.json"; then
        pass "$name"
    fi
}

# Every store path on selftest's variables (guests/selftest.c), values worked from its
# source; `N: OLD NEW MNEMONIC` per stop, in order (a compressed c.sw counts as sw):
# - mem + 1 (test_loads_stores, 8 unaligned bytes = mem's bytes 1..8): the two
#   initialising sd (in the compiler's order; not checked) leave 0xf188776655443322; then
#   sb 0xab at byte 1 -> ..33ab; sh 0xcdef at 2..3 -> 0xf188776655cdefab; sw 0x01234567
#   at 4..7 -> 0xf101234567cdefab; sd at 8..15, byte 8 = 0xef -> 0xef01234567cdefab.
# - word (test_lr_sc, 4 bytes): sw 5; lr.w/sc.w 9; a second sc.w fails (no reservation):
#   no stop; sw 0x80000000; lr.w then sc.w of zero succeeds: 0.
# - w (test_amo, 4 bytes): sw 0x80000001 before each AMO, with operand 3: amoswap 3,
#   amoadd 0x80000004, amoxor 0x80000002, amoand 1, amoor 0x80000003; amomin keeps
#   0x80000001 (signed: it is less than 3): no stop, and the sw of the same value before
#   amomax: none either; amomax 3, amominu 3, amomaxu keeps 0x80000001: no stop.
# - fmem[0] (4 bytes): fsw of 2.25 = 0x40100000 (F_2_25).
WATCH_SELFTEST_WANT='4: 0xf188776655443322 0xf1887766554433ab sb
4: 0xf1887766554433ab 0xf188776655cdefab sh
4: 0xf188776655cdefab 0xf101234567cdefab sw
4: 0xf101234567cdefab 0xef01234567cdefab sd
1: 0x00000000 0x00000005 sw
1: 0x00000005 0x00000009 sc.w
1: 0x00000009 0x80000000 sw
1: 0x80000000 0x00000000 sc.w
2: 0x00000000 0x80000001 sw
2: 0x80000001 0x00000003 amoswap.w
2: 0x00000003 0x80000001 sw
2: 0x80000001 0x80000004 amoadd.w
2: 0x80000004 0x80000001 sw
2: 0x80000001 0x80000002 amoxor.w
2: 0x80000002 0x80000001 sw
2: 0x80000001 0x00000001 amoand.w
2: 0x00000001 0x80000001 sw
2: 0x80000001 0x80000003 amoor.w
2: 0x80000003 0x80000001 sw
2: 0x80000001 0x00000003 amomax.w
2: 0x00000003 0x80000001 sw
2: 0x80000001 0x00000003 amominu.w
2: 0x00000003 0x80000001 sw
3: 0x00000000 0x40100000 fsw'

# watch_stops FILE: "N: OLD NEW MNEMONIC" for each stop of FILE, "c." dropped.
watch_stops() {
    local re='^Watchpoint \([0-9]*\): GPA [^ ]*  Old value = \([^ ]*\)'
    re+='  New value = \([^ ]*\)  at pc [^ ]* (\([^ ]*\) .*'
    watch_lines "$1" | sed -n "s/$re/\\1: \\2 \\3 \\4/p" | sed 's/ c\.\([^ ]*\)$/ \1/'
}

test_watch_selftest() {
    local word w fmem mem got
    word=$(sym_addr "$GUESTS/selftest.elf" word.6)
    w=$(sym_addr "$GUESTS/selftest.elf" w.4)
    fmem=$(sym_addr "$GUESTS/selftest.elf" fmem.2)
    mem=$(sym_addr "$GUESTS/selftest.elf" mem.7)
    if [ -z "$word" ] || [ -z "$w" ] || [ -z "$fmem" ] || [ -z "$mem" ]; then
        skip watch-selftest "selftest.elf's statics are no longer word.6, w.4, fmem.2, mem.7"
        return
    fi
    printf '%s\n' "watch 0x$word 4" "watch 0x$w 4" "watch 0x$fmem 4" \
        "watch $(printf '0x%x' $((0x$mem + 1))) 8" continue >"$TMP/watch-selftest.script"
    run watch-selftest-plain --quiet "$GUESTS/selftest.elf"
    run watch-selftest --quiet --monitor-script "$TMP/watch-selftest.script" \
        "$GUESTS/selftest.elf"
    # the initialising sd of mem: from 0, and the one that completes 0xf188776655443322
    got=$(watch_stops "$TMP/watch-selftest.out" |
        grep -v '^4: 0x0000000000000000 \|^4: [^ ]* 0xf188776655443322 ')
    if [ "$rc" -ne 0 ]; then
        fail watch-selftest "exit $rc: $(head -c 200 "$TMP/watch-selftest.err")"
    elif [ "$got" != "$WATCH_SELFTEST_WANT" ]; then
        fail watch-selftest "stops differ from the worked list: $(diff \
            <(echo "$WATCH_SELFTEST_WANT") <(echo "$got") | grep '^[<>]' | head -3 | tr '\n' ' ')"
    elif watch_same_stats watch-selftest "$TMP/watch-selftest-plain.json" \
        "$TMP/watch-selftest.json"; then
        pass watch-selftest
    fi
}

# --mmu direct: paging-pv's kernel state `kern` (its first word is stored early): stops,
# and not one counter changed.
test_watch_direct() {
    local kern
    kern=$(sym_addr "$GUESTS/paging-pv.elf" kern)
    [ -n "$kern" ] || { fail watch-direct "paging-pv.elf has no kern symbol"; return; }
    printf '%s\n' "watch 0x$kern" continue >"$TMP/watch-direct.script"
    run watch-direct-plain --quiet --mmu direct "$GUESTS/paging-pv.elf"
    run watch-direct --quiet --mmu direct --monitor-script "$TMP/watch-direct.script" \
        "$GUESTS/paging-pv.elf"
    if [ "$rc" -ne 0 ]; then
        fail watch-direct "exit $rc: $(head -c 200 "$TMP/watch-direct.err")"
    elif [ "$(watch_lines "$TMP/watch-direct.out" | wc -l)" -lt 1 ]; then
        fail watch-direct "no stop"
    elif watch_same_stats watch-direct "$TMP/watch-direct-plain.json" "$TMP/watch-direct.json"
    then
        pass watch-direct
    fi
}

# Bad input: each refusal is one line saying why, and the session goes on. -m 8M: RAM is
# 0x80000000..0x807fffff, so 8 bytes at 0x807ffffc run past its end. Nine adds: the ninth
# is one too many (8). delete 10 names nothing (8 watchpoints, no breakpoint).
test_watch_bad_input() {
    local script=$TMP/watch-bad.script
    printf '%s\n' 'watch 0x1000' 'watch 0x10000000 4' 'watch 0x807ffffc 8' \
        'watch 0x80400000 3' 'watch 0x80400000 16' 'watch' 'watch zz' >"$script"
    for i in 0 1 2 3 4 5 6 7 8; do
        echo "watch 0x8040$i""000" >>"$script"
    done
    printf '%s\n' 'delete 10' 'info watch' quit >>"$script"
    run watch-bad -m 8M --quiet --monitor-script "$script" "$GUESTS/hello.elf"
    local fails=""
    [[ "$(reply_to 'watch 0x1000')" == "watch: GPA 0x1000 (8 bytes) is not guest RAM" ]] ||
        fails+=" boot-ROM"
    [[ "$(reply_to 'watch 0x10000000 4')" == *"is not guest RAM" ]] || fails+=" UART"
    [[ "$(reply_to 'watch 0x807ffffc 8')" == *"is not guest RAM" ]] || fails+=" RAM-end"
    [[ "$(reply_to 'watch 0x80400000 3')" == "watch: LEN 3 is not 1, 2, 4 or 8" ]] ||
        fails+=" LEN-3"
    [[ "$(reply_to 'watch 0x80400000 16')" == "watch: LEN 16 is not 1, 2, 4 or 8" ]] ||
        fails+=" LEN-16"
    [[ "$(reply_to 'watch')" == usage:* ]] || fails+=" no-GPA"
    [[ "$(reply_to 'watch zz')" == usage:* ]] || fails+=" GPA-zz"
    [[ "$(reply_to 'watch 0x80407000')" == "watchpoint 8: GPA 0x0000000080407000 len 8" ]] ||
        fails+=" eighth"
    [[ "$(reply_to 'watch 0x80408000')" == "watch: too many watchpoints (at most 8)" ]] ||
        fails+=" ninth"
    [[ "$(reply_to 'delete 10')" == usage:* ]] || fails+=" delete-10"
    [ "$(grep -c ': watchpoint GPA' "$TMP/watch-bad.out")" -eq 8 ] || fails+=" info-watch"
    if [ "$rc" -ne 3 ]; then
        fail watch-bad-input "exit $rc, expected 3 (quit)"
    elif [ -n "$fails" ]; then
        fail watch-bad-input "wrong replies:$fails"
    else
        pass watch-bad-input
    fi
}

# delete takes watchpoints off `info break`'s list (numbered after the breakpoints).
test_watch_delete() {
    local w rng
    w=$(sym_addr "$GUESTS/compute-short.elf" w)
    rng=$(printf '0x%x' $((0x$w + 0x2700)))
    printf '%s\n' 'break 0x80000000' "watch $rng" 'info break' 'delete 2' 'info break' continue \
        continue >"$TMP/watch-delete.script"
    run watch-delete --quiet --monitor-script "$TMP/watch-delete.script" \
        "$GUESTS/compute-short.elf"
    if [ "$rc" -ne 0 ]; then
        fail watch-delete "exit $rc"
    elif ! grep -q -x "2: watchpoint GPA 0x$(printf '%016x' "$rng") len 8" "$TMP/watch-delete.out"
    then
        fail watch-delete "info break did not list '2: watchpoint GPA ... len 8'"
    elif [ "$(watch_lines "$TMP/watch-delete.out" | wc -l)" -ne 0 ]; then
        fail watch-delete "stopped for a deleted watchpoint"
    else
        pass watch-delete
    fi
}

test_watch() {
    local mmu
    monitor_tools watch || return
    disas_map "$GUESTS/compute-short.elf" "$TMP/compute.disas"
    for mmu in native nested shadow; do
        test_watch_compute "$mmu"
    done
    test_watch_selftest
    test_watch_pte native
    test_watch_pte shadow
    test_watch_htif
    test_watch_hw nested
    test_watch_hw shadow
    test_watch_direct
    test_watch_bad_input
    test_watch_delete
}
