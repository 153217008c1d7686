# tests/guests/multivm.sh - several VMs on one physical CPU (--vm), sourced by
# tests/guests/run.sh (uses its run, stat, pass, fail helpers and $TMP).
# Course: 处理器虚拟化 / VCPU调度 (round-robin turns of --slice instructions);
# 内存虚拟化 (one host memory, VMs kept apart only by the translations; TLB
# entries tagged with the VMID instead of a flush on every VM switch).
# Spec: Privileged 20211203 §8.2.10 "hgatp" (VMID).

# Two guests together behave as each does alone: both pass (exit 0), every
# output line carries its VM's prefix and, without it, is the guest's own
# output; each VM retires what it retires alone, and `insns` is the sum.
test_multivm_two() {
    run mv-hello --quiet "$GUESTS/hello.elf"
    run mv-selftest --quiet "$GUESTS/selftest.elf"
    run mv-two --quiet --vm "$GUESTS/hello.elf" --vm "$GUESTS/selftest.elf"
    local h s i0 i1 all
    h=$(stat "$TMP/mv-hello.json" insns)
    s=$(stat "$TMP/mv-selftest.json" insns)
    i0=$(stat "$TMP/mv-two.json" vm0.insns)
    i1=$(stat "$TMP/mv-two.json" vm1.insns)
    all=$(stat "$TMP/mv-two.json" insns)
    if [ "$rc" != 0 ]; then
        fail multivm-two "exit status $rc, expected 0 (stderr: $(head -c 200 "$TMP/mv-two.err"))"
    elif grep -qv '^\[vm[01]\] ' "$TMP/mv-two.out"; then
        fail multivm-two "a line without [vm0]/[vm1]: \
$(grep -v '^\[vm[01]\] ' "$TMP/mv-two.out" | head -n 1)"
    elif ! diff <(sed -n 's/^\[vm0\] //p' "$TMP/mv-two.out") "$TMP/mv-hello.out" >/dev/null ||
        ! diff <(sed -n 's/^\[vm1\] //p' "$TMP/mv-two.out") "$TMP/mv-selftest.out" >/dev/null; then
        fail multivm-two "a VM's lines differ from its output alone"
    elif [ -z "$h" ] || [ "$i0" != "$h" ] || [ "$i1" != "$s" ]; then
        fail multivm-two "vm0.insns $i0 / vm1.insns $i1, alone $h / $s"
    elif [ "$all" != "$((h + s))" ]; then
        fail multivm-two "insns $all, not $h + $s"
    else
        pass multivm-two
    fi
}

# One --vm is today's run: the same output and the same counters, nothing more.
test_multivm_one() {
    run mv-one-plain --quiet "$GUESTS/hello.elf"
    run mv-one-vm --quiet --vm "$GUESTS/hello.elf"
    if [ "$rc" != 0 ] || ! cmp -s "$TMP/mv-one-plain.out" "$TMP/mv-one-vm.out" ||
        ! cmp -s "$TMP/mv-one-plain.json" "$TMP/mv-one-vm.json"; then
        fail multivm-one "one --vm differs from IMAGE (exit $rc)"
    else
        pass multivm-one
    fi
}

# Isolation (guests/isolate.c): each VM fills all its RAM after its image
# with its own mark, spins while the other runs (--slice 10000: hundreds of
# turns each), finds every word intact and faults on loads and stores below
# RAM and at RAM's end. Under native, nested and shadow; --mmu direct runs
# paravirtual guests only: its isolation test, where the guest names host
# frames itself, is test_direct_isolation in tests/guests/direct.sh.
test_multivm_isolation() {
    local mmu
    for mmu in native nested shadow; do
        run "mv-iso-$mmu" --quiet --mmu "$mmu" --slice 10000 \
            --vm "$GUESTS/isolate-a.elf,m=8M" --vm "$GUESTS/isolate-b.elf,m=8M"
        if [ "$rc" != 0 ]; then
            fail "multivm-isolation-$mmu" \
                "exit status $rc: $(grep -i fail "$TMP/mv-iso-$mmu.out" | head -n 1)"
        elif ! grep -qx '\[vm0\] isolate-a: pass' "$TMP/mv-iso-$mmu.out" ||
            ! grep -qx '\[vm1\] isolate-b: pass' "$TMP/mv-iso-$mmu.out"; then
            fail "multivm-isolation-$mmu" "not both passed: $(tr '\n' ' ' <"$TMP/mv-iso-$mmu.out")"
        else
            pass "multivm-isolation-$mmu"
        fi
    done
}

