# tests/guests/passthrough.sh - --io passthrough: a VF of the simulated SR-IOV
# block device (io/sriov.c, vm/passthrough.c) mapped into the guest, its DMA
# through the IOMMU. Sourced by tests/guests/run.sh after uboot.sh and
# virtio.sh (uses uboot_session, uboot_have, virtio_image, virtio_sector_head,
# VIRTIO_MD0/1, and run.sh's run, stat, pass, fail, skip, last_line, TMP, GUESTS).
# Course: I/O虚拟化 / 设备直通: the same unmodified driver as on the virtio
# path, but its register accesses no longer exit (io.passthrough.exits = 0);
# DMA is translated and confined by the IOMMU (iommu.*); SR-IOV lets two VMs
# share one device, each on its own slice.
# Spec: virtio 1.2 §4.2.2, §5.2; PCI-SIG SR-IOV 1.1 §1; RISC-V IOMMU 1.0 §3.3.
#
# Worked out by hand:
#  - guests/vfblk.c makes 46 register accesses (its header comment adds them
#    up: 27 to initialise, 3 per request x 5, 4 for the refused request).
#    Under --io virtio each is an MMIO exit: io.virtio.exits = 46, and the
#    same run under --io passthrough has exactly 46 fewer exits.mmio (its UART
#    output exits the same on both paths) and io.passthrough.reg_accesses = 46.
#  - cycles.modeled: an exit costs 1000 + 2000 (an MMIO exit), an in-place VF
#    register access 150 (vm/passthrough.c); everything else is the same
#    instructions, so virtio - passthrough = 46 x (3000 - 150) = 131100.
#  - a 1-sector request DMAs its header, its data and its status byte: three
#    separate DMAs, so at least 3 translations per request (one per DMA page),
#    before counting the rings (virtq's own DMA).
#  - vfblk's last request names a buffer at 0x7000_0000 (not the VM's RAM; in
#    vfblk-s an IOVA the first stage does not map): one iommu.faults, the
#    device goes to NEEDS_RESET (io.passthrough.errors = 1), nothing moves.
#  - two VMs, --vfs 2, a 64 KiB medium (128 sectors): S = 64, vm0 writes
#    medium sectors 0 and 63, vm1 (its sectors 0 and 63) medium 64 and 127;
#    vfblk marks sector s of its disk "vf" PATTERN ('0' + s mod 10): "vfA0",
#    "vfA3", "vfB0", "vfB3".

# pt_fail NAME WORDS...: run.sh's fail with the words of a long reason joined.
pt_fail() {
    local name=$1
    shift
    fail "$name" "$*"
}

# pt_head IMG SECTOR: the sector's first 4 bytes as text.
pt_head() {
    dd if="$1" bs=512 skip="$2" count=1 2>/dev/null | head -c 4
}

