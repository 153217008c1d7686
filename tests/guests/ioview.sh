# tests/guests/ioview.sh - seeing I/O: the monitor's `info devices` and
# `vq dump` against Debian's U-Boot driving virtio-blk, `--trace io` lines
# against the io.* counters (virtio and eblk), io.requests as the sum of the
# paths, two disks as io.vda.* and io.vdb.*, and --virtio-legacy under U-Boot.
# Sourced by tests/guests/run.sh after uboot.sh and virtio.sh (uses
# prompt_session, uboot_session, uboot_have, virtio_image, VIRTIO_MD0, and
# run.sh's run, pass, fail, skip, stat, TMP, GUESTS).
# Course: I/O虚拟化 / 半虚拟化: the virtqueue in guest memory (描述符表, 可用环,
# 已用环) and the exits each path costs, seen from the VMM.
#
# Worked numbers. The image is virtio.sh's: 1 MiB = 1048576 / 512 = 2048
# sectors. U-Boot's virtio_blk makes one request per block read call, so
# `virtio read 0x84000000 0 2` is exactly one request: IN of 2 sectors,
# used length 2 x 512 + 1 status byte = 1025; the used idx after it is the
# one before it plus 1, and (the device serving every request it is given)
# equals io.vda.requests at both stops. eblktest's numbers are eblk.sh's:
# 65 register accesses, 8 commands.

# The U-Boot session with two monitor stops: Ctrl-A c typed in front of a
# command stops the guest before it reads that command, so stop 1 sees the
# state after `virtio scan`, stop 2 the state after `virtio read`.
# `trace io on` at stop 1 traces just the read: one request line, and register
# lines as many as io.vda.exits grew between the stops.
IOVIEW_MONITOR=$'continue\nvq dump\ninfo devices\ntrace io on\ncontinue\nvq dump 7 0\ninfo devices\ntrace io off\ncontinue\n'

# ioview_stop N FILE: the monitor output of stop N (1 or 2) of FILE.
ioview_stop() {
    awk -v n="$1" '/\(vmlab\) vq dump/ { k++ } k == n && !/\(vmlab\) continue/ { print }
        /\(vmlab\) continue/ && k == n { exit }' "$2"
}

# ioview_used_idx TEXT: the used ring's idx in a vq dump.
ioview_used_idx() {
    sed -n 's/^used ring: flags 0x[0-9a-f]* [A-Z_ ]*idx \([0-9]*\)$/\1/p' <<<"$1"
}

# ioview_vda_requests TEXT: io.vda's requests in an `info devices`.
ioview_vda_requests() {
    sed -n 's/^  io\.vda: requests \([0-9]*\) .*/\1/p' <<<"$1"
}

# ioview_vda_exits TEXT: io.vda's exits in an `info devices`.
ioview_vda_exits() {
    sed -n 's/^  io\.vda: .* exits \([0-9]*\) .*/\1/p' <<<"$1"
}

