# tests/guests/blkkern.sh - guests/blkkern.c, our S-mode teaching kernel with a
# disk, on every --io path under --cpu trap and --cpu hw: the same driver code,
# the same requests, the same data; only the path (and so the exits) differs.
# Sourced by tests/guests/run.sh (uses its run, stat, pass, fail, skip,
# last_line, TMP, GUESTS).
# Course: I/O虚拟化 - 设备模拟 (eblk), 半虚拟化 (virtio), 设备直通 (passthrough);
# 中断虚拟化: every completion is a PLIC interrupt the kernel claims.
# Also: vmlab compare --io on it, and the same kernel on QEMU's virtio-blk
# where QEMU is installed (correctness only; timing lives in make bench).
#
# What blkkern does, worked from its source: 4 phases of 8 requests of 4 KiB
# (write sectors 0..63 at QD 1, read them back at QD 1, write 64..127 at QD 8,
# read them back at QD 8) = 32 requests, 32 x 4096 = 131072 bytes.
#
# virtio (slot 7, IRQ 8): the kernel's register accesses to the slot
#   scan: MagicValue, Version, DeviceID                                   3
#   init: Status x3, DeviceFeatures(Sel) x4, DriverFeatures(Sel) x4,
#         Status FEATURES_OK + read back, QueueSel, QueueNumMax, QueueReady,
#         QueueNum, 6 queue addresses, QueueReady = 1, capacity x2,
#         DRIVER_OK                  3 + 4 + 4 + 2 + 4 + 6 + 1 + 2 + 1 = 27
#   kicks: QD 1 one per request (8 + 8), QD 8 one per batch (1 + 1)      18
#   each interrupt: InterruptStatus + InterruptACK (vmlab serves a whole
#   batch in the kick's exit: one interrupt per kick)               2 x 18 = 36
#   total 3 + 27 + 18 + 36 = 84 = io.virtio.exits; io.virtio.kicks = 18,
#   io.virtio.interrupts = 18, io.virtio.requests = 32.
#   exits.mmio = 84 + the empty slots 0..6 scanned (3 reads each: 21) + the
#   PLIC's 3 set-up writes and a claim and a complete per interrupt (39) = 144.
# eblk (--io emulated): MAGIC probe 1, VERSION, CAPACITY x2, IRQ_ACK,
#   IRQ_ENABLE 5; each request SECTOR x2, COUNT, DMA x2, COMMAND, and in the
#   handler STATUS + IRQ_ACK = 8: 1 + 5 + 32 x 8 = 262 = io.eblk.exits;
#   io.eblk.requests = io.eblk.interrupts = 32.
# irq.delivered equals the kernel's own interrupt count (18 / 32): the disk is
# the only source it enables (sie.SEIE only, no timer), and each delivery is
# exactly one claim of the disk's source. irq.delivery_exits = 3 + 2 x that.
#
# The data: byte i of sector s written in pass g (1 here) is
#   i = 0..7: le64 (s << 8) | g;   i >= 8: (s + 3 i + 64 g) mod 256
# so sector 0 starts 01 00 00 00 00 00 00 00 58 5b 5e, sector 1 starts
# 01 01 00 00 00 00 00 00 59 5c, sector 127 starts 01 7f 00 00 00 00 00 00 d7 da
# (127 + 24 + 64 = 215 = 0xd7), the last byte of sector 0 is
# (0 + 1533 + 64) mod 256 = 0x3d, and sector 128 on stays zero.

BLKKERN_HEAD0='01 00 00 00 00 00 00 00 58 5b 5e'
BLKKERN_HEAD1='01 01 00 00 00 00 00 00 59 5c'
BLKKERN_HEAD127='01 7f 00 00 00 00 00 00 d7 da'

# blkkern_bytes IMG OFFSET COUNT: COUNT bytes from OFFSET in hex, one space apart.
blkkern_bytes() {
    od -An -tx1 -j "$2" -N "$3" "$1" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//'
}

# blkkern_expected: sectors 0..127 as the formula above gives them (awk, not the guest's C).
blkkern_expected() {
    LC_ALL=C awk 'BEGIN {
        for (s = 0; s < 128; s++) {
            tag = s * 256 + 1
            for (i = 0; i < 8; i++) { printf "%c", tag % 256; tag = int(tag / 256) }
            for (i = 8; i < 512; i++) printf "%c", (s + 3 * i + 64) % 256
        }
    }'
}