# U-Boot on --io passthrough, as virtio.sh runs it on --io virtio: found,
# read, written back to the file; the VF's registers never exit, and the
# same session on --io virtio makes as many exits as the VF saw accesses.
test_pt_uboot_rw() {
    local cpu tag img out json vjson
    for cpu in trap hw; do
        tag=pt-uboot-$cpu
        img=$TMP/$tag.img
        out=$TMP/$tag.out
        json=$TMP/$tag.json
        virtio_image "$TMP/$tag-virtio.img"
        virtio_uboot "$tag-virtio" "$cpu" "$TMP/$tag-virtio.img" --io virtio
        virtio_image "$img"
        virtio_uboot "$tag" "$cpu" "$img" --io passthrough
        vjson=$TMP/$tag-virtio.json
        local req acc problem
        req=$(stat "$json" io.passthrough.requests)
        acc=$(stat "$json" io.passthrough.reg_accesses)
        problem=$(virtio_rw_problem "$out" "$img")
        if [ "$rc" != 0 ]; then
            pt_fail "$tag" "exit $rc, want 0 (poweroff); last: $(tail -n 2 "$out" | tr '\n' ' ')"
        elif [ -n "$problem" ]; then
            pt_fail "$tag" "$problem"
        elif [ "$(stat "$json" io.passthrough.exits)" != 0 ] || [ -z "$acc" ] || [ "$acc" -lt 1 ]; then
            pt_fail "$tag" "io.passthrough.exits $(stat "$json" io.passthrough.exits), want 0;" \
                "reg_accesses '$acc'"
        elif [ "$(stat "$json" io.virtio.exits)" != 0 ] ||
            [ "$acc" != "$(stat "$vjson" io.virtio.exits)" ]; then
            pt_fail "$tag" "the VF saw $acc register accesses, the same session on --io virtio" \
                "exited $(stat "$vjson" io.virtio.exits) times for its device: want equal"
        elif [ "$req" -lt 2 ] || [ "$(stat "$json" io.passthrough.bytes)" -lt 1536 ] ||
            [ "$(stat "$json" io.passthrough.errors)" != 0 ] ||
            [ "$(stat "$json" iommu.faults)" != 0 ] ||
            [ "$(stat "$json" iommu.translations)" -lt $((3 * req)) ]; then
            pt_fail "$tag" "counters: requests $req, bytes $(stat "$json" io.passthrough.bytes)," \
                "errors $(stat "$json" io.passthrough.errors), iommu.faults" \
                "$(stat "$json" iommu.faults), translations $(stat "$json" iommu.translations)"
        else
            pass "$tag"
        fi
    done
}

# A reboot is the VF's function-level reset: U-Boot finds and reads it again afterwards.
test_pt_uboot_reboot() {
    local img=$TMP/pt-reboot.img out=$TMP/pt-uboot-reboot.out json=$TMP/pt-uboot-reboot.json
    virtio_image "$img"
    local cmds=$'\nvirtio scan\nvirtio read 0x84000000 0 1\nreset\n\nvirtio scan'
    cmds+=$'\nvirtio read 0x84000000 0 2\nmd.b 0x84000200 8\npoweroff'
    uboot_session pt-uboot-reboot "$cmds" -- --io passthrough --kernel "$UBOOT_SMODE" --disk "$img"
    if [ "$rc" != 0 ] || [ "$(stat "$json" vm.resets)" != 1 ] ||
        ! grep -q '2 blocks read: OK' "$out" || ! grep -q "^$VIRTIO_MD1" "$out"; then
        pt_fail pt-uboot-reboot "exit $rc, vm.resets $(stat "$json" vm.resets), or no read after it"
    elif [ "$(stat "$json" io.passthrough.errors)" != 0 ] ||
        [ "$(stat "$json" io.passthrough.exits)" != 0 ]; then
        pt_fail pt-uboot-reboot "errors $(stat "$json" io.passthrough.errors), exits" \
            "$(stat "$json" io.passthrough.exits)"
    else
        pass pt-uboot-reboot
    fi
}

# vfblk_run TAG IO IMG ARGS...: guests/vfblk-a on a fresh 64 KiB image.
vfblk_run() {
    local tag=$1 io=$2 img=$3
    shift 3
    rm -f "$img"
    truncate -s 64K "$img"
    run "$tag" --quiet --io "$io" --disk "$img" "$@" "$GUESTS/vfblk-a.elf"
}

# vfblk_accesses TAG: N of the guest's "vfblk-A: pass, capacity C sectors, N register accesses".
vfblk_accesses() {
    last_line "$1" | sed -n 's/^vfblk-.: pass, capacity [0-9]* sectors, \([0-9]*\) register accesses$/\1/p'
}

