#!/bin/bash
# tests/guests/run.sh - guest integration tests: run each guest under vmlab and
# check its exit status, an independently known output, and counters read
# from `--stats FILE`. Called by `make guest-tests` as
#   VMLAB=build/vmlab GUESTS=build/guests tests/guests/run.sh
# ASAN_QUICK=1 (make asan) runs only hello, selftest, privtest, paging under
# --mmu nested, one bad input, one monitor session, the disk tests of
# blkkern.sh and passthrough.sh, and the watchpoints of watch.sh.
# Prints "PASS name" or "FAIL name: why" per test ("SKIP name: why" when a tool
# it needs is missing), then "N passed, M failed"; exits non-zero when a test failed.
set -u

: "${VMLAB:?set VMLAB to the vmlab binary}"
: "${GUESTS:?set GUESTS to the directory of guest .elf files}"
HERE=$(cd "$(dirname "$0")" && pwd)
QUICK=${ASAN_QUICK:-0}
HOST_TIMEOUT=${GUEST_TEST_TIMEOUT:-120} # seconds; a hung vmlab is a failure, not a hang
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

pass() {
    echo "PASS $1"
    passed=$((passed + 1))
}

fail() {
    echo "FAIL $1: $2"
    failed=$((failed + 1))
}

skip() {
    echo "SKIP $1: $2"
}