test_ioview_monitor() {
    local img=$TMP/ioview.img out=$TMP/ioview-mon.out
    virtio_image "$img"
    printf '%s' "$IOVIEW_MONITOR" >"$TMP/ioview.script"
    local cmds=$'\nvirtio scan\n\001cvirtio read 0x84000000 0 2\nmd.b 0x84000000 0x10\n\001cpoweroff'
    uboot_session ioview-mon "$cmds" -- --kernel "$UBOOT_SMODE" --disk "$img" \
        --monitor-script "$TMP/ioview.script"
    local s1 s2 u1 u2 r1 r2
    s1=$(ioview_stop 1 "$out")
    s2=$(ioview_stop 2 "$out")
    u1=$(ioview_used_idx "$s1")
    u2=$(ioview_used_idx "$s2")
    r1=$(ioview_vda_requests "$s1")
    r2=$(ioview_vda_requests "$s2")
    if [ "$rc" != 0 ] || ! grep -q "^$VIRTIO_MD0" "$out"; then
        fail ioview-monitor "exit $rc, or U-Boot's read did not show the marker"
    elif ! grep -q '^vda: virtio-mmio slot 7 at 0x10008000 IRQ 8: version 2, DeviceID 2 (block)$' \
        <<<"$s2" || ! grep -q 'disk 0: .*ioview.img, 2048 sectors (1048576 bytes): vda' <<<"$s2"; then
        fail ioview-monitor "info devices did not show slot 7, DeviceID 2 and 2048 sectors"
    elif ! grep -q '^  status 0x0e DRIVER DRIVER_OK FEATURES_OK$' <<<"$s2" ||
        ! grep -q '^  0x10008000-0x10008fff virtio-blk   IRQ 8 (slot 7)$' <<<"$s2"; then
        fail ioview-monitor "info devices: status bits or the slot's window missing"
    elif [ -z "$u1" ] || [ "$u1" != "$r1" ] || [ "$u2" != "$r2" ] || [ "$u2" != $((u1 + 1)) ]; then
        fail ioview-monitor "used idx $u1 -> $u2, io.vda.requests $r1 -> $r2 (want equal, +1)"
    elif ! grep -q "^device: last_avail_idx $u2 used_idx $u2 " <<<"$s2" ||
        ! grep -q "^  \[ *$((u2 - 1))\] ring\[ *[0-9]*\] = {id [0-9]*, len 1025}$" <<<"$s2"; then
        fail ioview-monitor "vq dump: the read's used entry {.., len 1025} or the indices missing"
    elif ! grep -q '^  \[ *[0-9]*\] addr 0x0000000084000000 len   1024 flags NEXT|WRITE ' <<<"$s2"; then
        fail ioview-monitor "vq dump: no descriptor for the 1024-byte buffer at 0x84000000"
    elif [ "$(stat "$TMP/ioview-mon.json" io.virtio.requests)" != "$r2" ]; then
        fail ioview-monitor "vq dump counted something: io.virtio.requests changed after stop 2"
    elif [ "$(grep -c '^io vda req ' "$TMP/ioview-mon.err")" != 1 ] ||
        ! grep -q '^io vda req IN type 0 sector 0 bytes 1024 status OK$' "$TMP/ioview-mon.err" ||
        [ "$(grep -c '^io vda [RW] ' "$TMP/ioview-mon.err")" != \
        $(($(ioview_vda_exits "$s2") - $(ioview_vda_exits "$s1"))) ]; then
        fail ioview-monitor "trace io on/off: not exactly the read's lines between the stops"
    else
        pass ioview-monitor
    fi
}