# One driver, two paths, exact numbers (worked out above).
test_pt_vfblk_exits() {
    vfblk_run pt-vfblk-virtio virtio "$TMP/pt-vfblk-virtio.img"
    local vrc=$rc vn vj=$TMP/pt-vfblk-virtio.json
    vn=$(vfblk_accesses pt-vfblk-virtio)
    vfblk_run pt-vfblk passthrough "$TMP/pt-vfblk.img"
    local n j=$TMP/pt-vfblk.json
    n=$(vfblk_accesses pt-vfblk)
    if [ "$vrc" != 0 ] || [ "$rc" != 0 ] || [ "$vn" != 46 ] || [ "$n" != 46 ]; then
        pt_fail pt-vfblk "exit $vrc / $rc, the guest counted '$vn' / '$n' accesses, want 46"
    elif [ "$(stat "$vj" io.virtio.exits)" != 46 ] ||
        [ "$(stat "$j" io.passthrough.reg_accesses)" != 46 ] ||
        [ "$(stat "$j" io.passthrough.exits)" != 0 ]; then
        pt_fail pt-vfblk "io.virtio.exits $(stat "$vj" io.virtio.exits), reg_accesses" \
            "$(stat "$j" io.passthrough.reg_accesses), io.passthrough.exits" \
            "$(stat "$j" io.passthrough.exits)"
    elif [ $(($(stat "$vj" exits.mmio) - $(stat "$j" exits.mmio))) != 46 ]; then
        pt_fail pt-vfblk "exits.mmio $(stat "$vj" exits.mmio) on virtio, $(stat "$j" exits.mmio)" \
            "on passthrough: want 46 fewer"
    elif [ $(($(stat "$vj" cycles.modeled) - $(stat "$j" cycles.modeled))) != 131100 ]; then
        pt_fail pt-vfblk "cycles.modeled $(stat "$vj" cycles.modeled) - $(stat "$j" cycles.modeled)," \
            "want 46 x (3000 - 150) = 131100"
    elif [ "$(stat "$j" io.passthrough.requests)" != 5 ] ||
        [ "$(stat "$j" io.passthrough.ioerrs)" != 1 ] ||
        [ "$(stat "$j" io.passthrough.errors)" != 1 ] || [ "$(stat "$j" iommu.faults)" != 1 ] ||
        [ "$(stat "$j" iommu.translations)" -lt 15 ]; then
        pt_fail pt-vfblk "requests $(stat "$j" io.passthrough.requests), ioerrs" \
            "$(stat "$j" io.passthrough.ioerrs), errors $(stat "$j" io.passthrough.errors)," \
            "iommu.faults $(stat "$j" iommu.faults), translations $(stat "$j" iommu.translations)"
    elif [ "$(pt_head "$TMP/pt-vfblk.img" 0)" != vfA0 ] ||
        [ "$(pt_head "$TMP/pt-vfblk.img" 127)" != vfA7 ]; then
        pt_fail pt-vfblk "the image does not hold vfA0 at sector 0 and vfA7 at 127"
    else
        pass pt-vfblk
    fi
    # the same accesses, none exiting, under every translation technique
    local mmu
    for mmu in nested shadow; do
        vfblk_run "pt-vfblk-$mmu" passthrough "$TMP/pt-vfblk-$mmu.img" --mmu "$mmu"
        j=$TMP/pt-vfblk-$mmu.json
        if [ "$rc" != 0 ] || [ "$(vfblk_accesses "pt-vfblk-$mmu")" != 46 ] ||
            [ "$(stat "$j" io.passthrough.reg_accesses)" != 46 ] ||
            [ "$(stat "$j" io.passthrough.exits)" != 0 ] ||
            [ "$(stat "$j" exits.mmio)" != "$(stat "$TMP/pt-vfblk.json" exits.mmio)" ]; then
            pt_fail "pt-vfblk-$mmu" "exit $rc, reg_accesses $(stat "$j" io.passthrough.reg_accesses)," \
                "exits.mmio $(stat "$j" exits.mmio) (native $(stat "$TMP/pt-vfblk.json" exits.mmio))"
        else
            pass "pt-vfblk-$mmu"
        fi
    done
    # a read-only medium: the first write is refused (IOERR: vfblk fails case 21), file untouched
    rm -f "$TMP/pt-ro.img"
    truncate -s 64K "$TMP/pt-ro.img"
    run pt-vfblk-ro --quiet --io passthrough --disk "$TMP/pt-ro.img,ro" "$GUESTS/vfblk-a.elf"
    if [ "$rc" != 1 ] || ! grep -q 'FAIL case 21' "$TMP/pt-vfblk-ro.out" ||
        ! cmp -s "$TMP/pt-ro.img" <(head -c 65536 /dev/zero); then
        pt_fail pt-vfblk-ro "exit $rc (want 1, case 21), or the read-only medium was written"
    else
        pass pt-vfblk-ro
    fi
}