# --vmid off flushes the whole TLB at every VM switch; --vmid on keeps each
# VM's entries (VMID-tagged). Two paging guests, --slice 5000. The working of
# the flushes: a VM of N insns has T = ceil(N / 5000) turns; the turns go
# vm0 vm1 vm0 vm1 ..., so vm0's turn k >= 2 follows vm1's turn k - 1 and
# vm1's turn k follows vm0's turn k: vm0 is switched to min(T0 - 1, T1)
# times, vm1 min(T1, T0) times. Each switch is one more tlb.flushes of the
# incoming VM with --vmid off; insns are the same either way.
test_multivm_vmid() {
    local slice=5000 v
    for v in on off; do
        run "mv-vmid-$v" --quiet --vmid "$v" --slice "$slice" \
            --vm "$GUESTS/paging.elf" --vm "$GUESTS/paging.elf"
        if [ "$rc" != 0 ]; then
            fail multivm-vmid "--vmid $v: exit status $rc"
            return
        fi
    done
    local on="$TMP/mv-vmid-on.json" off="$TMP/mv-vmid-off.json"
    local n0 n1 t0 t1 want0 want1 f0 f1
    n0=$(stat "$on" vm0.insns)
    n1=$(stat "$on" vm1.insns)
    t0=$(((n0 + slice - 1) / slice))
    t1=$(((n1 + slice - 1) / slice))
    want0=$((t0 - 1 < t1 ? t0 - 1 : t1))
    want1=$((t1 < t0 ? t1 : t0))
    f0=$(($(stat "$off" vm0.tlb.flushes) - $(stat "$on" vm0.tlb.flushes)))
    f1=$(($(stat "$off" vm1.tlb.flushes) - $(stat "$on" vm1.tlb.flushes)))
    if [ "$(stat "$off" vm0.insns)" != "$n0" ] || [ "$(stat "$off" vm1.insns)" != "$n1" ]; then
        fail multivm-vmid "insns differ between --vmid on and off"
    elif [ "$f0" != "$want0" ] || [ "$f1" != "$want1" ]; then
        fail multivm-vmid "extra flushes vm0 $f0 vm1 $f1, want $want0 $want1 (T = $t0, $t1)"
    elif [ "$(stat "$off" tlb.misses)" -le "$(stat "$on" tlb.misses)" ]; then
        fail multivm-vmid \
            "tlb.misses $(stat "$off" tlb.misses) off, not above $(stat "$on" tlb.misses) on"
    else
        pass multivm-vmid
    fi
}

# expect_usage NAME ARGS...: exit 2, one line on stderr, nothing on stdout.
expect_usage() {
    local name=$1
    shift
    run "$name" "$@"
    if [ "$rc" != 2 ]; then
        fail "$name" "exit status $rc, expected 2"
    elif [ "$(wc -l <"$TMP/$name.err")" != 1 ] || [ -s "$TMP/$name.out" ]; then
        fail "$name" "not one line on stderr: $(head -c 200 "$TMP/$name.err")"
    else
        pass "$name"
    fi
}

test_multivm_bad() {
    expect_usage multivm-bad-key --vm "$GUESTS/hello.elf,colour=red" --vm "$GUESTS/hello.elf"
    expect_usage multivm-bad-size --vm "$GUESTS/hello.elf,m=3M" --vm "$GUESTS/hello.elf"
    expect_usage multivm-missing-image --vm "$GUESTS/hello.elf" --vm "$TMP/no-such-image.elf"
    # a VM's disk= names a file that is not there (tests/guests/disk.sh tests good ones)
    expect_usage multivm-disk-missing --vm "$GUESTS/hello.elf,disk=$TMP/no-such-disk.img"
    expect_usage multivm-and-image --vm "$GUESTS/hello.elf" "$GUESTS/hello.elf"
}