# stat FILE NAME: the value of counter NAME in a --stats file (one key per line).
stat() {
    local key=${2//./\\.}
    sed -n "s/^[[:space:]]*\"$key\":[[:space:]]*\([0-9][0-9]*\),\{0,1\}[[:space:]]*\$/\1/p" "$1" 2>/dev/null
}

# run TAG [vmlab args...]: run vmlab, output in $TMP/TAG.{out,err,json}; sets rc.
run() {
    local tag=$1
    shift
    timeout "$HOST_TIMEOUT" "$VMLAB" --stats "$TMP/$tag.json" "$@" \
        >"$TMP/$tag.out" 2>"$TMP/$tag.err" </dev/null
    rc=$?
}

# same_as_native NAME GUEST ARGS...: under ARGS (another technique) GUEST
# prints the same console output, exits the same and retires the same
# instructions as under --mmu native: the technique is invisible to it.
same_as_native() {
    local name=$1 g=$2
    shift 2
    run "$name-native" --quiet "$GUESTS/$g.elf"
    local rc_native=$rc
    run "$name" --quiet "$@" "$GUESTS/$g.elf"
    if [ "$rc" != "$rc_native" ]; then
        fail "$name" "exit $rc, $rc_native under native"
    elif ! cmp -s "$TMP/$name-native.out" "$TMP/$name.out"; then
        fail "$name" "console output differs from native"
    elif [ "$(stat "$TMP/$name-native.json" insns)" != "$(stat "$TMP/$name.json" insns)" ]; then
        fail "$name" "insns differ from native"
    else
        pass "$name"
    fi
}

last_line() {
    tail -n 1 "$TMP/$1.out" | tr -d '\r'
}

# expect_rc NAME TAG WANT: pass/fail on the exit status of the last run.
expect_rc() {
    if [ "$rc" -eq "$3" ]; then
        return 0
    fi
    local out err
    out=$(last_line "$2")
    err=$(head -n 1 "$TMP/$2.err")
    fail "$1" "exit status $rc, expected $3 (last output: '$out'; stderr: '$err')"
    return 1
}

# ------------------------------------------------------------- the guests

test_hello() {
    run hello "$GUESTS/hello.elf"
    expect_rc hello hello 0 || return
    if cmp -s "$TMP/hello.out" "$HERE/hello.expected"; then
        pass hello
    else
        fail hello "output differs from hello.expected: $(head -c 80 "$TMP/hello.out")"
    fi
}

test_hello_mmio() {
    # "Hello from a vmlab guest!\n" is 26 characters (5+1+4+1+1+1+5+1+6+1).
    # guests/lib/uart.c: per character one LSR read (THRE is already set) and
    # one THR write = 2 MMIO exits; the poweroff is one 32-bit store to the
    # syscon = 1. crt0 and the boot ROM make no MMIO access.
    # 26 * 2 + 1 = 53.
    local mmio
    mmio=$(stat "$TMP/hello.json" exits.mmio)
    if [ "$mmio" = 53 ]; then
        pass hello-mmio-exits
    else
        fail hello-mmio-exits "exits.mmio = '$mmio', expected 53 (26 chars * 2 + 1)"
    fi
}

test_hello_htif() {
    run hello-htif "$GUESTS/hello-htif.elf"
    expect_rc hello-htif hello-htif 0 || return
    if cmp -s "$TMP/hello-htif.out" "$HERE/hello.expected"; then
        pass hello-htif
    else
        fail hello-htif "output differs from hello.expected: $(head -c 80 "$TMP/hello-htif.out")"
    fi
}

# test_selfcheck NAME REGEX [vmlab args]: the guest exits 0, its last line matches REGEX,
# and, when tests/guests/NAME.expected exists, its whole output is that file. (The
# .expected files are the guests' fixed messages, as QEMU 7.2 prints them for the same
# ELF; privtest's under QEMU needs -DAMO_MISALIGNED_CAUSE=4, see guests/privtest.c.)
test_selfcheck() {
    local name=$1 want=$2
    shift 2
    run "$name" "$@" "$GUESTS/$name.elf"
    expect_rc "$name" "$name" 0 || return
    if ! last_line "$name" | grep -Eq "^$want\$"; then
        fail "$name" "last line '$(last_line "$name")', expected /$want/"
    elif [ -f "$HERE/$name.expected" ] && ! cmp -s "$TMP/$name.out" "$HERE/$name.expected"; then
        fail "$name" "output differs from $name.expected: $(diff "$HERE/$name.expected" \
            "$TMP/$name.out" | grep '^[<>]' | head -n 2 | tr '\n' ' ')"
    else
        pass "$name"
    fi
}

test_hello_priv() {
    # Privileged instructions hello executes, each one EXIT_PRIV_INSN under --cpu trap:
    # boot ROM: csrr a0, mhartid = 1; guests/lib/crt0.S: csrw mtvec, csrw mscratch,
    # csrs mstatus = 3 (csrw fcsr never exits: DESIGN.md "Exit reasons"); main and the
    # UART/syscon code: none. 1 + 3 = 4.
    local priv
    priv=$(stat "$TMP/hello.json" exits.priv_insn)
    if [ "$priv" = 4 ]; then
        pass hello-priv-exits
    else
        fail hello-priv-exits "exits.priv_insn = '$priv', expected 4 (1 boot ROM + 3 crt0)"
    fi
}

test_compute_short() {
    test_selfcheck compute-short 'compute: checksum 0x[0-9a-f]+ instret [0-9]+'
    # Each round checks itself; the checksum over 20 rounds is a reference value: QEMU 7.2
    # running the same ELF prints 0xee8c26e4. Any correct RV64 hart computes the same.
    if grep -q '^compute: checksum 0xee8c26e4 ' "$TMP/compute-short.out"; then
        pass compute-short-checksum
    else
        fail compute-short-checksum "$(last_line compute-short), expected checksum 0xee8c26e4"
    fi
}

test_csrloop() {
    run csrloop-10 "$GUESTS/csrloop-10.elf"
    expect_rc csrloop csrloop-10 0 || return
    run csrloop-1000 "$GUESTS/csrloop-1000.elf"
    expect_rc csrloop csrloop-1000 0 || return
    local a b
    a=$(stat "$TMP/csrloop-10.json" exits.priv_insn)
    b=$(stat "$TMP/csrloop-1000.json" exits.priv_insn)
    # The two guests differ only in K: 1000 - 10 = 990 more csrw mscratch.
    if [ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -eq 990 ]; then
        pass csrloop-priv-exits
    else
        fail csrloop-priv-exits "exits.priv_insn '$a' and '$b' do not differ by 990"
    fi
}

test_deterministic() {
    run privtest-a "$GUESTS/privtest.elf"
    run privtest-b "$GUESTS/privtest.elf"
    if [ -s "$TMP/privtest-a.json" ] && cmp -s "$TMP/privtest-a.json" "$TMP/privtest-b.json"; then
        pass deterministic-stats
    else
        fail deterministic-stats "two runs of privtest gave different --stats files"
    fi
}

# test_fastpath NAME GUEST [ARGS...]: --no-fastpath must give the same
# counters (DESIGN.md "Performance"), under any technique ARGS choose.
test_fastpath() {
    local name=$1 g=$2
    shift 2
    run "$name-fast" "$@" "$GUESTS/$g.elf"
    run "$name-slow" --no-fastpath "$@" "$GUESTS/$g.elf"
    if [ -s "$TMP/$name-fast.json" ] && cmp -s "$TMP/$name-fast.json" "$TMP/$name-slow.json"; then
        pass "$name"
    else
        fail "$name" "$(diff "$TMP/$name-fast.json" \
            "$TMP/$name-slow.json" | grep '^[<>]' | head -n 2 | tr '\n' ' ')"
    fi
}

test_stopped() {
    run spin-insns --max-insns 100000 "$GUESTS/spin.elf"
    expect_rc spin-max-insns spin-insns 3 && pass spin-max-insns
    run spin-timeout --timeout 1 "$GUESTS/spin.elf"
    expect_rc spin-timeout spin-timeout 3 && pass spin-timeout
}

test_garbage() {
    run garbage "$GUESTS/garbage.elf"
    expect_rc garbage garbage 1 || return
    # 0x0000 is an illegal instruction: cause 2, mtval = its bits = 0.
    if grep -q '^garbage: trap cause 2 mtval 0x0$' "$TMP/garbage.out"; then
        pass garbage
    else
        fail garbage "no 'garbage: trap cause 2 mtval 0x0' line"
    fi
}

test_romwrite() {
    run romwrite "$GUESTS/romwrite.elf"
    expect_rc romwrite romwrite 0 || return
    if grep -q '^romwrite: store access fault, cause 7 mtval 0x1000$' "$TMP/romwrite.out"; then
        pass romwrite
    else
        fail romwrite "no store access fault (cause 7) reported"
    fi
}

# ----------------------------------------------------------- bad input

# bad_input NAME [vmlab args...]: exit 2 and exactly one line on stderr.
bad_input() {
    local name=$1
    shift
    bad_input_saying "$name" '' "$@"
}

# bad_input_saying NAME REGEX [vmlab args...]: as bad_input, and the line matches REGEX
# (extended, case-insensitive: it names the problem).
bad_input_saying() {
    local name=$1 want=$2
    shift 2
    timeout "$HOST_TIMEOUT" "$VMLAB" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
    rc=$?
    local lines
    lines=$(wc -l <"$TMP/$name.err")
    if [ "$rc" -ne 2 ]; then
        fail "bad-input-$name" "exit status $rc, expected 2"
    elif [ "$lines" -ne 1 ]; then
        fail "bad-input-$name" "$lines lines on stderr, expected one"
    elif [ -n "$want" ] && ! grep -Eiq "$want" "$TMP/$name.err"; then
        fail "bad-input-$name" "'$(cat "$TMP/$name.err")' does not say /$want/"
    else
        pass "bad-input-$name"
    fi
}

# cross_tool gcc|nm|objdump: the RISC-V cross tool's command, empty when there is none.
cross_tool() {
    local prefix
    for prefix in ${RISCV_PREFIX:-} riscv64-unknown-elf- riscv64-linux-gnu-; do
        if command -v "${prefix}$1" >/dev/null 2>&1; then
            echo "${prefix}$1"
            return
        fi
    done
}

cross_gcc() {
    cross_tool gcc
}

test_bad_inputs() {
    bad_input missing-file "$TMP/no-such-file.elf"
    [ "$QUICK" = 1 ] && return
    : >"$TMP/empty.img"
    bad_input empty-file "$TMP/empty.img"
    echo "this is not a guest image" >"$TMP/text.txt"
    bad_input text-file "$TMP/text.txt"
    bad_input x86-64-elf /bin/true
    bad_input unknown-flag --no-such-flag "$GUESTS/hello.elf"
    bad_input zero-memory -m 0 "$GUESTS/hello.elf"
    bad_input odd-memory -m 3M "$GUESTS/hello.elf"
    bad_input image-and-kernel --bios none --kernel "$GUESTS/hello.elf" "$GUESTS/hello.elf"
    bad_input tlb-ways-above-entries --tlb-entries 4 --tlb-ways 8 "$GUESTS/hello.elf"
    bad_input tlb-entries-not-power-of-two --tlb-entries 48 "$GUESTS/hello.elf"
    bad_input max-insns-zero --max-insns 0 "$GUESTS/hello.elf"
    bad_input negative-timeout --timeout -1 "$GUESTS/hello.elf"
    bad_input unknown-technique --mmu magic "$GUESTS/hello.elf"
    bad_input option-missing-value "$GUESTS/hello.elf" --stats
    bad_input no-guest

    local gcc
    gcc=$(cross_gcc)
    if [ -z "$gcc" ]; then
        fail bad-input-rv32-elf "no RISC-V cross compiler to build a 32-bit ELF"
        return
    fi
    printf '.globl _start\n_start:\n    j _start\n' >"$TMP/rv32.S"
    if ! "$gcc" -march=rv32i -mabi=ilp32 -nostdlib -static -Wl,-Ttext=0x80000000 \
        -o "$TMP/rv32.elf" "$TMP/rv32.S" 2>"$TMP/rv32-build.err"; then
        fail bad-input-rv32-elf "could not build: $(head -n 1 "$TMP/rv32-build.err")"
        return
    fi
    bad_input rv32-elf "$TMP/rv32.elf"
}

# test_bad_images: images that cannot be placed, built here with the cross gcc. Each
# program is one instruction (`j _start`); -Wl,-n keeps the ELF header out of the segment,
# so the segment starts exactly at -Ttext.
test_bad_images() {
    # a truncated ELF: hello.elf's header says its code lies past byte 200
    head -c 200 "$GUESTS/hello.elf" >"$TMP/truncated.elf"
    bad_input_saying truncated-elf 'truncat|beyond the end|short' "$TMP/truncated.elf"

    local gcc
    gcc=$(cross_gcc)
    if [ -z "$gcc" ]; then
        skip bad-input-placement "no RISC-V cross compiler to build the images"
        return
    fi
    # shellcheck disable=SC2054 # the commas belong to the -Wl, options
    local flags=(-march=rv64gc -mabi=lp64d -nostdlib -static -Wl,-n -Wl,--no-warn-rwx-segments)
    printf '.globl _start\n_start:\n    j _start\n' >"$TMP/one.S"
    printf '.globl _start\n_start:\n    j _start\n.bss\n    .space 16 * 1024 * 1024\n' \
        >"$TMP/bigbss.S"
    if ! "$gcc" "${flags[@]}" -Wl,-Ttext=0x70000000 -o "$TMP/at-70000000.elf" "$TMP/one.S" \
        2>"$TMP/images-build.err" ||
        ! "$gcc" "${flags[@]}" -Wl,-Ttext=0x10000000 -o "$TMP/at-uart.elf" "$TMP/one.S" \
            2>>"$TMP/images-build.err" ||
        ! "$gcc" "${flags[@]}" -Wl,-Ttext=0x80000000 -o "$TMP/bigbss.elf" "$TMP/bigbss.S" \
            2>>"$TMP/images-build.err"; then
        fail bad-input-placement "could not build: $(head -n 1 "$TMP/images-build.err")"
        return
    fi
    # 0x7000_0000 is below RAM (0x8000_0000, vm/memmap.h) and no device is there
    bad_input_saying segment-outside-ram 'outside|not in RAM' "$TMP/at-70000000.elf"
    # 0x1000_0000 is the UART's page (vm/memmap.h)
    bad_input_saying segment-on-device 'device|UART' "$TMP/at-uart.elf"
    # 8 MiB of RAM cannot hold 16 MiB of .bss (plus the 2-byte text)
    bad_input_saying segment-bigger-than-ram 'bigger|too (big|large)|exceed|does not fit' \
        -m 8M "$TMP/bigbss.elf"
}

# mtimeset writes CLINT mtime (2^32) and reads the time CSR at once: the
# hart's time must follow the device (same clock), and a timer armed on the
# new base must fire (guests/mtimeset.c checks both and prints "pass").
test_mtimeset() {
    test_selfcheck mtimeset 'mtimeset: MTIP at mtimecmp on the new time base: pass'
}

# The console's input path through a pipe: the guest polls the UART's line
# status for data (an MMIO exit per poll) while vmlab feeds it stdin.
test_echo_pipe() {
    printf 'vmlab rocks\n' | timeout "$HOST_TIMEOUT" "$VMLAB" --quiet "$GUESTS/echo.elf" \
        >"$TMP/echo.out" 2>"$TMP/echo.err"
    local rc=$?
    if [ $rc -ne 0 ]; then
        fail echo-pipe "exit status $rc, expected 0"
    elif ! grep -qx "echo: you typed 'vmlab rocks'" "$TMP/echo.out"; then
        fail echo-pipe "no \"echo: you typed 'vmlab rocks'\" line"
    else
        pass echo-pipe
    fi
}

# monitor `walk` and `info tlb` on the paging guest, stopped before the first
# U-mode instruction of task 1 under Sv39. guests/paging.c maps USER_CODE_VA
# 0x40000000 to __user_start with USER_CODE_PTE = V|R|X|U (A still clear:
# the fetch has not happened). Sv39 walks 3 levels: level 2 (root), level 1,
# level 0 - 3 PTE reads; the TLB has no entry for the page yet (miss).
test_monitor_walk() {
    local user_start
    user_start=$(sym_addr "$GUESTS/paging.elf" __user_start)
    [ -n "$user_start" ] || { skip monitor-walk "no __user_start symbol (nm)"; return; }
    user_start=$(printf '%x' "$((16#$user_start))")
    printf 'break 0x40000000\ncontinue\nwalk 0x40000000\ninfo tlb\nquit\n' >"$TMP/walk.script"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --monitor-script "$TMP/walk.script" \
        "$GUESTS/paging.elf" >"$TMP/walk.out" 2>&1 </dev/null
    local levels summary leaf
    levels=$(sed -n 's/^ *[0-9]*: stage 1 level \([0-9]\) read .*/\1/p' "$TMP/walk.out" | tr -d '\n')
    summary="TLB miss; 3 PTE accesses; ok: GVA 0x40000000 -> GPA 0x$user_start"
    leaf=$(grep -c ' level 0 read .* ---UX-RV$' "$TMP/walk.out")
    if [ "$levels" != 210 ]; then
        fail monitor-walk "levels walked '$levels', expected 2, 1, 0 (Sv39)"
    elif ! grep -q "^$summary -> HPA 0x" "$TMP/walk.out"; then
        fail monitor-walk "no '$summary -> HPA ...' line"
    elif [ "$leaf" != 1 ]; then
        fail monitor-walk "leaf PTE flags are not ---UX-RV (USER_CODE_PTE, A clear)"
    elif ! grep -q "^[0-9]* of 64 entries valid (4 ways)$" "$TMP/walk.out"; then
        fail monitor-walk "info tlb did not report the 64-entry, 4-way TLB"
    else
        pass monitor-walk
    fi
}

test_wildjump() {
    test_selfcheck wildjump 'wildjump: pass'
    # Privileged §3.1.15 Table 3.6: an instruction access fault is cause 1; mtval (§3.1.16)
    # and mepc are the address the fetch failed at, 0x4000_0000 (no memory there).
    if grep -q '^wildjump: trap cause 1 mtval 0x40000000 mepc 0x40000000$' \
        "$TMP/wildjump.out"; then
        pass wildjump-fault
    else
        fail wildjump-fault "no 'trap cause 1 mtval 0x40000000 mepc 0x40000000' line"
    fi
}

# ----------------------------------------------------------- reboot

test_reboot() {
    local line='^reboot: booted, asking for a reset$'
    run reboot-once --no-reboot "$GUESTS/reboot.elf"
    expect_rc reboot-no-reboot reboot-once 0 || return
    if [ "$(grep -c "$line" "$TMP/reboot-once.out")" = 1 ] &&
        [ "$(wc -l <"$TMP/reboot-once.out")" = 1 ]; then
        pass reboot-no-reboot
    else
        fail reboot-no-reboot "expected the one line once: $(head -c 120 "$TMP/reboot-once.out")"
        return
    fi
    # Assumption: K, the instructions of the --no-reboot run (to the reset request
    # included), is what one boot costs; every boot after a reset retires the same K,
    # since RAM and ROM are restored from the start-up copy (DESIGN.md "Reset").
    # Stopping at 3.5 K: three whole boots (three resets) and half of a fourth, whose
    # line is printed in its first 10% (guests/reboot.c: the delay loop comes after it).
    local k
    k=$(stat "$TMP/reboot-once.json" insns)
    if [ -z "$k" ]; then
        fail reboot-resets "no insns counter in the --no-reboot run's --stats"
        return
    fi
    run reboot-loop --max-insns $((k * 7 / 2)) "$GUESTS/reboot.elf"
    expect_rc reboot-resets reboot-loop 3 || return
    local resets lines
    resets=$(stat "$TMP/reboot-loop.json" vm.resets)
    lines=$(grep -c "$line" "$TMP/reboot-loop.out")
    if [ "$resets" = 3 ] && [ "$lines" = 4 ]; then
        pass reboot-resets
    else
        fail reboot-resets "vm.resets = '$resets', line printed $lines times; expected 3 and 4"
    fi
}

# ---------------------------------------------------- monitor and trace

# sym_addr ELF NAME: the symbol's address as 16 hex digits (nm), empty if not found.
sym_addr() {
    "$NM" "$1" | awk -v name="$2" '$3 == name { print $1; exit }'
}

# disas_map ELF OUT: "ADDR<tab>TEXT" for each instruction of objdump -d -M no-aliases
# (ADDR without leading zeros, TEXT "mnemonic<tab>operands"). Two spellings differ and are
# made alike: objdump's "# comment" after an operand list goes, and a branch or jump target
# "80000054 <park>" becomes "0x80000054" as vmlab writes it.
disas_map() {
    "$OBJDUMP" -d -M no-aliases "$1" |
        sed -n 's/^ *\([0-9a-f]*\):\t[0-9a-f]* *\t\([^#]*[^# ]\)\( *#.*\)\{0,1\}$/\1\t\2/p' |
        sed 's/\([,\t]\)\([0-9a-f]*\) <[^>]*>$/\10x\2/' >"$2"
}

# disas_compare MAP LINES: for each "ADDR<tab>TEXT" of LINES whose ADDR is in MAP, the
# texts must agree. Prints "compared differing", then the first differences.
disas_compare() {
    awk -F'\t' '
        FNR == NR { want[$1] = $2 (NF > 2 ? "\t" $3 : ""); next }
        ($1 in want) {
            n++
            got = $2 (NF > 2 ? "\t" $3 : "")
            if (got != want[$1]) {
                bad++
                if (bad <= 2) { diffs = diffs " [" $1 ": " got " / objdump: " want[$1] "]" }
            }
        }
        END { print n + 0, bad + 0 diffs }' "$1" "$2"
}

# monitor_tools: NM and OBJDUMP set, or a SKIP line for test $1 and false.
monitor_tools() {
    NM=$(cross_tool nm)
    OBJDUMP=$(cross_tool objdump)
    if [ -z "$NM" ] || [ -z "$OBJDUMP" ]; then
        skip "$1" "no RISC-V nm/objdump to find hello's symbols"
        return 1
    fi
}

# One scripted session on hello: break at main, look around, step, quit.
test_monitor() {
    monitor_tools monitor || return
    local main greeting
    main=$(sym_addr "$GUESTS/hello.elf" main)
    greeting=$(sym_addr "$GUESTS/hello.elf" greeting)
    if [ -z "$main" ] || [ -z "$greeting" ]; then
        fail monitor "hello.elf has no main or greeting symbol"
        return
    fi
    disas_map "$GUESTS/hello.elf" "$TMP/hello.disas"
    cat >"$TMP/monitor.script" <<SCRIPT
break 0x$main
continue
info registers
info stats
step 5
info stats
info registers
xp/2g 0x$greeting
x/2g 0x$greeting
no-such-command
disas 0x$main 3
quit
help
SCRIPT
    run monitor --monitor-script "$TMP/monitor.script" "$GUESTS/hello.elf"
    local out=$TMP/monitor.out
    # quit ends the run with "stopped by vmlab" (exit 3) and reads no further line
    if [ "$rc" -eq 3 ] && ! grep -q '^(vmlab) help$' "$out"; then
        pass monitor-quit
    else
        fail monitor-quit "exit status $rc, expected 3 with no command read after quit"
    fi
    # the hart stopped before main's first instruction: pc = main
    local pcs
    mapfile -t pcs < <(sed -n 's/^pc  0x\([0-9a-f]*\) .*/\1/p' "$out")
    if [ "${pcs[0]:-}" = "$main" ]; then
        pass monitor-break
    else
        fail monitor-break "pc '${pcs[0]:-}' at the breakpoint, expected $main (main)"
    fi
    # step 5 retires five instructions: insns goes up by exactly 5. hello's main begins
    # c.addi, auipc, addi, c.sdsp, jal ra,console_puts (objdump), so the fifth step
    # lands on the jal's target.
    local insns target
    mapfile -t insns < <(sed -n 's/^ *insns *\([0-9][0-9]*\)$/\1/p' "$out")
    target=$(awk -F'\t' -v main="${main#"${main%%[!0]*}"}" '
        $1 == main { n = 1 } n && n++ == 5 { print $2 "\t" $3; exit }' "$TMP/hello.disas" |
        sed -n 's/^jal\tra,0x\([0-9a-f]*\)$/\1/p')
    if [ "${#insns[@]}" -ne 2 ] || [ $((insns[1] - insns[0])) -ne 5 ]; then
        fail monitor-step "insns before/after step 5: '${insns[*]}', expected a difference of 5"
    elif [ -z "$target" ]; then
        fail monitor-step "main's fifth instruction is no longer jal ra,TARGET: rework this test"
    elif [ "$(printf '%016x' $((0x${target})))" != "${pcs[1]:-}" ]; then
        fail monitor-step "pc after step 5 is '${pcs[1]:-}', expected $target (the jal's target)"
    else
        pass monitor-step
    fi
    # "Hello fr" = 48 65 6c 6c 6f 20 66 72, "om a vml" = 6f 6d 20 61 20 76 6d 6c: as
    # little-endian doublewords 0x7266206f6c6c6548 and 0x6c6d762061206d6f. Before
    # paging is on, GVA = GPA, so x and xp show the same.
    local words="$greeting: 0x7266206f6c6c6548 0x6c6d762061206d6f"
    if [ "$(grep -A1 -x "(vmlab) xp/2g 0x$greeting" "$out" | tail -n 1)" = "$words" ] &&
        [ "$(grep -A1 -x "(vmlab) x/2g 0x$greeting" "$out" | tail -n 1)" = "$words" ]; then
        pass monitor-examine
    else
        fail monitor-examine "xp/2g or x/2g of greeting did not show '$words'"
    fi
    # an unknown command: one message naming it, and the session goes on (disas ran)
    local reply
    reply=$(grep -A1 -x '(vmlab) no-such-command' "$out" | tail -n 1)
    if [[ "$reply" == *no-such-command* && "$reply" != "(vmlab)"* ]] &&
        grep -q -x '(vmlab) disas 0x'"$main"' 3' "$out"; then
        pass monitor-unknown-command
    else
        fail monitor-unknown-command "reply '$reply'"
    fi
    # disas: "0xADDR:  HEX  TEXT" lines, the same text as objdump for those addresses
    grep -A3 -x "(vmlab) disas 0x$main 3" "$out" | tail -n 3 |
        sed 's/^0x0*\([0-9a-f]*\):  [0-9a-f]*  /\1\t/' >"$TMP/monitor.disas"
    local cmp
    cmp=$(disas_compare "$TMP/hello.disas" "$TMP/monitor.disas")
    if [ "$cmp" = "3 0" ]; then
        pass monitor-disas
    else
        fail monitor-disas "compared, differing: $cmp"
    fi
}

# Breakpoints at main and console_puts. From main, `step 10` meets the breakpoint at
# console_puts after 5 instructions (main's fifth is jal ra,console_puts, see
# test_monitor) and stops there, as gdb's stepi does. Then `delete 2`: the run never stops
# at console_puts again, so the script's last two lines (info registers, quit) are never
# read and hello passes (exit 0).
test_monitor_delete() {
    monitor_tools monitor-delete || return
    local main puts
    main=$(sym_addr "$GUESTS/hello.elf" main)
    puts=$(sym_addr "$GUESTS/hello.elf" console_puts)
    printf '%s\n' "break 0x$main" "break 0x$puts" continue 'info stats' 'step 10' \
        'info registers' 'info stats' 'delete 2' continue 'info registers' quit \
        >"$TMP/monitor-delete.script"
    run monitor-delete --monitor-script "$TMP/monitor-delete.script" "$GUESTS/hello.elf"
    local out=$TMP/monitor-delete.out insns pcs
    mapfile -t insns < <(sed -n 's/^ *insns *\([0-9][0-9]*\)$/\1/p' "$out")
    mapfile -t pcs < <(sed -n 's/^pc  0x\([0-9a-f]*\) .*/\1/p' "$out")
    if [ "${#insns[@]}" -eq 2 ] && [ $((insns[1] - insns[0])) -eq 5 ] &&
        [ "${pcs[0]:-}" = "$puts" ]; then
        pass monitor-step-to-break
    else
        fail monitor-step-to-break "insns '${insns[*]}', pc '${pcs[*]}'; expected +5 at $puts"
    fi
    expect_rc monitor-delete monitor-delete 0 || return
    if [ "${#pcs[@]}" -eq 1 ] && grep -q '^Hello from a vmlab guest!$' "$out"; then
        pass monitor-delete
    else
        fail monitor-delete "the run stopped again or printed no hello line"
    fi
    bad_input monitor-script-missing --monitor-script "$TMP/no-such-script" "$GUESTS/hello.elf"
}

test_trace() {
    monitor_tools trace || return
    # one line per retired instruction, the VMM's emulated ones (CSR accesses, MMIO) included
    run trace-insns --trace insns --trace-file "$TMP/trace-insns.txt" "$GUESTS/hello.elf"
    expect_rc trace-insns trace-insns 0 || return
    local lines insns
    lines=$(wc -l <"$TMP/trace-insns.txt")
    insns=$(stat "$TMP/trace-insns.json" insns)
    if [ "$lines" = "$insns" ]; then
        pass trace-insns-count
    else
        fail trace-insns-count "$lines trace lines, insns = '$insns'"
    fi
    # "P 00000000800000ac: HEX  TEXT": for addresses inside hello.elf, objdump's text
    [ -s "$TMP/hello.disas" ] || disas_map "$GUESTS/hello.elf" "$TMP/hello.disas"
    sed 's/^[MSU] 0*\([0-9a-f]*\): [0-9a-f]*  /\1\t/' "$TMP/trace-insns.txt" \
        >"$TMP/trace-insns.disas"
    # every traced instruction in RAM (hello.elf's, at 0x8000_0000 on) is compared; the
    # boot ROM's (at 0x1000) are not in the ELF
    local cmp in_ram
    cmp=$(disas_compare "$TMP/hello.disas" "$TMP/trace-insns.disas")
    in_ram=$(grep -c '^[MSU] 000000008' "$TMP/trace-insns.txt")
    if [ "$cmp" = "$in_ram 0" ] && [ "$in_ram" -gt 0 ]; then
        pass trace-insns-text
    else
        fail trace-insns-text "compared, differing: $cmp"
    fi
    run trace-exits --trace exits --trace-file "$TMP/trace-exits.txt" "$GUESTS/hello.elf"
    expect_rc trace-exits trace-exits 0 || return
    local total
    lines=$(wc -l <"$TMP/trace-exits.txt")
    total=$(stat "$TMP/trace-exits.json" exits.total)
    if [ "$lines" = "$total" ]; then
        pass trace-exits-count
    else
        fail trace-exits-count "$lines trace lines, exits.total = '$total'"
    fi
}

# ----------------------------------------------------------- vmlab compare

# compare_cell FILE LABEL COLUMN: from compare's table in FILE, the cell in column COLUMN
# (a header name) of the row whose first word is LABEL (a one-word label: --mmu only).
compare_cell() {
    awk -v label="$2" -v name="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) { col[$i] = i }; next }
        $1 == label && (name in col) { print $(col[name]); exit }' "$1"
}

# vmlab compare runs hello under native and shadow. The native row must carry the same
# insns as a plain run (compare passes the counters through); shadow is either refused
# (until it is built) or a row of numbers.
test_compare() {
    run compare-plain "$GUESTS/hello.elf"
    local want
    want=$(stat "$TMP/compare-plain.json" insns)
    timeout "$HOST_TIMEOUT" "$VMLAB" compare "$GUESTS/hello.elf" --mmu native,shadow \
        --csv "$TMP/compare.csv" >"$TMP/compare.out" 2>"$TMP/compare.err" </dev/null
    rc=$?
    expect_rc compare compare 0 || return
    local got shadow
    got=$(compare_cell "$TMP/compare.out" native insns)
    shadow=$(compare_cell "$TMP/compare.out" shadow insns)
    if [ -z "$want" ] || [ "$got" != "$want" ]; then
        fail compare-native "native row insns '$got', a plain --stats run gave '$want'"
    elif ! grep -Eq '^shadow +refused: ' "$TMP/compare.out" && ! [[ "$shadow" =~ ^[0-9]+$ ]]; then
        fail compare-native "the shadow row is neither 'refused: ...' nor counters"
    else
        pass compare-native
    fi
    # --csv: a header row of counter names, then one row per combination (2)
    local lines csv_insns
    lines=$(wc -l <"$TMP/compare.csv")
    csv_insns=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { col[$i] = i }; next }
        $1 == "native" { print $(col["insns"]) }' "$TMP/compare.csv")
    if [ "$lines" != 3 ] || ! head -n 1 "$TMP/compare.csv" | grep -q '^combination,.*,insns,'; then
        fail compare-csv "$lines lines, header '$(head -n 1 "$TMP/compare.csv")'"
    elif [ "$csv_insns" != "$want" ]; then
        fail compare-csv "native insns '$csv_insns' in the CSV, expected '$want'"
    else
        pass compare-csv
    fi
    test_compare_plot
    # a guest that reports failure (garbage exits 1): compare's own status is 1
    timeout "$HOST_TIMEOUT" "$VMLAB" compare "$GUESTS/garbage.elf" --mmu native \
        >"$TMP/compare-fail.out" 2>"$TMP/compare-fail.err" </dev/null
    rc=$?
    expect_rc compare-failing-guest compare-fail 1 && pass compare-failing-guest
    bad_input_saying compare-no-image 'no guest' compare --mmu native,shadow
    bad_input_saying compare-unknown-mmu 'magic' compare "$GUESTS/hello.elf" --mmu native,magic
}

