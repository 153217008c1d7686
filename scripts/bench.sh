#!/bin/bash
# scripts/bench.sh - `make bench`: guest MIPS of vmlab on the compute and paging
# guests (median of RUNS runs, all counters on), and where qemu-system-riscv64
# is installed, QEMU TCG on the same guest binaries in the same run, as a
# wall-time ratio (vmlab MIPS / QEMU MIPS, both from vmlab's exact count);
# the memory lab under each --mmu, firmware boot times, and the disk
# benchmark on each --io path (the last section).
#
# It also checks that vmlab's `insns` counter equals the guest's own
# rdinstret: the compute guest reads instret before and after its work and
# prints the difference; the monitor stops at both reads and prints `insns`.
#
# Timing lives here, never in tests: the machine is shared and noisy, so
# compare ratios measured in one run, and quote medians.
#   VMLAB=build/vmlab GUESTS=build/guests RUNS=3 scripts/bench.sh
set -euo pipefail

VMLAB=${VMLAB:-build/vmlab}
GUESTS=${GUESTS:-build/guests}
RUNS=${RUNS:-3}
QEMU=${QEMU:-qemu-system-riscv64}
OBJDUMP=${OBJDUMP:-riscv64-unknown-elf-objdump}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# median of the numbers on stdin
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# wall seconds of one command, stdin from /dev/null (so the VMM never paces to a terminal)
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" </dev/null >/dev/null 2>&1 || true
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

stat_value() { # FILE NAME
    sed -n "s/^ *\"$2\": \([0-9]*\),\{0,1\}$/\1/p" "$1"
}

have_qemu=0
if command -v "$QEMU" >/dev/null 2>&1; then
    have_qemu=1
else
    echo "bench: $QEMU not installed (scripts/install-deps.sh --with-qemu); vmlab only"
fi

printf '%-12s %12s %10s %9s %10s %9s %8s\n' guest insns vmlab_s vmlab_MIPS qemu_s qemu_MIPS ratio
for guest in compute paging-long; do
    elf="$GUESTS/$guest.elf"
    if [ ! -f "$elf" ]; then
        echo "bench: $elf missing (make guests)"
        continue
    fi
    "$VMLAB" --quiet --stats "$TMP/$guest.json" "$elf" </dev/null >/dev/null
    insns=$(stat_value "$TMP/$guest.json" insns)
    vm_s=$(for _ in $(seq "$RUNS"); do seconds "$VMLAB" --quiet "$elf"; done | median)
    vm_mips=$(awk -v n="$insns" -v s="$vm_s" 'BEGIN { print n / s / 1e6 }')
    if [ $have_qemu = 1 ]; then
        q_s=$(for _ in $(seq "$RUNS"); do
            seconds timeout 600 "$QEMU" -M virt -bios none -nographic -kernel "$elf"
        done | median)
        q_mips=$(awk -v n="$insns" -v s="$q_s" 'BEGIN { print n / s / 1e6 }')
        ratio=$(awk -v a="$vm_mips" -v b="$q_mips" 'BEGIN { print a / b }')
        printf '%-12s %12d %10.3f %9.1f %10.3f %9.1f %8.3f\n' "$guest" "$insns" "$vm_s" \
            "$vm_mips" "$q_s" "$q_mips" "$ratio"
    else
        printf '%-12s %12d %10.3f %9.1f %10s %9s %8s\n' "$guest" "$insns" "$vm_s" "$vm_mips" - - -
    fi
done
echo "(median of $RUNS runs each; ratio = vmlab MIPS / QEMU TCG MIPS; target >= 0.2 on compute)"

# insns == the guest's own rdinstret delta: main's first `csrrs rd,instret,zero`
# (before the work) and its last (after it; gcc also copies the read onto a
# failure path in between, which a passing run never takes)
elf="$GUESTS/compute-short.elf"
mapfile -t reads < <("$OBJDUMP" -d -M no-aliases "$elf" | awk '/<main>:/,/^$/' |
    awk '/csrrs.*instret,zero/ { sub(":", "", $1); print "0x" $1 }')
if [ "${#reads[@]}" -lt 2 ]; then
    echo "bench: FAIL cannot find the instret reads in $elf"
    exit 1
fi
printf 'break %s\ncontinue\ninfo stats\ndelete\nbreak %s\ncontinue\ninfo stats\ndelete\ncontinue\n' \
    "${reads[0]}" "${reads[-1]}" >"$TMP/script"
"$VMLAB" --quiet --monitor-script "$TMP/script" "$elf" </dev/null >"$TMP/out" 2>&1 || true
mapfile -t at < <(sed -n 's/^ *insns *\([0-9]*\)$/\1/p' "$TMP/out")
guest_delta=$(sed -n 's/.*instret \([0-9]*\).*/\1/p' "$TMP/out")
if [ "${#at[@]}" -ne 2 ] || [ -z "$guest_delta" ]; then
    echo "bench: FAIL the monitor run did not stop at both instret reads"
    cat "$TMP/out"
    exit 1