# blkkern_image_ok TAG IMG: the image holds the pattern in sectors 0..127, zero after.
blkkern_image_ok() {
    local img=$2
    if [ "$(blkkern_bytes "$img" 0 11)" != "$BLKKERN_HEAD0" ] ||
        [ "$(blkkern_bytes "$img" 512 10)" != "$BLKKERN_HEAD1" ] ||
        [ "$(blkkern_bytes "$img" $((127 * 512)) 10)" != "$BLKKERN_HEAD127" ] ||
        [ "$(blkkern_bytes "$img" 511 1)" != "3d" ]; then
        fail "$1" "hand-worked bytes differ: sector 0 '$(blkkern_bytes "$img" 0 11)'," \
            "sector 127 '$(blkkern_bytes "$img" $((127 * 512)) 10)'"
    elif ! cmp -s <(blkkern_expected) <(head -c 65536 "$img"); then
        fail "$1" "sectors 0..127 differ from the pattern:" \
            "$(cmp <(blkkern_expected) <(head -c 65536 "$img") 2>&1 | head -n 1)"
    elif ! cmp -s <(head -c $((1048576 - 65536)) /dev/zero) <(tail -c +65537 "$img"); then
        fail "$1" "something past sector 127 was written"
    else
        pass "$1"
    fi
}

# blkkern_pass_line TAG: "N K" from "blkkern: pass, 32 requests, N register accesses, K interrupts".
blkkern_pass_line() {
    local n='\([0-9]*\)'
    last_line "$1" |
        sed -n "s/^blkkern: pass, 32 requests, $n register accesses, $n interrupts\$/\1 \2/p"
}

# blkkern_fresh IMG: a 1 MiB zero image.
blkkern_fresh() {
    rm -f "$1"
    truncate -s 1M "$1"
}