# --plot: an SVG from gnuplot when it is installed, else a message naming the package;
# the table is printed either way.
test_compare_plot() {
    timeout "$HOST_TIMEOUT" "$VMLAB" compare "$GUESTS/hello.elf" --mmu native \
        --plot "$TMP/compare.svg" >"$TMP/compare-plot.out" 2>"$TMP/compare-plot.err" </dev/null
    rc=$?
    expect_rc compare-plot compare-plot 0 || return
    if [ -z "$(compare_cell "$TMP/compare-plot.out" native insns)" ]; then
        fail compare-plot "no table with a native row"
    elif command -v gnuplot >/dev/null 2>&1; then
        if head -c 100 "$TMP/compare.svg" 2>/dev/null | grep -Eq '^(<\?xml|<svg)'; then
            pass compare-plot
        else
            fail compare-plot "gnuplot is installed but $TMP/compare.svg is no SVG"
        fi
    elif grep -q 'gnuplot.*not installed' "$TMP/compare-plot.err"; then
        pass compare-plot
    else
        fail compare-plot "no gnuplot, no message: $(head -n 1 "$TMP/compare-plot.err")"
    fi
}

# ------------------------------------------------- memlab (guests/memlab.c)
# The memory lab's guest: NPROC U-mode processes with their own ASIDs touching their
# footprints under one S-mode kernel. Every build checks itself (sums, demand faults per
# process, every page exactly once per pass, the remapped page reads zero) and says
# "memlab: PASS"; these tests check that line, the per-process lines and counters.