fi
vm_delta=$((at[1] - at[0]))
if [ "$vm_delta" -eq "$guest_delta" ]; then
    echo "bench: insns counter matches the guest's rdinstret: $vm_delta = $guest_delta"
else
    echo "bench: FAIL insns between the reads is $vm_delta, the guest's rdinstret says $guest_delta"
    exit 1
fi

# DESIGN.md "Time": on a terminal, virtual time never runs ahead of wall time.
# spin with --max-insns 100000000 is 10^8 / 10 = 10^7 ticks = 1 s of virtual
# time: on a pseudo-terminal (script(1)) it must take at least 1 s of wall
# time; from /dev/null it runs flat out. A lower bound only: sleeping can't
# finish early, however noisy the machine.
if command -v script >/dev/null 2>&1; then
    tty_s=$(seconds script -qec "$VMLAB --quiet --max-insns 100000000 $GUESTS/spin.elf" /dev/null)
    pipe_s=$(seconds "$VMLAB" --quiet --max-insns 100000000 "$GUESTS/spin.elf")
    if awk -v t="$tty_s" 'BEGIN { exit !(t >= 1.0) }'; then
        echo "bench: pacing: 1 s of virtual time took $tty_s s on a terminal, $pipe_s s from a pipe"
    else
        echo "bench: FAIL pacing: 1 s of virtual time took only $tty_s s on a terminal"
        exit 1
    fi
fi

# Memory virtualization (issue 4): the memory lab's guest under native,
# shadow and nested, as MIPS ratios to native in this run. The 64 MiB
# patterns touch one word per 4 KiB page in random and in strided order
# (16384 pages: every touch a TLB miss; under nested a cold 2-D walk and a
# stage-2 fault the first time, under shadow a hidden fault and a pt_write);
# memlab-hot stays on 8 pages (TLB-friendly). Target: shadow and nested at
# >= 0.7x native on the 64 MiB patterns, counters exact (tests check those).
MMUS=${MMUS:-native shadow nested}
printf '\n%-18s %-8s %12s %9s %9s %14s %8s\n' guest mmu insns seconds MIPS walk.accesses "x native"
for guest in memlab-64m-rand memlab-64m-stride memlab-hot; do
    elf="$GUESTS/$guest.elf"
    [ -f "$elf" ] || { echo "bench: $elf missing (make guests)"; continue; }
    native_mips=
    for mmu in $MMUS; do
        "$VMLAB" --quiet --mmu "$mmu" --stats "$TMP/m.json" "$elf" </dev/null >/dev/null
        insns=$(stat_value "$TMP/m.json" insns)
        walks=$(stat_value "$TMP/m.json" walk.accesses)
        s=$(for _ in $(seq "$RUNS"); do seconds "$VMLAB" --quiet --mmu "$mmu" "$elf"; done | median)
        mips=$(awk -v n="$insns" -v s="$s" 'BEGIN { print n / s / 1e6 }')
        native_mips=${native_mips:-$mips}
        ratio=$(awk -v a="$mips" -v b="$native_mips" 'BEGIN { print a / b }')
        printf '%-18s %-8s %12d %9.3f %9.1f %14d %8.2f\n' "$guest" "$mmu" "$insns" "$s" "$mips" \
            "$walks" "$ratio"
    done
done

# Real firmware (issue 5): wall time from start to U-Boot's "Hit any key to
# stop autoboot" (the prompt's doorstep), for Debian's OpenSBI + U-Boot and
# M-mode U-Boot alone, beside QEMU TCG on the same binaries in the same run.
# Target: no slower than QEMU.
OPENSBI_JUMP=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf
UBOOT_S=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
UBOOT_M=/usr/lib/u-boot/qemu-riscv64/u-boot.bin

# seconds until PATTERN appears in the output of the command (killed then; 60 s at most)
seconds_to() {
    local pattern=$1 start now out=$TMP/to.out fifo=$TMP/to.in
    shift
    rm -f "$fifo" && mkfifo "$fifo"
    start=$(date +%s.%N)
    "$@" <"$fifo" >"$out" 2>&1 &
    local pid=$!
    exec 4>"$fifo"
    for _ in $(seq 6000); do
        if grep -q "$pattern" "$out" 2>/dev/null || ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.01
    done
    now=$(date +%s.%N)
    kill "$pid" 2>/dev/null
    exec 4>&-
    wait "$pid" 2>/dev/null
    grep -q "$pattern" "$out" || { echo "bench: '$pattern' never came from: $*" >&2; echo 999; return; }
    awk -v a="$start" -v b="$now" 'BEGIN { printf "%.3f\n", b - a }'
}