# run_typed TAG INPUT ARGS...: run with INPUT (printf-style escapes: \001 is
# Ctrl-A) as stdin through a pipe; output in $TMP/TAG.{out,err}; sets rc.
run_typed() {
    local tag=$1 input=$2
    shift 2
    # shellcheck disable=SC2059 # the input is the format: \001 becomes Ctrl-A
    printf "$input" | timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --timeout 30 "$@" \
        >"$TMP/$tag.out" 2>"$TMP/$tag.err"
    rc=$?
}

# vm_lines TAG N: vmN's console lines of run TAG, without the "[vmN] " prefix.
vm_lines() {
    sed -n "s/^\[vm$2\] //p" "$TMP/$1.out"
}

# Ctrl-A n (DESIGN.md "The user's surfaces": stdin feeds vm0 and Ctrl-A n
# cycles). Two echo guests (guests/echo.c: prints "echo: type a line",
# reads one line from its UART, prints "echo: you typed '<line>'", exits 0).
# Input "a\n", Ctrl-A n, "b\n": "a\n" goes to vm0's UART, the escape moves
# the input to vm1 and says so on stderr, "b\n" goes to vm1's UART. So vm0
# prints "echo: type a line" then "echo: you typed 'a'", vm1 the same with
# 'b'; stderr is the one line "[vmlab: console input -> vm1]"; both pass.
test_multivm_ctrl_a_n() {
    local want_a want_b
    want_a=$'echo: type a line\necho: you typed \'a\''
    want_b=$'echo: type a line\necho: you typed \'b\''
    run_typed mv-ctrlan 'a\n\001nb\n' --vm "$GUESTS/echo.elf" --vm "$GUESTS/echo.elf"
    if [ "$rc" != 0 ]; then
        fail multivm-ctrl-a-n \
            "exit status $rc, expected 0 (stderr: $(head -c 200 "$TMP/mv-ctrlan.err"))"
    elif grep -qv '^\[vm[01]\] ' "$TMP/mv-ctrlan.out"; then
        fail multivm-ctrl-a-n "a line without [vm0]/[vm1]: \
$(grep -v '^\[vm[01]\] ' "$TMP/mv-ctrlan.out" | head -n 1)"
    elif [ "$(vm_lines mv-ctrlan 0)" != "$want_a" ] ||
        [ "$(vm_lines mv-ctrlan 1)" != "$want_b" ]; then
        fail multivm-ctrl-a-n "vm0/vm1 lines: $(tr '\n' '|' <"$TMP/mv-ctrlan.out")"
    elif [ "$(cat "$TMP/mv-ctrlan.err")" != '[vmlab: console input -> vm1]' ]; then
        fail multivm-ctrl-a-n \
            "stderr is not the one switch line: $(head -c 200 "$TMP/mv-ctrlan.err")"
    else
        pass multivm-ctrl-a-n
    fi
}

# Ctrl-A n cycles and wraps: three echo guests, input ^An ^An "c\n" ^An
# "a\n" ^An "b\n". The input goes vm0 -> vm1 -> vm2 ("c\n" to vm2) -> vm0
# ("a\n" to vm0, the wrap) -> vm1 ("b\n" to vm1). So vm0 types 'a', vm1 'b',
# vm2 'c', and stderr has four lines: -> vm1, -> vm2, -> vm0, -> vm1.
test_multivm_ctrl_a_n_wrap() {
    local want_err
    want_err=$'[vmlab: console input -> vm1]\n[vmlab: console input -> vm2]\n'
    want_err+=$'[vmlab: console input -> vm0]\n[vmlab: console input -> vm1]'
    run_typed mv-ctrlan3 '\001n\001nc\n\001na\n\001nb\n' \
        --vm "$GUESTS/echo.elf" --vm "$GUESTS/echo.elf" --vm "$GUESTS/echo.elf"
    if [ "$rc" != 0 ]; then
        fail multivm-ctrl-a-n-wrap "exit status $rc, expected 0"
    elif [ "$(vm_lines mv-ctrlan3 0 | tail -n 1)" != "echo: you typed 'a'" ] ||
        [ "$(vm_lines mv-ctrlan3 1 | tail -n 1)" != "echo: you typed 'b'" ] ||
        [ "$(vm_lines mv-ctrlan3 2 | tail -n 1)" != "echo: you typed 'c'" ]; then
        fail multivm-ctrl-a-n-wrap "not a/b/c on vm0/vm1/vm2: $(tr '\n' '|' <"$TMP/mv-ctrlan3.out")"
    elif [ "$(cat "$TMP/mv-ctrlan3.err")" != "$want_err" ]; then
        fail multivm-ctrl-a-n-wrap "switch lines: $(tr '\n' '|' <"$TMP/mv-ctrlan3.err")"
    else
        pass multivm-ctrl-a-n-wrap
    fi
}