# Two VMs, one VF each over one medium: each slice holds its own VM's pattern.
test_pt_two_vms() {
    local img=$TMP/pt-two.img j=$TMP/pt-two.json
    rm -f "$img"
    truncate -s 64K "$img"
    run pt-two --quiet --io passthrough --vfs 2 --disk "$img" \
        --vm "$GUESTS/vfblk-a.elf" --vm "$GUESTS/vfblk-b.elf"
    if [ "$rc" != 0 ] ||
        ! grep -q '^\[vm0\] vfblk-A: pass, capacity 64 sectors, 46 register accesses' \
            "$TMP/pt-two.out" ||
        ! grep -q '^\[vm1\] vfblk-B: pass, capacity 64 sectors, 46 register accesses' \
            "$TMP/pt-two.out"; then
        pt_fail pt-two-vms "exit $rc; $(tr '\n' ' ' <"$TMP/pt-two.out" | head -c 300)"
    elif [ "$(pt_head "$img" 0)" != vfA0 ] || [ "$(pt_head "$img" 63)" != vfA3 ] ||
        [ "$(pt_head "$img" 64)" != vfB0 ] || [ "$(pt_head "$img" 127)" != vfB3 ]; then
        pt_fail pt-two-vms "medium sectors 0/63/64/127 start $(pt_head "$img" 0)/$(pt_head "$img" 63)/" \
            "$(pt_head "$img" 64)/$(pt_head "$img" 127), want vfA0/vfA3/vfB0/vfB3"
    elif [ "$(stat "$j" vm0.io.sriov.vfs)" != 1 ] || [ "$(stat "$j" vm1.io.sriov.vfs)" != 1 ] ||
        [ "$(stat "$j" vm0.iommu.faults)" != 1 ] || [ "$(stat "$j" vm1.iommu.faults)" != 1 ] ||
        [ "$(stat "$j" io.passthrough.exits)" != 0 ] ||
        [ "$(stat "$j" io.passthrough.reg_accesses)" != 92 ]; then
        pt_fail pt-two-vms "vfs $(stat "$j" vm0.io.sriov.vfs)/$(stat "$j" vm1.io.sriov.vfs), faults" \
            "$(stat "$j" vm0.iommu.faults)/$(stat "$j" vm1.iommu.faults), exits" \
            "$(stat "$j" io.passthrough.exits), reg_accesses $(stat "$j" io.passthrough.reg_accesses)"
    else
        pass pt-two-vms
    fi
}