# --trace io under U-Boot: register lines = exits, request lines = requests,
# QueueNotify writes = kicks, the bytes of the request lines = io.virtio.bytes.
test_ioview_trace_virtio() {
    local img=$TMP/ioview-tr.img err=$TMP/ioview-trace.err json=$TMP/ioview-trace.json
    virtio_image "$img"
    uboot_session ioview-trace $'\nvirtio scan\nvirtio read 0x84000000 0 2\npoweroff' -- \
        --kernel "$UBOOT_SMODE" --disk "$img" --trace io
    local regs reqs kicks bytes
    regs=$(grep -c '^io vda [RW] ' "$err")
    reqs=$(grep -c '^io vda req ' "$err")
    kicks=$(grep -c '^io vda W QueueNotify ' "$err")
    bytes=$(awk '/^io vda req / { for (i = 1; i < NF; i++) if ($i == "bytes") sum += $(i + 1) }
        END { print sum + 0 }' "$err")
    if [ "$rc" != 0 ] || [ "$reqs" -lt 1 ]; then
        fail ioview-trace-virtio "exit $rc, $reqs request lines"
    elif [ "$regs" != "$(stat "$json" io.virtio.exits)" ] ||
        [ "$regs" != "$(stat "$json" io.vda.exits)" ] || [ "$regs" != "$(stat "$json" io.exits)" ]; then
        fail ioview-trace-virtio "$regs register lines, io.virtio.exits $(stat "$json" io.virtio.exits)"
    elif [ "$reqs" != "$(stat "$json" io.virtio.requests)" ] ||
        [ "$kicks" != "$(stat "$json" io.virtio.kicks)" ] ||
        [ "$bytes" != "$(stat "$json" io.virtio.bytes)" ]; then
        fail ioview-trace-virtio "lines: $reqs requests, $kicks kicks, $bytes bytes; counters differ"
    elif ! grep -q '^io vda req IN type 0 sector 0 bytes 1024 status OK$' "$err"; then
        fail ioview-trace-virtio "no line for the read of sectors 0-1 (1024 bytes)"
    else
        pass ioview-trace-virtio
    fi
}

# --trace io under --io emulated (eblktest): 65 register lines, 8 command
# lines; io.requests = io.eblk.requests + io.virtio.requests and the other totals.
test_ioview_trace_eblk() {
    local img=$TMP/ioview-eblk.img json=$TMP/ioview-eblk.json
    truncate -s 1M "$img"
    run ioview-eblk --quiet --io emulated --disk "$img" --trace io "$GUESTS/eblktest.elf"
    local regs reqs
    regs=$(grep -c '^io eblk [RW] ' "$TMP/ioview-eblk.err")
    reqs=$(grep -c '^io eblk req ' "$TMP/ioview-eblk.err")
    if [ "$rc" != 0 ] || [ "$regs" != 65 ] || [ "$reqs" != 8 ]; then
        fail ioview-trace-eblk "exit $rc, $regs register lines (want 65), $reqs commands (want 8)"
    elif [ "$(stat "$json" io.eblk.exits)" != 65 ] || [ "$(stat "$json" io.exits)" != 65 ] ||
        [ "$(stat "$json" io.requests)" != \
        $(($(stat "$json" io.eblk.requests) + $(stat "$json" io.virtio.requests))) ] ||
        [ "$(stat "$json" io.requests)" != 8 ] || [ "$(stat "$json" io.kicks)" != 8 ] ||
        [ "$(stat "$json" io.bytes)" != 274432 ] || [ "$(stat "$json" io.interrupts)" != 1 ]; then
        fail ioview-trace-eblk "io.* totals: requests $(stat "$json" io.requests), exits \
$(stat "$json" io.exits), kicks $(stat "$json" io.kicks), bytes $(stat "$json" io.bytes)"
    elif ! grep -q '^io eblk W COMMAND            +0x028 4 0x1$' "$TMP/ioview-eblk.err" ||
        [ "$(grep -c '^io eblk req .* status ERR ' "$TMP/ioview-eblk.err")" != 2 ]; then
        fail ioview-trace-eblk "no READ COMMAND line, or not 2 refused commands"
    else
        pass ioview-trace-eblk
    fi
}

# Two disks: vda in slot 7, vdb in slot 6; their counters add up to io.virtio.*.
test_ioview_two_disks() {
    local a=$TMP/ioview-a.img b=$TMP/ioview-b.img json=$TMP/ioview-two.json
    virtio_image "$a"
    virtio_image "$b"
    uboot_session ioview-two $'\nvirtio scan\nvirtio info\npoweroff' -- \
        --kernel "$UBOOT_SMODE" --disk "$a" --disk "$b"
    local va vb
    va=$(stat "$json" io.vda.requests)
    vb=$(stat "$json" io.vdb.requests)
    if [ "$rc" != 0 ] || [ -z "$va" ] || [ -z "$vb" ] || [ "$va" -lt 1 ] || [ "$vb" -lt 1 ]; then
        fail ioview-two-disks "exit $rc; io.vda.requests '$va', io.vdb.requests '$vb'"
    elif [ $((va + vb)) != "$(stat "$json" io.virtio.requests)" ] ||
        [ $(($(stat "$json" io.vda.exits) + $(stat "$json" io.vdb.exits))) != \
        "$(stat "$json" io.virtio.exits)" ] || [ -n "$(stat "$json" io.vdc.requests)" ]; then
        fail ioview-two-disks "io.vda + io.vdb do not add up to io.virtio (or io.vdc exists)"
    else
        pass ioview-two-disks
    fi
}

# --virtio-legacy: U-Boot's version-1 path finds the disk, reads it; the trace
# shows Version 1 and the queue placed by QueuePFN; no driver errors.
test_ioview_legacy() {
    local img=$TMP/ioview-legacy.img out=$TMP/ioview-legacy.out err=$TMP/ioview-legacy.err
    virtio_image "$img"
    local cmds=$'\nvirtio scan\nvirtio info\nvirtio read 0x84000000 0 2\nmd.b 0x84000000 0x10'
    uboot_session ioview-legacy "$cmds"$'\npoweroff' -- --kernel "$UBOOT_SMODE" --disk "$img" \
        --virtio-legacy --trace io
    if [ "$rc" != 0 ] || ! grep -q 'Capacity: .*(2048 x 512)' "$out" ||
        ! grep -q '2 blocks read: OK' "$out" || ! grep -q "^$VIRTIO_MD0" "$out"; then
        fail ioview-legacy "exit $rc; U-Boot did not find or read the legacy disk"
    elif ! grep -q '^io vda R Version            +0x004 4 0x1$' "$err" ||
        ! grep -q '^io vda W QueuePFN  *+0x040 4 0x[1-9a-f]' "$err" ||
        grep -q '^io vda W QueueReady' "$err"; then
        fail ioview-legacy "the trace does not show a version-1 bring-up (Version 1, QueuePFN)"
    elif [ "$(stat "$TMP/ioview-legacy.json" io.virtio.errors)" != 0 ] ||
        [ "$(stat "$TMP/ioview-legacy.json" io.virtio.requests)" -lt 1 ]; then
        fail ioview-legacy "io.virtio.errors $(stat "$TMP/ioview-legacy.json" io.virtio.errors)"
    else
        pass ioview-legacy
    fi
}

# The monitor before any driver ran (hello never touches the disk): the queue
# is not ready; wrong arguments answer with a line, never a crash; under
# --io emulated info devices shows eblk's window with IRQ 12.
test_ioview_monitor_bad() {
    local img=$TMP/ioview-bad.img out=$TMP/ioview-bad.out
    truncate -s 64K "$img"
    printf 'info devices\nvq dump\nvq dump vdb\nvq dump 3\nvq dump vda 9\nvq dump 7 x\nvq\ncontinue\n' \
        >"$TMP/ioview-bad.script"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --disk "$img,ro" --monitor-script "$TMP/ioview-bad.script" \
        "$GUESTS/hello.elf" >"$out" 2>&1 </dev/null
    rc=$?
    printf 'info devices\nvq dump\ncontinue\n' >"$TMP/ioview-bad2.script"
    timeout "$HOST_TIMEOUT" "$VMLAB" --quiet --io emulated --disk "$img" \
        --monitor-script "$TMP/ioview-bad2.script" "$GUESTS/hello.elf" >"$out.2" 2>&1 </dev/null
    local rc2=$?
    if [ "$rc" != 0 ] || [ "$rc2" != 0 ]; then
        fail ioview-monitor-bad "exit $rc / $rc2, want 0 (hello passes)"
    elif ! grep -q '^queue not ready: the driver has not set it up' "$out" ||
        ! grep -q '^  disk 0: .*ioview-bad.img, 128 sectors (65536 bytes), ro: vda' "$out"; then
        fail ioview-monitor-bad "no 'queue not ready', or the ro disk of 128 sectors not listed"
    elif [ "$(grep -c '^vq dump: no virtio device' "$out")" != 2 ] ||
        [ "$(grep -c '^vq dump: vda has no queue' "$out")" != 2 ] ||
        ! grep -q '^usage: vq dump' "$out"; then
        fail ioview-monitor-bad "bad vq dump arguments were not each answered with one line"
    elif ! grep -q '^  0x10010000-0x10010fff eblk         IRQ 12$' "$out.2" ||
        ! grep -q '^eblk: vmlab.s block controller at 0x10010000 IRQ 12' "$out.2" ||
        ! grep -q '^vq dump: no virtio device' "$out.2"; then
        fail ioview-monitor-bad "--io emulated: info devices without eblk's window, or vq dump"
    else
        pass ioview-monitor-bad
    fi
}

# The same two stops on --io passthrough: `info devices` shows the VF mapped
# into the guest (reg_accesses grow, exits stay 0), its slice of the medium
# (1 VF: all 2048 sectors) and its IOMMU context (Bare first stage, Sv39x4
# second stage); `vq dump vf` reads the queue through the IOMMU, and with a
# Bare first stage the read's buffer is at IOVA = GPA 0x84000000. As on
# virtio, the read is one request: used idx +1, equal to io.passthrough's
# requests at each stop, and dumping counts nothing (iommu.translations at
# the end = what stop 2 showed, plus the poweroff's zero DMAs).
IOVIEW_PT_MONITOR=$'continue\nvq dump vf\ninfo devices\ncontinue\nvq dump 7\ninfo devices\ncontinue\n'

# ioview_pt_field TEXT NAME: a number from `info devices`' io.passthrough or iommu line
ioview_pt_field() {
    awk -v name="$2" '$1 == "io.passthrough:" || $1 == "iommu:" {
        for (i = 2; i < NF; i++) if ($i == name) print $(i + 1) }' <<<"$1"
}