# memlab_pass TAG NAME NPROC PAGES [vmlab args...]: build NAME exits 0, prints exactly
# NPROC lines "memlab: proc N touched PAGES pages, sum 0x..." (N = 0..NPROC-1) and ends
# with "memlab: PASS". Returns non-zero (after one FAIL line) when it does not.
memlab_pass() {
    local tag=$1 name=$2 nproc=$3 pages=$4 i
    shift 4
    run "$tag" "$@" "$GUESTS/$name.elf"
    expect_rc "$tag" "$tag" 0 || return 1
    if [ "$(grep -c '^memlab: proc ' "$TMP/$tag.out")" != "$nproc" ]; then
        fail "$tag" "expected $nproc 'memlab: proc' lines: $(grep -c '^memlab: proc ' \
            "$TMP/$tag.out") found"
        return 1
    fi
    for ((i = 0; i < nproc; i++)); do
        if ! grep -Eq "^memlab: proc $i touched $pages pages, sum 0x[0-9a-f]+$" \
            "$TMP/$tag.out"; then
            fail "$tag" "no line 'memlab: proc $i touched $pages pages, sum 0x...'"
            return 1
        fi
    done
    if [ "$(last_line "$tag")" != "memlab: PASS" ]; then
        fail "$tag" "last line '$(last_line "$tag")', expected 'memlab: PASS'"
        return 1
    fi
    pass "$tag"
}

