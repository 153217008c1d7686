# tests/guests/virtio.sh - --io virtio (the default with --disk): virtio-blk
# served by the VMM behind QEMU virt's virtio-mmio slot, driven by an
# unmodified guest driver, Debian's U-Boot (S-mode, --kernel, the VMM's SBI).
# Sourced by tests/guests/run.sh after tests/guests/uboot.sh (uses its
# uboot_session and uboot_have, and run.sh's pass, fail, skip, stat, TMP).
# Course: I/O虚拟化 / 半虚拟化 (virtio): the guest's own virtio driver finds the
# device, negotiates, sets up a virtqueue and kicks; the VMM serves the
# requests on the kick (io.virtio.kicks) from the raw image.
# Spec: virtio 1.2 §4.2.2 (virtio-mmio), §5.2 (block device).
#
# The image (1 MiB = 2048 sectors of 512 bytes, all zero) holds two markers:
#   sector 0 starts "VMLABVIO-sector0": 56 4d 4c 41 42 56 49 4f 2d 73 65 63 74 6f 72 30
#   sector 1 starts "sector1!":         73 65 63 74 6f 72 31 21
# U-Boot's `virtio info` must say 2048 x 512; `virtio read 0x84000000 0 2`
# puts sector 0 at 0x8400_0000 and sector 1 at 0x8400_0200; `virtio write
# 0x84000000 7 1` copies sector 0 to sector 7 of the file (read-write disk),
# or is refused (read-only disk: the device's IOERR, U-Boot says ERROR).

VIRTIO_MD0='84000000: 56 4d 4c 41 42 56 49 4f 2d 73 65 63 74 6f 72 30'
VIRTIO_MD1='84000200: 73 65 63 74 6f 72 31 21'

# virtio_image FILE: the 1 MiB image with the two markers.
virtio_image() {
    rm -f "$1"
    printf 'VMLABVIO-sector0' >"$1"
    truncate -s 512 "$1"
    printf 'sector1!' >>"$1"
    truncate -s 1M "$1"
}

# virtio_sector_head FILE SECTOR: the sector's first 16 bytes as text.
virtio_sector_head() {
    dd if="$1" bs=512 skip="$2" count=1 2>/dev/null | head -c 16
}

# virtio_uboot TAG CPU DISKSPEC [VMLAB-ARGS...]: the session; output in $TMP/TAG.out.
virtio_uboot() {
    local tag=$1 cpu=$2 disk=$3
    shift 3
    local cmds=$'\nvirtio scan\nvirtio info\nvirtio read 0x84000000 0 2\nmd.b 0x84000000 0x10'
    cmds+=$'\nmd.b 0x84000200 8\nvirtio write 0x84000000 7 1\npoweroff'
    uboot_session "$tag" "$cmds" -- --cpu "$cpu" --kernel "$UBOOT_SMODE" --disk "$disk" "$@"
}

# virtio_rw_problem OUT IMG: what a virtio_uboot session on a read-write IMG got
# wrong, from its output OUT and the file (nothing when all is right): the
# capacity, both markers read, sector 0 written back to sector 7.
virtio_rw_problem() {
    if ! grep -q 'Capacity: .*(2048 x 512)' "$1"; then
        echo "virtio info did not show 2048 x 512"
    elif ! grep -q '2 blocks read: OK' "$1" || ! grep -q "^$VIRTIO_MD0" "$1" ||
        ! grep -q "^$VIRTIO_MD1" "$1"; then
        echo "virtio read + md.b did not show the image's markers"
    elif ! grep -q '1 blocks written: OK' "$1" ||
        [ "$(virtio_sector_head "$2" 7)" != 'VMLABVIO-sector0' ]; then
        echo "virtio write did not reach sector 7 of the file"
    fi
}