# The IOMMU's first stage, set by the guest's PV_IOMMU_SET_FS hypercall
# (guests/vfblk-s: an S-mode kernel on the VMM's SBI, its console by SBI too):
# every DMA address is an IOVA now; with the console off the UART and the
# device mapped into the guest, the whole run makes no MMIO exit at all.
test_pt_first_stage() {
    local cpu j
    for cpu in trap hw; do
        rm -f "$TMP/pt-fs-$cpu.img"
        truncate -s 64K "$TMP/pt-fs-$cpu.img"
        run "pt-fs-$cpu" --quiet --cpu "$cpu" --io passthrough --disk "$TMP/pt-fs-$cpu.img" \
            --kernel "$GUESTS/vfblk-s.elf"
        j=$TMP/pt-fs-$cpu.json
        if [ "$rc" != 0 ] || [ "$(vfblk_accesses "pt-fs-$cpu")" != 46 ]; then
            pt_fail "pt-first-stage-$cpu" "exit $rc, last line '$(last_line "pt-fs-$cpu")'"
        elif [ "$(stat "$j" exits.mmio)" != 0 ] || [ "$(stat "$j" iommu.faults)" != 1 ] ||
            [ "$(stat "$j" iommu.s1_accesses)" -lt 1 ] ||
            [ "$(pt_head "$TMP/pt-fs-$cpu.img" 0)" != vfS0 ]; then
            pt_fail "pt-first-stage-$cpu" "exits.mmio $(stat "$j" exits.mmio), iommu.faults" \
                "$(stat "$j" iommu.faults), s1_accesses $(stat "$j" iommu.s1_accesses)"
        else
            pass "pt-first-stage-$cpu"
        fi
    done
}

# pt_refused TAG WANT ARGS...: vmlab exits 2 with one line on stderr containing WANT.
pt_refused() {
    local tag=$1 want=$2
    shift 2
    run "$tag" --quiet "$@" "$GUESTS/hello.elf"
    if [ "$rc" != 2 ] || [ "$(wc -l <"$TMP/$tag.err")" != 1 ] || ! grep -q -- "$want" "$TMP/$tag.err"; then
        pt_fail "$tag" "exit $rc, stderr: $(head -c 200 "$TMP/$tag.err")"
    else
        pass "$tag"
    fi
}

test_pt_bad_input() {
    local img=$TMP/pt-bad.img tiny=$TMP/pt-tiny.img
    truncate -s 64K "$img"
    truncate -s 1024 "$tiny"
    pt_refused pt-vfs-0 'from 1 to 8' --io passthrough --vfs 0 --disk "$img"
    pt_refused pt-vfs-9 'from 1 to 8' --io passthrough --vfs 9 --disk "$img"
    pt_refused pt-vfs-abc 'from 1 to 8' --io passthrough --vfs abc --disk "$img"
    pt_refused pt-vfs-virtio '--vfs needs --io passthrough' --vfs 2 --disk "$img"
    pt_refused pt-vfs-tiny 'too small' --io passthrough --vfs 4 --disk "$tiny"
    pt_refused pt-two-disks 'one --disk' --io passthrough --disk "$img" --disk "$tiny"
    run pt-more-vms --quiet --io passthrough --vfs 1 --disk "$img" \
        --vm "$GUESTS/hello.elf" --vm "$GUESTS/hello.elf"
    if [ "$rc" != 2 ] || ! grep -q 'every VM needs its own VF' "$TMP/pt-more-vms.err"; then
        pt_fail pt-more-vms "exit $rc, stderr: $(head -c 200 "$TMP/pt-more-vms.err")"
    else
        pass pt-more-vms
    fi
    run pt-vm-disk --quiet --io passthrough --vm "$GUESTS/hello.elf,disk=$img"
    if [ "$rc" != 2 ] || ! grep -q 'give it once as --disk FILE' "$TMP/pt-vm-disk.err"; then
        pt_fail pt-vm-disk "exit $rc, stderr: $(head -c 200 "$TMP/pt-vm-disk.err")"
    else
        pass pt-vm-disk
    fi
}

test_passthrough() {
    test_pt_vfblk_exits
    test_pt_two_vms
    test_pt_first_stage
    test_pt_bad_input
    if ! uboot_have; then
        skip pt-uboot "Debian's opensbi and u-boot-qemu are not installed (scripts/install-deps.sh)"
        return
    fi
    test_pt_uboot_rw
    test_pt_uboot_reboot
}
