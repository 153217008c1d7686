#!/bin/bash
# tests/guests/run.sh - guest integration tests: run each guest under vmlab and
# check its exit status, an independently known output, and counters read
# from `--stats FILE`. Called by `make guest-tests` as
#   VMLAB=build/vmlab GUESTS=build/guests tests/guests/run.sh
# ASAN_QUICK=1 (make asan) runs only hello, selftest, privtest and one bad input.
# Prints "PASS name" or "FAIL name: why" per test, then "N passed, M failed";
# exits non-zero when a test failed.
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

# test_fastpath NAME: --no-fastpath must give the same counters (DESIGN.md "Performance").
test_fastpath() {
    local name=$1
    run "$name-fast" "$GUESTS/$name.elf"
    run "$name-slow" --no-fastpath "$GUESTS/$name.elf"
    if [ -s "$TMP/$name-fast.json" ] && cmp -s "$TMP/$name-fast.json" "$TMP/$name-slow.json"; then
        pass "fastpath-same-counters-$name"
    else
        fail "fastpath-same-counters-$name" "$(diff "$TMP/$name-fast.json" \
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
    timeout "$HOST_TIMEOUT" "$VMLAB" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
    rc=$?
    local lines
    lines=$(wc -l <"$TMP/$name.err")
    if [ "$rc" -ne 2 ]; then
        fail "bad-input-$name" "exit status $rc, expected 2"
    elif [ "$lines" -ne 1 ]; then
        fail "bad-input-$name" "$lines lines on stderr, expected one"
    else
        pass "bad-input-$name"
    fi
}

cross_gcc() {
    local prefix
    for prefix in ${RISCV_PREFIX:-} riscv64-unknown-elf- riscv64-linux-gnu-; do
        if command -v "${prefix}gcc" >/dev/null 2>&1; then
            echo "${prefix}gcc"
            return
        fi
    done
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

# ------------------------------------------------------------------ main

if [ ! -x "$VMLAB" ]; then
    echo "run.sh: $VMLAB is not an executable vmlab" >&2
    exit 2
fi

test_hello
test_hello_mmio
test_hello_priv
test_selfcheck selftest 'selftest: all [0-9]+ cases passed'
test_selfcheck privtest 'privtest: all [0-9]+ checks passed'
test_bad_inputs
if [ "$QUICK" != 1 ]; then
    test_hello_htif
    test_selfcheck paging 'paging: pass'
    test_compute_short
    test_csrloop
    test_deterministic
    test_fastpath paging
    test_fastpath selftest
    test_stopped
    test_garbage
    test_romwrite
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