# Read-write disk under each CPU model: found, read, written back to the file.
test_virtio_uboot_rw() {
    local cpu tag img out
    for cpu in trap hw; do
        tag=virtio-uboot-$cpu
        img=$TMP/$tag.img
        out=$TMP/$tag.out
        virtio_image "$img"
        virtio_uboot "$tag" "$cpu" "$img"
        local problem
        problem=$(virtio_rw_problem "$out" "$img")
        if [ "$rc" != 0 ]; then
            fail "$tag" "exit $rc, want 0 (poweroff); last: $(tail -n 2 "$out" | tr '\n' ' ')"
        elif [ -n "$problem" ]; then
            fail "$tag" "$problem"
        elif [ "$(stat "$TMP/$tag.json" io.virtio.requests)" -lt 2 ] ||
            [ "$(stat "$TMP/$tag.json" io.virtio.bytes)" -lt 1536 ] ||
            [ "$(stat "$TMP/$tag.json" io.virtio.kicks)" -lt 1 ] ||
            [ "$(stat "$TMP/$tag.json" io.virtio.errors)" != 0 ]; then
            # at least the read (1024 bytes) and the write (512): 1536
            local why="counters: requests $(stat "$TMP/$tag.json" io.virtio.requests),"
            why+=" bytes $(stat "$TMP/$tag.json" io.virtio.bytes),"
            fail "$tag" "$why errors $(stat "$TMP/$tag.json" io.virtio.errors)"
        else
            pass "$tag"
        fi
    done
}

# ,ro: reads work, the write is refused (IOERR: U-Boot says ERROR), the file unchanged.
test_virtio_uboot_ro() {
    local img=$TMP/virtio-ro.img out=$TMP/virtio-uboot-ro.out
    virtio_image "$img"
    virtio_uboot virtio-uboot-ro trap "$img,ro"
    if [ "$rc" != 0 ] || ! grep -q "^$VIRTIO_MD0" "$out"; then
        fail virtio-uboot-ro "exit $rc, or the read-only disk could not be read"
    elif ! grep -q 'blocks written: ERROR' "$out" ||
        [ "$(virtio_sector_head "$img" 7 | tr -d '\0')" != '' ]; then
        fail virtio-uboot-ro "the write to a read-only disk was not refused"
    else
        pass virtio-uboot-ro
    fi
}

# A FAT image made here (needs dosfstools): U-Boot writes a file and lists it,
# and the host's fsck.fat finds the file system it left consistent.
test_virtio_uboot_fat() {
    if ! command -v mkfs.vfat >/dev/null 2>&1; then
        skip virtio-uboot-fat "mkfs.vfat (dosfstools) is not installed"
        return
    fi
    local img=$TMP/virtio-fat.img out=$TMP/virtio-uboot-fat.out
    rm -f "$img"
    mkfs.vfat -C "$img" 4096 >/dev/null 2>&1
    local cmds=$'\nvirtio scan\nfatwrite virtio 0 0x80200000 vmlab.bin 0x200\nfatls virtio 0'
    cmds+=$'\nls virtio 0\nload virtio 0 0x84000000 vmlab.bin\ncmp.b 0x80200000 0x84000000 0x200'
    uboot_session virtio-uboot-fat "$cmds"$'\npoweroff' -- --kernel "$UBOOT_SMODE" --disk "$img"
    if [ "$rc" != 0 ] || ! grep -q '512 bytes written' "$out" ||
        ! grep -q '512 *vmlab.bin' "$out"; then
        fail virtio-uboot-fat "exit $rc; fatwrite or fatls did not show vmlab.bin (512 bytes)"
    elif ! grep -q '^512 bytes read' "$out" || ! grep -q 'Total of 512 byte(s) were the same' "$out"; then
        # load reads the 512 bytes back; cmp.b compares them with what fatwrite wrote
        fail virtio-uboot-fat "load of vmlab.bin did not read back the 512 bytes fatwrite wrote"
    elif ! fsck.fat -n "$img" >"$TMP/virtio-fsck.out" 2>&1 ||
        ! grep -q '1 files' "$TMP/virtio-fsck.out"; then
        fail virtio-uboot-fat "fsck.fat -n on the host: $(tail -n 1 "$TMP/virtio-fsck.out")"
    else
        pass virtio-uboot-fat
    fi
}