test_ioview_passthrough() {
    local img=$TMP/ioview-pt.img out=$TMP/ioview-pt.out
    virtio_image "$img"
    printf '%s' "$IOVIEW_PT_MONITOR" >"$TMP/ioview-pt.script"
    local cmds=$'\nvirtio scan\n\001cvirtio read 0x84000000 0 2\nmd.b 0x84000000 0x10\n\001cpoweroff'
    uboot_session ioview-pt "$cmds" -- --kernel "$UBOOT_SMODE" --io passthrough --disk "$img" \
        --monitor-script "$TMP/ioview-pt.script"
    local s1 s2 u1 u2 r1 r2 a1 a2 t2
    s1=$(ioview_stop 1 "$out")
    s2=$(ioview_stop 2 "$out")
    u1=$(ioview_used_idx "$s1")
    u2=$(ioview_used_idx "$s2")
    r1=$(ioview_pt_field "$s1" requests)
    r2=$(ioview_pt_field "$s2" requests)
    a1=$(ioview_pt_field "$s1" reg_accesses)
    a2=$(ioview_pt_field "$s2" reg_accesses)
    t2=$(ioview_pt_field "$s2" translations)
    if [ "$rc" != 0 ] || ! grep -q "^$VIRTIO_MD0" "$out"; then
        fail ioview-passthrough "exit $rc, or U-Boot's read did not show the marker"
    elif ! grep -q '^vf0: SR-IOV virtual function 0 of 1 .*slot 7 at 0x10008000 IRQ 8, mapped' \
        <<<"$s2" || ! grep -q '^  medium .*ioview-pt.img: sectors 0..2047 (2048 sectors)$' <<<"$s2"; then
        fail ioview-passthrough "info devices: no vf0 in slot 7 with all 2048 sectors"
    elif ! grep -q '^  IOMMU device 0: first stage Bare (IOVA = GPA); second stage Sv39x4' <<<"$s2"; then
        fail ioview-passthrough "info devices: the IOMMU context (Bare, Sv39x4) missing"
    elif [ -z "$a1" ] || [ "$a2" -le "$a1" ] || ! grep -q ' exits 0 kicks ' <<<"$s2"; then
        fail ioview-passthrough "reg_accesses $a1 -> $a2 (want growing) or exits not 0"
    elif [ -z "$u1" ] || [ "$u1" != "$r1" ] || [ "$u2" != "$r2" ] || [ "$u2" != $((u1 + 1)) ]; then
        fail ioview-passthrough "used idx $u1 -> $u2, requests $r1 -> $r2 (want equal, +1)"
    elif ! grep -q 'addresses are IOVAs' <<<"$s2" ||
        ! grep -q '^  \[ *[0-9]*\] addr 0x0000000084000000 len   1024 flags NEXT|WRITE ' <<<"$s2"; then
        fail ioview-passthrough "vq dump vf: no 1024-byte buffer at IOVA 0x84000000"
    elif [ "$(stat "$TMP/ioview-pt.json" iommu.translations)" != "$t2" ]; then
        fail ioview-passthrough "dumping counted: iommu.translations $t2 at stop 2, then $(stat \
            "$TMP/ioview-pt.json" iommu.translations)"
    else
        pass ioview-passthrough
    fi
}