# With one VM, Ctrl-A n says so and changes nothing: input ^An "ab\n" to one
# echo guest prints exactly what "ab\n" alone prints (no prefix: one VM), and
# stderr is the one line "[vmlab: one VM: console input stays on vm0]".
test_multivm_ctrl_a_n_one() {
    run_typed mv-ctrlan1 '\001nab\n' "$GUESTS/echo.elf"
    if [ "$rc" != 0 ]; then
        fail multivm-ctrl-a-n-one "exit status $rc, expected 0"
    elif [ "$(cat "$TMP/mv-ctrlan1.out")" != $'echo: type a line\necho: you typed \'ab\'' ]; then
        fail multivm-ctrl-a-n-one "output: $(tr '\n' '|' <"$TMP/mv-ctrlan1.out")"
    elif [ "$(cat "$TMP/mv-ctrlan1.err")" != '[vmlab: one VM: console input stays on vm0]' ]; then
        fail multivm-ctrl-a-n-one "stderr: $(head -c 200 "$TMP/mv-ctrlan1.err")"
    else
        pass multivm-ctrl-a-n-one
    fi
}

# The same two-VM session on a terminal: script(1) gives vmlab a pty (raw
# mode, so Ctrl-A is live and Enter is a carriage return, which the echo
# guest also takes as the end of its line); stdout and stderr both reach the
# pty, "\n" as "\r\n". The keys come after a second, once raw mode is on.
test_multivm_ctrl_a_n_tty() {
    if ! command -v script >/dev/null 2>&1; then
        skip multivm-ctrl-a-n-tty "script(1) (bsdutils) is not installed"
        return
    fi
    { sleep 1; printf 'a\r\001nb\r'; sleep 2; } | timeout "$HOST_TIMEOUT" script -qfec \
        "$VMLAB --quiet --timeout 30 --vm $GUESTS/echo.elf --vm $GUESTS/echo.elf" /dev/null \
        >"$TMP/mv-ctrlan-tty.out" 2>&1
    rc=$?
    local out="$TMP/mv-ctrlan-tty.out"
    if [ "$rc" != 0 ]; then
        fail multivm-ctrl-a-n-tty "exit status $rc on a terminal, expected 0"
    elif ! tr -d '\r' <"$out" | grep -qx "\[vm0\] echo: you typed 'a'" ||
        ! tr -d '\r' <"$out" | grep -qx "\[vm1\] echo: you typed 'b'" ||
        ! tr -d '\r' <"$out" | grep -qx '\[vmlab: console input -> vm1\]'; then
        fail multivm-ctrl-a-n-tty "output: $(tr -d '\r' <"$out" | tr '\n' '|' | head -c 300)"
    else
        pass multivm-ctrl-a-n-tty
    fi
}

test_multivm() {
    test_multivm_two
    test_multivm_ctrl_a_n
    test_multivm_ctrl_a_n_wrap
    test_multivm_ctrl_a_n_one
    test_multivm_ctrl_a_n_tty
    test_multivm_one
    test_multivm_isolation
    test_multivm_vmid
    test_multivm_bad
}
