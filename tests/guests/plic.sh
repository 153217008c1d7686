# tests/guests/plic.sh - the PLIC and the UART's interrupt, sourced by
# tests/guests/run.sh (uses its stat, pass, fail, skip and HOST_TIMEOUT).
# Course: 中断虚拟化 / 外部中断: a byte on the console raises the UART's
# line, the PLIC passes it to hart 0's M-mode context, the guest claims,
# reads, completes.
# Spec: RISC-V PLIC Specification v1.0.0 "Interrupt Claim Process",
# "Interrupt Completion"; Privileged 20211203 §3.3.3 "Wait for Interrupt".
#
# guests/uartirq.c (M-mode, PLIC context 0 -> MEIP; uartirq-s: S-mode with
# mideleg.SEI, context 1 -> SEIP) reads exactly one byte per claim, so for an input of N
# bytes (the '\n' that ends it included):
#   irq.delivered      = N            (claims that returned source 10)
#   irq.delivery_exits = 3 + 2N       (priority, enable, threshold writes once;
#                                      a claim read and a complete write per byte)
#   irq.raised         in 1..N        (the line may stay high from one byte to
#                                      the next when they arrive together)
# and it echoes each byte upper-cased, then prints "uartirq: N bytes, N interrupts".

# uartirq_check NAME INPUT [MODE]: the run in $TMP/NAME.{out,err,json} (status in rc) got
# INPUT (without its final '\n') in MODE (M, the default, or S); checks output and
# counters against the working above.
uartirq_check() {
    local name=$1 input=$2 mode=${3:-M}
    local n=$((${#input} + 1))
    local upper want delivered exits raised
    upper=$(printf '%s' "$input" | LC_ALL=C tr '[:lower:]' '[:upper:]') # ASCII, as the guest
    want=$(printf 'uartirq: waiting for input (%s-mode)\n%s\nuartirq: %d bytes, %d interrupts' \
        "$mode" "$upper" "$n" "$n")
    if [ "$rc" -ne 0 ]; then
        fail "$name" "exit status $rc, expected 0 ($(head -n 1 "$TMP/$name.err"))"
        return 1
    fi
    if [ "$(cat "$TMP/$name.out")" != "$want" ]; then
        fail "$name" "output '$(head -c 120 "$TMP/$name.out" | tr '\n' '|')'"
        return 1
    fi
    delivered=$(stat "$TMP/$name.json" irq.delivered)
    exits=$(stat "$TMP/$name.json" irq.delivery_exits)
    raised=$(stat "$TMP/$name.json" irq.raised)
    if [ "$delivered" != "$n" ] || [ "$exits" != $((3 + 2 * n)) ]; then
        fail "$name" "irq.delivered '$delivered' (want $n), irq.delivery_exits '$exits'" \
            "(want $((3 + 2 * n)))"
        return 1
    fi
    if [ -z "$raised" ] || [ "$raised" -lt 1 ] || [ "$raised" -gt "$n" ]; then
        fail "$name" "irq.raised '$raised', expected 1..$n"
        return 1
    fi
    pass "$name"
}

test_plic() {
    local elf=$GUESTS/uartirq.elf
    # 1. the bytes are in the pipe before the guest enables the interrupt: 4 bytes
    printf 'abc\n' | timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --stats "$TMP/plic-before.json" \
        "$elf" >"$TMP/plic-before.out" 2>"$TMP/plic-before.err"
    rc=$?
    uartirq_check plic-before abc

    # 2. the bytes arrive while the guest sleeps in wfi with no timer armed: the VMM
    # blocks on host input, and the guest executed at least one wfi before them
    (sleep 1; printf 'ab'; sleep 0.3; printf 'c\n') |
        timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --stats "$TMP/plic-after.json" \
            "$elf" >"$TMP/plic-after.out" 2>"$TMP/plic-after.err"
    rc=$?
    if uartirq_check plic-after abc; then
        local wfi
        wfi=$(stat "$TMP/plic-after.json" exits.wfi)
        if [ -n "$wfi" ] && [ "$wfi" -ge 1 ]; then
            pass plic-after-wfi
        else
            fail plic-after-wfi "exits.wfi = '$wfi', expected at least 1"
        fi
    fi

    # 3. more bytes than the UART's 16-byte FIFO holds: the console keeps the rest
    # until the guest makes room; still one claim per byte (40 + 1 = 41)
    local long='the quick brown fox jumps over a lazy pl'
    printf '%s\n' "$long" | timeout "$HOST_TIMEOUT" "$VMLAB" --quiet \
        --stats "$TMP/plic-long.json" "$elf" >"$TMP/plic-long.out" 2>"$TMP/plic-long.err"
    rc=$?
    uartirq_check plic-long "$long"

    # 4. the S-mode build: context 1 drives SEIP, delegated to S by mideleg; "hello\n" = 6
    printf 'hello\n' | timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --stats "$TMP/plic-smode.json" \
        "$GUESTS/uartirq-s.elf" >"$TMP/plic-smode.out" 2>"$TMP/plic-smode.err"
    rc=$?
    uartirq_check plic-smode hello S

    # 5. xv6's console set-up (uartirq-thre: IER = 3, IIR never read, so the UART names
    # THR empty for ever): after a completion the PLIC forwards nothing new until the UART
    # signals again (QEMU's gateway). Each claim takes a request latched by a signal while
    # the line is high: the IER write (1) and per byte its arrival, its RBR read and its
    # echo's THR write (3 each): at most 1 + 3 * 4 = 13 claims for "abc\n", at least the 4
    # bytes. A storm never ends: --max-insns 10000000 (the run needs about 10 thousand).
    printf 'abc\n' | timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --max-insns 10000000 \
        "$GUESTS/uartirq-thre.elf" >"$TMP/plic-thre.out" 2>"$TMP/plic-thre.err"
    rc=$?
    local claims
    claims=$(sed -n 's/^uartirq: 4 bytes, \([0-9]*\) interrupts$/\1/p' "$TMP/plic-thre.out")
    if [ "$rc" -eq 0 ] && grep -qx 'ABC' "$TMP/plic-thre.out" && [ -n "$claims" ] &&
        [ "$claims" -ge 4 ] && [ "$claims" -le 13 ]; then
        pass plic-thre
    else
        fail plic-thre "exit $rc, interrupts '$claims' (want 4..13):" \
            "$(tail -n 1 "$TMP/plic-thre.err")"
    fi

    # 6. no input at all (stdin at its end): nothing can wake the wfi, exit 3 with why
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet "$elf" >"$TMP/plic-none.out" \
        2>"$TMP/plic-none.err" </dev/null
    rc=$?
    if [ "$rc" -eq 3 ] && grep -q 'WFI.*nothing can wake it' "$TMP/plic-none.err"; then
        pass plic-no-input
    else
        fail plic-no-input "exit $rc, stderr '$(head -n 1 "$TMP/plic-none.err")'"
    fi
}