# memlab_diff TEST COUNTER WANT SMALL BIG: counter COUNTER of run BIG minus that of run
# SMALL is exactly WANT.
memlab_diff() {
    local a b
    a=$(stat "$TMP/$4.json" "$2")
    b=$(stat "$TMP/$5.json" "$2")
    if [ -n "$a" ] && [ -n "$b" ] && [ $((b - a)) -eq "$3" ]; then
        pass "$1"
    else
        fail "$1" "$2: '$a' ($4) and '$b' ($5) do not differ by $3"
    fi
}

test_memlab() {
    # 1. the defaults: 4 processes x 1024 KiB = 256 pages each, pattern seq
    memlab_pass memlab memlab 4 256
    # The kernel sets A and D in every PTE it makes, so the hart never writes one.
    local writes
    writes=$(stat "$TMP/memlab.json" walk.pte_writes)
    if [ "$writes" = 0 ]; then
        pass memlab-no-ad-writes
    else
        fail memlab-no-ad-writes "walk.pte_writes = '$writes', expected 0 (A/D preset)"
    fi

    # 3. every page exactly once per pass: the guest checks its visiting order before any
    # process runs, each process's sum and its demand faults (= pages touched), so the PASS
    # line is the check. stride 16 shares a factor with 256 pages: the walk must still meet
    # all 256. hot touches pages 0..7 only.
    memlab_pass memlab-stride memlab-stride 4 256
    memlab_pass memlab-rand memlab-rand 4 256
    memlab_pass memlab-hot memlab-hot 4 8
    memlab_pass memlab-sv48 memlab-sv48 4 256
    # one process, 8 pages: the remapped page's old translation is still in the TLB in
    # pass 2; only the kernel's sfence.vma gva, asid makes it read zero
    memlab_pass memlab-remap memlab-remap 1 8
    memlab_pass memlab-64m-rand memlab-64m-rand 1 16384
    memlab_pass memlab-64m-stride memlab-64m-stride 1 16384

    # 2. Exact differences, worked from the spec and guests/memlab.c (not read off a run).
    # memlab-seq and memlab-seq-512k differ only in FOOTPRINT_KIB, 1024 vs 512: 256 vs 128
    # pages, so each of the 4 processes first-touches 128 more pages (pages 128..255, in
    # the footprint's one level-0 table, which both builds make at page 0's fault).
    #
    # (a) Default TLB. Each extra page's first touch is one store page fault, which
    # under --cpu trap the VMM reflects into the guest kernel: one exits.guest_trap each.
    # Everything else (the ecalls, page 0's faults, the remap) is alike in both builds.
    # 4 x 128 = 512.
    memlab_pass memlab-seq memlab-seq 4 256 &&
        memlab_pass memlab-seq-512k memlab-seq-512k 4 128 &&
        memlab_diff memlab-fault-exits exits.guest_trap 512 memlab-seq-512k memlab-seq
    #
    # (b) A fully associative TLB of 4096 entries: neither build uses 4096 distinct
    # translations (4 x 256 user pages + 4 x 256 kernel views of their frames + a few
    # dozen kernel, code and stack pages), so nothing is ever evicted: a miss is a first
    # touch or follows an sfence.vma. Per extra page, all in pass 1 (Sv39):
    #   the store misses and walks root, level 1, level 0, whose PTE is invalid: a page
    #     fault (1 walk, 3 reads; DESIGN.md: a faulting walk keeps its reads);
    #   the kernel zeroes a fresh frame through its global 1 GiB identity leaf: the
    #     frame's 4 KiB piece misses (1 walk, 1 read: the root's leaf PTE);
    #   sfence.vma gva, asid drops nothing (a faulting walk fills no entry, and global
    #     entries survive an ASID fence); the store retries: miss, walk (1 walk, 3 reads);
    #   the load hits; passes 2-4 hit (page 5's remap happens in both builds alike).
    # A/D are preset, so a store never re-walks a clean entry: tlb.misses = walk.count.
    # walk.count: 4 x 128 x (1 + 1 + 1) = 1536; walk.accesses: 4 x 128 x (3 + 1 + 3) = 3584.
    local big=(--tlb-entries 4096 --tlb-ways 4096)
    memlab_pass memlab-seq-bigtlb memlab-seq 4 256 "${big[@]}" &&
        memlab_pass memlab-seq-512k-bigtlb memlab-seq-512k 4 128 "${big[@]}" || return
    memlab_diff memlab-walk-count walk.count 1536 memlab-seq-512k-bigtlb memlab-seq-bigtlb
    memlab_diff memlab-tlb-misses tlb.misses 1536 memlab-seq-512k-bigtlb memlab-seq-bigtlb
    memlab_diff memlab-walk-accesses walk.accesses 3584 memlab-seq-512k-bigtlb \
        memlab-seq-bigtlb

    # 4. QEMU runs the same ELF and must print the same lines (vmlab's own messages go to
    # stderr, the guest's to stdout).
    if ! command -v qemu-system-riscv64 >/dev/null 2>&1; then
        skip memlab-qemu "qemu-system-riscv64 not installed"
        return
    fi
    timeout "$HOST_TIMEOUT" qemu-system-riscv64 -M virt -bios none -nographic \
        -kernel "$GUESTS/memlab-rand.elf" >"$TMP/memlab-qemu.out" 2>&1 </dev/null
    if cmp -s <(tr -d '\r' <"$TMP/memlab-qemu.out") <(tr -d '\r' <"$TMP/memlab-rand.out"); then
        pass memlab-qemu
    else
        fail memlab-qemu "QEMU's output differs: $(diff <(tr -d '\r' <"$TMP/memlab-qemu.out") \
            <(tr -d '\r' <"$TMP/memlab-rand.out") | grep '^[<>]' | head -n 2 | tr '\n' ' ')"
    fi
}