if [ -f "$OPENSBI_JUMP" ] && [ -f "$UBOOT_S" ] && [ -f "$UBOOT_M" ]; then
    printf '\n%-24s %-8s %10s %10s %8s\n' chain cpu vmlab_s qemu_s ratio
    # vmm-sbi+uboot: the VMM answers SBI itself; QEMU has no such mode, so its column is
    # its own default firmware (OpenSBI) with the same U-Boot
    for chain in opensbi+uboot vmm-sbi+uboot vmm-sbi+uboot/hw uboot-mmode; do
        cpu=trap
        case $chain in
        opensbi+uboot)
            vm_args=(--bios "$OPENSBI_JUMP" --kernel "$UBOOT_S")
            q_args=(-bios "$OPENSBI_JUMP" -kernel "$UBOOT_S")
            ;;
        vmm-sbi+uboot)
            vm_args=(--kernel "$UBOOT_S")
            q_args=(-kernel "$UBOOT_S")
            ;;
        vmm-sbi+uboot/hw)
            cpu=hw
            vm_args=(--cpu hw --kernel "$UBOOT_S")
            q_args=(-kernel "$UBOOT_S")
            ;;
        *)
            vm_args=(--bios "$UBOOT_M")
            q_args=(-bios "$UBOOT_M")
            ;;
        esac
        vm_s=$(for _ in $(seq "$RUNS"); do
            seconds_to 'stop autoboot' "$VMLAB" --quiet "${vm_args[@]}"
        done | median)
        q_s=-
        ratio=-
        if [ $have_qemu = 1 ]; then
            q_s=$(for _ in $(seq "$RUNS"); do
                seconds_to 'stop autoboot' "$QEMU" -M virt -nographic "${q_args[@]}"
            done | median)
            ratio=$(awk -v v="$vm_s" -v q="$q_s" 'BEGIN { printf "%.2f", q / v }')
        fi
        printf '%-24s %-8s %10s %10s %8s\n' "${chain%/hw}" "$cpu" "$vm_s" "$q_s" "$ratio"
    done
    echo "(seconds to U-Boot's autoboot prompt, median of $RUNS; ratio = QEMU time / vmlab time,"
    echo " >= 1 means vmlab is no slower; target >= 1)"
else
    echo "bench: opensbi / u-boot-qemu not installed: no firmware timings"
fi

# I/O virtualization (issue 6): guests/blkkern-bench-4k-qd8 - 4 KiB requests,
# sequential and random (xorshift-shuffled) writes and reads, every byte read
# checked, 8 requests in flight on virtio and passthrough (eblk takes one at a
# time), 8 rounds - on each --io path, a fresh image per run. Per path, median
# of RUNS: cycles.modeled per request, exits per request (exits.total, and the
# disk's own register exits), and wall-clock requests per second, twice: over
# the whole vmlab process, and over the I/O alone as the guest times it with
# the time CSR under --clock host (real time; no start-up). Requests come from
# io.requests (the total over the VM's block devices). Targets: virtio <= 1/5 of emulated's cycles per request
# at QD >= 8; passthrough with no disk register exits; and, where QEMU is
# installed, vmlab's virtio within 2x of QEMU's virtio-blk wall-clock
# throughput on the same guest and image (QEMU's virtio-mmio is made modern
# with -global virtio-mmio.force-legacy=false: the guest drives version 2).
DISK_GUEST=$GUESTS/blkkern-bench-4k-qd8.elf

# io_total FILE WHAT: io.WHAT, the VM's total over its block devices
io_total() {
    stat_value "$1" "io.$2"
}

# guest_rate OUT: requests per second of the guest's own timing line (10 MHz time CSR)
guest_rate() {
    sed -n 's/^blkkern: \([0-9]*\) requests in \([0-9]*\) ticks of the time CSR.*/\1 \2/p' "$1" |
        awk '$2 > 0 { printf "%.0f\n", $1 / ($2 / 1e7) }'
}