# `ls` and `load` on a file system the host made, ext2 (mke2fs -d puts a file
# in it, needs e2fsprogs) and FAT (the file fatwrite left): U-Boot lists the
# file with its size and loads it, and `md.b` shows its first bytes. The file
# is 1000 bytes: "vmlab-ext2-file\n" (16 bytes) then 984 'x's, so `ls` says
# 1000 and the first 16 bytes dumped are the marker.
test_virtio_uboot_ls_load() {
    if ! command -v mke2fs >/dev/null 2>&1; then
        skip virtio-uboot-ext2 "mke2fs (e2fsprogs) is not installed"
        return
    fi
    local dir=$TMP/ext2-root img=$TMP/virtio-ext2.img out=$TMP/virtio-uboot-ext2.out
    mkdir -p "$dir"
    { printf 'vmlab-ext2-file\n'; head -c 984 /dev/zero | tr '\0' x; } >"$dir/hello.txt"
    rm -f "$img"
    mke2fs -q -t ext2 -d "$dir" "$img" 4096 >/dev/null 2>&1
    local cmds=$'\nvirtio scan\nls virtio 0\nload virtio 0 0x84000000 hello.txt\nmd.b 0x84000000 0x10'
    uboot_session virtio-uboot-ext2 "$cmds"$'\npoweroff' -- --kernel "$UBOOT_SMODE" --disk "$img"
    if [ "$rc" != 0 ] || ! grep -q '^ *1000 *hello.txt' "$out"; then
        fail virtio-uboot-ext2 "exit $rc; ls virtio 0 did not list hello.txt with 1000 bytes"
    elif ! grep -q '^1000 bytes read' "$out" ||
        ! grep -q '^84000000: 76 6d 6c 61 62 2d 65 78 74 32 2d 66 69 6c 65 0a' "$out"; then
        # "vmlab-ext2-file\n" in hex: 76 6d 6c 61 62 2d 65 78 74 32 2d 66 69 6c 65 0a
        fail virtio-uboot-ext2 "load did not read 1000 bytes, or md.b did not show the marker"
    else
        pass virtio-uboot-ext2
    fi
}

# --disk FILE,slot=0 (QEMU's bus=virtio-mmio-bus.0, where xv6 looks): U-Boot's md.l sees
# MagicValue "virt" = 0x74726976, Version 2 and DeviceID 2 (block) at 0x1000_1000, slot 7
# (0x1000_8000, the default place) is empty (DeviceID 0), and the disk reads there.
test_virtio_uboot_slot() {
    local img=$TMP/virtio-slot.img out=$TMP/virtio-uboot-slot.out
    virtio_image "$img"
    local cmds=$'\nmd.l 0x10001000 3\nmd.l 0x10008008 1\nvirtio scan\nvirtio read 0x84000000 0 1'
    cmds+=$'\nmd.b 0x84000000 0x10\npoweroff'
    uboot_session virtio-uboot-slot "$cmds" -- --kernel "$UBOOT_SMODE" --disk "$img,slot=0"
    if [ "$rc" != 0 ] || ! grep -q '^10001000: 74726976 00000002 00000002' "$out" ||
        ! grep -q '^10008008: 00000000' "$out"; then
        fail virtio-uboot-slot "exit $rc; md.l did not show virtio-blk at slot 0, slot 7 empty"
    elif ! grep -q "^$VIRTIO_MD0" "$out"; then
        fail virtio-uboot-slot "virtio read from slot 0 did not show sector 0's marker"
    else
        pass virtio-uboot-slot
    fi
}

# Two disks asking for one slot, or a slot outside 0..7: exit 2 with a line naming it.
test_virtio_slot_bad() {
    local img=$TMP/virtio-slot-bad.img
    virtio_image "$img"
    run virtio-slot-clash --disk "$img,slot=3" --disk "$img,slot=3,ro" "$GUESTS/hello.elf"
    if [ "$rc" != 2 ] || ! grep -q 'slot=3 is taken' "$TMP/virtio-slot-clash.err"; then
        fail virtio-slot-clash "exit $rc, want 2 and 'slot=3 is taken': $(head -c 200 \
            "$TMP/virtio-slot-clash.err")"
    else
        pass virtio-slot-clash
    fi
    run virtio-slot-range --disk "$img,slot=8" "$GUESTS/hello.elf"
    if [ "$rc" != 2 ] || ! grep -q 'slot=N takes one virtio-mmio slot, 0 to 7' \
        "$TMP/virtio-slot-range.err"; then
        fail virtio-slot-range "exit $rc, want 2 and the slot range"
    else
        pass virtio-slot-range
    fi
}

test_virtio() {
    test_virtio_slot_bad
    if ! uboot_have; then
        skip virtio "Debian's opensbi and u-boot-qemu are not installed (scripts/install-deps.sh)"
        return
    fi
    test_virtio_uboot_rw
    test_virtio_uboot_ro
    test_virtio_uboot_fat
    test_virtio_uboot_ls_load
    test_virtio_uboot_slot
}