# ------------------------------------------------------------------ main

if [ ! -x "$VMLAB" ]; then
    echo "run.sh: $VMLAB is not an executable vmlab" >&2
    exit 2
fi

# --mmu nested: tests/guests/nested.sh
# shellcheck source=tests/guests/nested.sh
. "$HERE/nested.sh"
# --mmu direct: tests/guests/direct.sh
# shellcheck source=tests/guests/direct.sh
. "$HERE/direct.sh"
# several VMs (--vm): tests/guests/multivm.sh
# shellcheck source=tests/guests/multivm.sh
. "$HERE/multivm.sh"
# Debian's OpenSBI and U-Boot: tests/guests/uboot.sh
# shellcheck source=tests/guests/uboot.sh
. "$HERE/uboot.sh"
# --mmu shadow: tests/guests/shadow.sh
# shellcheck source=tests/guests/shadow.sh
. "$HERE/shadow.sh"
# bad page tables under every --mmu: tests/guests/badpt.sh
# shellcheck source=tests/guests/badpt.sh
. "$HERE/badpt.sh"
# shellcheck source=tests/guests/sbi.sh
. "$HERE/sbi.sh" # the VMM's SBI (--bios vmm)
# the PLIC and the UART's interrupt: tests/guests/plic.sh
# shellcheck source=tests/guests/plic.sh
. "$HERE/plic.sh"
# --io emulated, vmlab's block controller: tests/guests/eblk.sh
# shellcheck source=tests/guests/eblk.sh
. "$HERE/eblk.sh"
# shellcheck source=tests/guests/disk.sh
. "$HERE/disk.sh" # --disk images accepted and refused
# --io virtio, virtio-blk driven by U-Boot: tests/guests/virtio.sh
# shellcheck source=tests/guests/virtio.sh
. "$HERE/virtio.sh"
# --cpu hw beside --cpu trap: tests/guests/hw.sh
# shellcheck source=tests/guests/hw.sh
. "$HERE/hw.sh"
# shellcheck source=tests/guests/ioview.sh
. "$HERE/ioview.sh" # info devices, vq dump, --trace io, --virtio-legacy
# shellcheck source=tests/guests/blkkern.sh
. "$HERE/blkkern.sh" # guests/blkkern.c on every --io path
# --io passthrough, a VF of the simulated SR-IOV device: tests/guests/passthrough.sh
# shellcheck source=tests/guests/passthrough.sh
. "$HERE/passthrough.sh"
# shellcheck source=tests/guests/watch.sh
. "$HERE/watch.sh" # the monitor's watch GPA [LEN] under every --mmu and --cpu hw