# blkkern_counters TAG DEV ACCESSES IRQS: the hand-worked io.DEV.* and irq.* values.
blkkern_counters() {
    local tag=$1 dev=$2 want_acc=$3 want_irq=$4 json=$TMP/$1.json got
    got=$(blkkern_pass_line "$tag")
    local acc=${got% *} irqs=${got#* }
    local exits delivered dev_irqs requests bytes delivery_exits
    exits=$(stat "$json" "io.$dev.exits")
    delivered=$(stat "$json" irq.delivered)
    dev_irqs=$(stat "$json" "io.$dev.interrupts")
    requests=$(stat "$json" "io.$dev.requests")
    bytes=$(stat "$json" "io.$dev.bytes")
    delivery_exits=$(stat "$json" irq.delivery_exits)
    if [ "$rc" -ne 0 ] || [ -z "$got" ]; then
        fail "$tag" "exit $rc, last line '$(last_line "$tag")' ($(head -n 1 "$TMP/$tag.err"))"
    elif [ "$acc" != "$want_acc" ] || [ "$exits" != "$acc" ]; then
        fail "$tag" "kernel counted $acc register accesses (want $want_acc), io.$dev.exits $exits"
    elif [ "$irqs" != "$want_irq" ] || [ "$delivered" != "$irqs" ] || [ "$dev_irqs" != "$irqs" ]; then
        fail "$tag" "kernel took $irqs interrupts (want $want_irq), irq.delivered $delivered," \
            "io.$dev.interrupts $dev_irqs"
    elif [ "$requests" != 32 ] || [ "$bytes" != 131072 ]; then
        fail "$tag" "io.$dev.requests $requests (want 32), bytes $bytes (want 131072)"
    elif [ "$delivery_exits" != $((3 + 2 * want_irq)) ]; then
        fail "$tag" "irq.delivery_exits $delivery_exits, want $((3 + 2 * want_irq))"
    else
        return 0
    fi
    return 1
}

test_blkkern_virtio() {
    local cpu img
    for cpu in trap hw; do
        img=$TMP/blkkern-virtio-$cpu.img
        blkkern_fresh "$img"
        run "blkkern-virtio-$cpu" --quiet --io virtio --cpu "$cpu" --disk "$img" \
            --kernel "$GUESTS/blkkern.elf"
        if blkkern_counters "blkkern-virtio-$cpu" virtio 84 18; then
            local json=$TMP/blkkern-virtio-$cpu.json
            local kicks mmio
            kicks=$(stat "$json" io.virtio.kicks)
            mmio=$(stat "$json" exits.mmio)
            if [ "$kicks" != 18 ] || [ "$mmio" != 144 ]; then
                fail "blkkern-virtio-$cpu" "io.virtio.kicks $kicks (want 18), exits.mmio $mmio (want 144)"
            else
                pass "blkkern-virtio-$cpu"
            fi
        fi
        blkkern_image_ok "blkkern-virtio-$cpu-image" "$img"
    done
}

test_blkkern_emulated() {
    local cpu img
    for cpu in trap hw; do
        img=$TMP/blkkern-eblk-$cpu.img
        blkkern_fresh "$img"
        run "blkkern-eblk-$cpu" --quiet --io emulated --cpu "$cpu" --disk "$img" \
            --kernel "$GUESTS/blkkern.elf"
        if blkkern_counters "blkkern-eblk-$cpu" eblk 262 32; then
            pass "blkkern-eblk-$cpu"
        fi
        blkkern_image_ok "blkkern-eblk-$cpu-image" "$img"
    done
}

# passthrough: the VF sits at virtio's slot with virtio's registers, so the
# kernel counts the same 84 accesses and 18 interrupts - but none of the VF's
# accesses exits: exits.mmio is only the empty slots' 21 and the PLIC's 39.
test_blkkern_passthrough() {
    local cpu img tag
    for cpu in trap hw; do
        tag=blkkern-passthrough-$cpu
        img=$TMP/$tag.img
        blkkern_fresh "$img"
        run "$tag" --quiet --io passthrough --cpu "$cpu" --disk "$img" \
            --kernel "$GUESTS/blkkern.elf"
        if [ "$rc" -eq 2 ] && grep -q "passthrough is not implemented\|unknown.*passthrough" \
            "$TMP/$tag.err"; then
            skip "$tag" "$(head -n 1 "$TMP/$tag.err")"
            continue
        fi
        local got
        got=$(blkkern_pass_line "$tag")
        if [ "$rc" -ne 0 ] || [ "$got" != "84 18" ]; then
            fail "$tag" "exit $rc, last line '$(last_line "$tag")' ($(head -n 1 "$TMP/$tag.err"))"
        elif [ "$(stat "$TMP/$tag.json" exits.mmio)" != 60 ]; then
            fail "$tag" "exits.mmio $(stat "$TMP/$tag.json" exits.mmio), want 60" \
                "(21 empty-slot reads + 39 PLIC): a VF register access exited"
        else
            pass "$tag"
        fi
        blkkern_image_ok "$tag-image" "$img"
    done
}

# blkkern-verify writes nothing: it passes on what blkkern left, fails (exit 1)
# on a zero disk (all 128 sectors wrong) and on one corrupted byte (1 sector).
# Its pass line: 16 reads of 4 KiB at QD 8. virtio: 30 set-up accesses + 2
# kicks + 2 interrupts x 2 = 36, 2 interrupts; eblk: 6 + 16 x 8 = 134, 16.
test_blkkern_verify() {
    local img=$TMP/blkkern-verify.img io want verify=$GUESTS/blkkern-verify.elf
    for io in virtio emulated; do
        want="blkkern: pass, 16 requests, 36 register accesses, 2 interrupts"
        [ "$io" = virtio ] || want="blkkern: pass, 16 requests, 134 register accesses, 16 interrupts"
        blkkern_fresh "$img"
        run blkkern-verify-zero --quiet --io "$io" --disk "$img" --kernel "$verify"
        if [ "$rc" -ne 1 ] ||
            [ "$(last_line blkkern-verify-zero)" != "blkkern: FAIL, 128 sectors read back wrong" ]; then
            fail "blkkern-verify-zero-$io" "exit $rc (want 1), '$(last_line blkkern-verify-zero)'"
        elif ! cmp -s <(head -c 1048576 /dev/zero) "$img"; then
            fail "blkkern-verify-zero-$io" "the verify-only kernel wrote to the disk"
        else
            pass "blkkern-verify-zero-$io"
        fi
        run blkkern-verify-write --quiet --io "$io" --disk "$img" --kernel "$GUESTS/blkkern.elf"
        run blkkern-verify-good --quiet --io "$io" --disk "$img" --kernel "$verify"
        if [ "$rc" -ne 0 ] || [ "$(last_line blkkern-verify-good)" != "$want" ]; then
            fail "blkkern-verify-good-$io" "exit $rc, '$(last_line blkkern-verify-good)'"
        else
            pass "blkkern-verify-good-$io"
        fi
        # byte 300 of sector 100 (it holds (100 + 900 + 64) mod 256 = 0x28) set to 0xff
        printf '\xff' | dd of="$img" bs=1 seek=$((100 * 512 + 300)) conv=notrunc 2>/dev/null
        run blkkern-verify-bad --quiet --io "$io" --disk "$img" --kernel "$verify"
        if [ "$rc" -ne 1 ] ||
            [ "$(last_line blkkern-verify-bad)" != "blkkern: FAIL, 1 sectors read back wrong" ]; then
            fail "blkkern-verify-bad-$io" "exit $rc (want 1), '$(last_line blkkern-verify-bad)'"
        else
            pass "blkkern-verify-bad-$io"
        fi
    done
}

# blkkern_csv CSV LABEL COLUMN: one cell of compare's CSV (no field here holds a comma).
blkkern_csv() {
    awk -F, -v label="$2" -v name="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) { col[$i] = i }; next }
        $1 == label && (name in col) { print $(col[name]); exit }' "$1"
}

# vmlab compare --io: one row per path, each run on the image as ,snapshot (the file
# stays zero), io.requests = 32 on both paths that exist (the sum of io.<device>.requests:
# 0 + 32), cycles/req = cycles.modeled / 32 rounded, exits/req = exits.total / 32 with two
# decimals; passthrough is refused with vmlab's reason (or, after the merge, runs).
test_blkkern_compare() {
    local img=$TMP/blkkern-compare.img csv=$TMP/blkkern-compare.csv io bad=""
    blkkern_fresh "$img"
    timeout "$HOST_TIMEOUT" "$VMLAB" compare --kernel "$GUESTS/blkkern.elf" --disk "$img" \
        --io emulated,virtio,passthrough --csv "$csv" \
        >"$TMP/blkkern-compare.out" 2>"$TMP/blkkern-compare.err" </dev/null
    rc=$?
    for io in emulated virtio; do
        run "blkkern-compare-$io" --quiet --io "$io" --disk "$img,snapshot" \
            --kernel "$GUESTS/blkkern.elf"
        local json=$TMP/blkkern-compare-$io.json
        local cycles exits
        cycles=$(awk -v c="$(stat "$json" cycles.modeled)" 'BEGIN { printf "%.0f", c / 32 }')
        exits=$(awk -v e="$(stat "$json" exits.total)" 'BEGIN { printf "%.2f", e / 32 }')
        [ "$(blkkern_csv "$csv" "io=$io" io.requests)" = 32 ] || bad="$bad $io:io.requests"
        [ "$(blkkern_csv "$csv" "io=$io" cycles/req)" = "$cycles" ] || bad="$bad $io:cycles/req"
        [ "$(blkkern_csv "$csv" "io=$io" exits/req)" = "$exits" ] || bad="$bad $io:exits/req"
    done
    if [ "$rc" -ne 0 ]; then
        fail blkkern-compare "exit $rc: $(head -n 1 "$TMP/blkkern-compare.err")"
    elif [ -n "$bad" ]; then
        fail blkkern-compare "cells differ from the plain runs:$bad"
    elif ! grep -Eq '^io=passthrough +(refused: |[0-9])' "$TMP/blkkern-compare.out"; then
        fail blkkern-compare "the passthrough row is neither 'refused: ...' nor counters"
    elif ! grep -q '^note: io.requests and io.exits are the sums' "$TMP/blkkern-compare.out" &&
        ! grep -q '"io.requests"' "$TMP/blkkern-compare-virtio.json"; then
        fail blkkern-compare "no note that io.requests is a sum"
    elif ! cmp -s <(head -c 1048576 /dev/zero) "$img"; then
        fail blkkern-compare "a run wrote to the image (compare --io must use ,snapshot)"
    else
        pass blkkern-compare
    fi
}

# The same kernel on QEMU's virtio-blk (modern virtio-mmio, OpenSBI): a second,
# independent device for the driver; the image must come out the same.
test_blkkern_qemu() {
    local img=$TMP/blkkern-qemu.img out=$TMP/blkkern-qemu.out
    if ! command -v qemu-system-riscv64 >/dev/null 2>&1; then
        skip blkkern-qemu "qemu-system-riscv64 not installed"
        return
    fi
    blkkern_fresh "$img"
    timeout "$HOST_TIMEOUT" qemu-system-riscv64 -M virt -nographic -bios default \
        -global virtio-mmio.force-legacy=false -kernel "$GUESTS/blkkern.elf" \
        -drive "file=$img,if=none,format=raw,id=d" -device virtio-blk-device,drive=d \
        </dev/null >"$out" 2>&1
    rc=$?
    if [ "$rc" -ne 0 ] && grep -q "Unable to load the RISC-V firmware" "$out"; then
        skip blkkern-qemu "QEMU has no default firmware (OpenSBI): $(head -n 1 "$out")"
        return
    fi
    if [ "$rc" -ne 0 ] || ! grep -q '^blkkern: pass, 32 requests, 84 register accesses, ' "$out"; then
        fail blkkern-qemu "exit $rc, '$(grep '^blkkern' "$out" | tail -n 1 | tr -d '\r')'"
    else
        pass blkkern-qemu
    fi
    blkkern_image_ok blkkern-qemu-image "$img"
}

test_blkkern() {
    test_blkkern_virtio
    test_blkkern_emulated
    test_blkkern_passthrough
    test_blkkern_verify
    test_blkkern_compare
    test_blkkern_qemu
}