# --trace io on the passthrough VF (blkkern, no U-Boot): the VF's register
# lines and request lines, which no exit brought to the VMM, add up to
# io.passthrough.reg_accesses and .requests - blkkern.sh works them out as
# 84 register accesses (the kernel counts its own) and 32 requests - while
# exits.mmio has none of them (io.passthrough.exits 0).
test_ioview_trace_passthrough() {
    local img=$TMP/ioview-trpt.img err=$TMP/ioview-trpt.err json=$TMP/ioview-trpt.json
    rm -f "$img"
    truncate -s 1M "$img"
    run ioview-trpt --quiet --io passthrough --disk "$img" --kernel "$GUESTS/blkkern.elf" \
        --trace io
    local regs reqs
    regs=$(grep -c '^io vf0 [RW] ' "$err")
    reqs=$(grep -c '^io vf0 req ' "$err")
    if [ "$rc" != 0 ] || [ "$regs" != 84 ] || [ "$regs" != "$(stat "$json" io.passthrough.reg_accesses)" ]; then
        fail ioview-trace-passthrough "exit $rc; $regs vf0 register lines, want 84 = reg_accesses"
    elif [ "$reqs" != 32 ] || [ "$reqs" != "$(stat "$json" io.passthrough.requests)" ]; then
        fail ioview-trace-passthrough "$reqs vf0 request lines, want 32 = io.passthrough.requests"
    elif [ "$(stat "$json" io.passthrough.exits)" != 0 ] || [ "$(stat "$json" io.exits)" != 0 ]; then
        fail ioview-trace-passthrough "tracing made the VF's accesses exit"
    else
        pass ioview-trace-passthrough
    fi
}

test_ioview() {
    test_ioview_monitor_bad
    test_ioview_trace_eblk
    test_ioview_trace_passthrough
    if ! uboot_have; then
        skip ioview "Debian's opensbi and u-boot-qemu are not installed (scripts/install-deps.sh)"
        return
    fi
    test_ioview_monitor
    test_ioview_trace_virtio
    test_ioview_two_disks
    test_ioview_legacy
    test_ioview_passthrough
}