test_hello
test_hello_mmio
test_hello_priv
test_selfcheck selftest 'selftest: all [0-9]+ cases passed'
test_selfcheck privtest 'privtest: all [0-9]+ checks passed'
test_bad_inputs
test_monitor
test_nested_same paging # two-stage walks under ASan too (make asan)
if [ "$QUICK" != 1 ]; then
    test_hello_htif
    test_selfcheck paging 'paging: pass'
    test_compute_short
    test_csrloop
    test_deterministic
    test_fastpath fastpath-same-counters-paging paging
    test_fastpath fastpath-same-counters-selftest selftest
    test_stopped
    test_garbage
    test_romwrite
    test_wildjump
    test_mtimeset
    test_echo_pipe
    test_monitor_walk
    test_bad_images
    test_reboot
    test_monitor_delete
    test_watch # the monitor's write watchpoints (tests/guests/watch.sh)
    test_trace
    test_compare
    test_memlab # the memory lab's guest (guests/memlab.c)
    test_nested # --mmu nested (tests/guests/nested.sh)
    test_direct # --mmu direct (tests/guests/direct.sh)
    test_multivm # several VMs on one physical CPU (tests/guests/multivm.sh)
    test_shadow # --mmu shadow (tests/guests/shadow.sh)
    test_uboot # OpenSBI and U-Boot to the prompt (tests/guests/uboot.sh)
    test_badpt # bad page tables under every --mmu (tests/guests/badpt.sh)
    test_sbi   # the VMM's SBI, --bios vmm (tests/guests/sbi.sh)
    test_plic # UART input by interrupt through the PLIC (tests/guests/plic.sh)
    test_eblk # --io emulated: the block controller and its driver (tests/guests/eblk.sh)
    test_disk # --disk: images accepted and refused (tests/guests/disk.sh)
    test_hw # --cpu hw beside --cpu trap (tests/guests/hw.sh)
    test_virtio # --io virtio: virtio-blk under U-Boot (tests/guests/virtio.sh)
    test_ioview # seeing I/O: monitor, --trace io, io.* totals (tests/guests/ioview.sh)
    test_blkkern # our teaching kernel's disk on every --io path (tests/guests/blkkern.sh)
    test_passthrough # --io passthrough: SR-IOV VFs and the IOMMU (tests/guests/passthrough.sh)
else
    # the I/O paths read rings and descriptors the guest wrote: worth the sanitizers' eyes
    test_blkkern # every --io path with our teaching kernel (tests/guests/blkkern.sh)
    test_passthrough # the VF, the IOMMU's two stages, two VMs on one medium
    test_watch       # watchpoints on every store path, the fast path's entries forgotten
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