if [ -f "$DISK_GUEST" ]; then
    printf '\n%-12s %9s %11s %10s %13s %12s %12s\n' path requests cycles/req exits/req \
        io.exits/req req/s-proc req/s-guest
    declare -A cyc_per_req=()
    for io in emulated virtio passthrough; do
        : >"$TMP/cyc" && : >"$TMP/exr" && : >"$TMP/ior" && : >"$TMP/rps" && : >"$TMP/grs"
        refused=
        for _ in $(seq "$RUNS"); do
            rm -f "$TMP/d.img" && truncate -s 8M "$TMP/d.img"
            start=$(date +%s.%N)
            rc=0
            "$VMLAB" --quiet --clock host --io "$io" --stats "$TMP/io.json" --disk "$TMP/d.img" \
                --kernel "$DISK_GUEST" </dev/null >"$TMP/io.out" 2>"$TMP/io.err" || rc=$?
            end=$(date +%s.%N)
            if [ "$rc" -ne 0 ]; then
                refused="exit $rc: $(grep -v 'own block controller' "$TMP/io.err" | head -n 1)"
                break
            fi
            req=$(io_total "$TMP/io.json" requests)
            awk -v c="$(stat_value "$TMP/io.json" cycles.modeled)" -v r="$req" \
                'BEGIN { printf "%.1f\n", c / r }' >>"$TMP/cyc"
            awk -v e="$(stat_value "$TMP/io.json" exits.total)" -v r="$req" \
                'BEGIN { printf "%.3f\n", e / r }' >>"$TMP/exr"
            awk -v e="$(io_total "$TMP/io.json" exits)" -v r="$req" \
                'BEGIN { printf "%.3f\n", e / r }' >>"$TMP/ior"
            awk -v a="$start" -v b="$end" -v r="$req" 'BEGIN { printf "%.0f\n", r / (b - a) }' \
                >>"$TMP/rps"
            guest_rate "$TMP/io.out" >>"$TMP/grs"
        done
        if [ -n "$refused" ]; then
            printf '%-12s %s\n' "$io" "$refused"
            continue
        fi
        cyc_per_req[$io]=$(median <"$TMP/cyc")
        printf '%-12s %9s %11s %10s %13s %12s %12s\n' "$io" "$req" "${cyc_per_req[$io]}" \
            "$(median <"$TMP/exr")" "$(median <"$TMP/ior")" "$(median <"$TMP/rps")" \
            "$(median <"$TMP/grs")"
        if [ "$io" = virtio ]; then
            vmlab_virtio_rate=$(median <"$TMP/grs")
        fi
    done
    echo "(median of $RUNS runs of $(basename "$DISK_GUEST"); req/s-proc: over the vmlab process;"
    echo " req/s-guest: over the I/O alone, as the guest times it under --clock host)"
    if [ -n "${cyc_per_req[emulated]:-}" ] && [ -n "${cyc_per_req[virtio]:-}" ]; then
        ratio=$(awk -v v="${cyc_per_req[virtio]}" -v e="${cyc_per_req[emulated]}" \
            'BEGIN { printf "%.3f", v / e }')
        verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 0.2) ? "met" : "NOT met" }')
        echo "target: virtio <= 1/5 of emulated's cycles per request at QD >= 8 (QD 8):" \
            "measured ratio $ratio ($verdict)"
    fi
    if [ -n "${cyc_per_req[passthrough]:-}" ]; then
        echo "target: passthrough with 0 disk register exits: io.exits/req $(median <"$TMP/ior")"
        order=$(awk -v e="${cyc_per_req[emulated]:-0}" -v v="${cyc_per_req[virtio]:-0}" \
            -v p="${cyc_per_req[passthrough]}" \
            'BEGIN { print (e > v && v > p) ? "met" : "NOT met" }')
        echo "target: cycles/req emulated > virtio > passthrough (the lecture's order): $order"
    else
        echo "passthrough: not measured (vmlab refused it above); its targets wait for it"
    fi
    if [ $have_qemu = 1 ] && [ -n "${vmlab_virtio_rate:-}" ]; then
        : >"$TMP/qrs"
        for _ in $(seq "$RUNS"); do
            rm -f "$TMP/d.img" && truncate -s 8M "$TMP/d.img"
            timeout 600 "$QEMU" -M virt -nographic -bios default \
                -global virtio-mmio.force-legacy=false -kernel "$DISK_GUEST" \
                -drive "file=$TMP/d.img,if=none,format=raw,id=d" -device virtio-blk-device,drive=d \
                </dev/null >"$TMP/q.out" 2>&1 || true
            guest_rate "$TMP/q.out" >>"$TMP/qrs"
        done
        q_rate=$(median <"$TMP/qrs")
        if [ -n "$q_rate" ]; then
            ratio=$(awk -v v="$vmlab_virtio_rate" -v q="$q_rate" 'BEGIN { printf "%.2f", v / q }')
            verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.5) ? "met" : "NOT met" }')
            echo "QEMU virtio-blk (TCG, OpenSBI): $q_rate req/s-guest; vmlab virtio / QEMU =" \
                "$ratio (target >= 0.5, within 2x: $verdict)"
        else
            echo "bench: QEMU did not finish the disk benchmark: $(tail -n 1 "$TMP/q.out")"
        fi
    fi
else
    echo "bench: $DISK_GUEST missing (make guests): no disk benchmark"
fi
