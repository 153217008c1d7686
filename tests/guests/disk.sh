# tests/guests/disk.sh - --disk FILE[,ro][,snapshot] and --vm ...,disk=FILE:
# which images vmlab accepts and which it refuses, sourced by
# tests/guests/run.sh (uses its run, pass, fail, skip helpers, $TMP, $HERE).
# Course: I/O虚拟化 / 后端 (the disk image behind a virtual block device).
# Spec: virtio 1.2 §5.2 "Block Device" (512-byte sectors).
#
# A refused image is a user error (DESIGN.md "Bad input"): exit 2 and one
# line on stderr that names the file and the problem, nothing on stdout.
# No device reads the disks yet: an accepted disk changes nothing the guest
# sees, so hello prints exactly hello.expected.

# disk_refused NAME PATTERN ARGS...: exit 2, one stderr line matching PATTERN.
disk_refused() {
    local name=$1 pattern=$2
    shift 2
    run "$name" --quiet "$@"
    if [ "$rc" != 2 ]; then
        fail "$name" "exit status $rc, expected 2 (stderr: $(head -c 200 "$TMP/$name.err"))"
    elif [ "$(wc -l <"$TMP/$name.err")" != 1 ] || [ -s "$TMP/$name.out" ]; then
        fail "$name" "not one line on stderr: $(head -c 200 "$TMP/$name.err")"
    elif ! grep -Eq -- "$pattern" "$TMP/$name.err"; then
        fail "$name" "stderr '$(cat "$TMP/$name.err")' does not match '$pattern'"
    else
        pass "$name"
    fi
}

# disk_accepted NAME ARGS...: hello runs as without a disk (exit 0, its output).
disk_accepted() {
    local name=$1
    shift
    run "$name" --quiet "$@" "$GUESTS/hello.elf"
    if [ "$rc" != 0 ]; then
        fail "$name" "exit status $rc, expected 0 (stderr: $(head -c 200 "$TMP/$name.err"))"
    elif ! cmp -s "$TMP/$name.out" "$HERE/hello.expected"; then
        fail "$name" "output differs from hello.expected: $(head -c 80 "$TMP/$name.out")"
    else
        pass "$name"
    fi
}

test_disk_bad() {
    local d=$TMP/disks
    mkdir -p "$d"
    head -c 1000 /dev/zero >"$d/odd.img" # 1000 = 1 * 512 + 488: not whole sectors
    : >"$d/empty.img"
    disk_refused disk-missing "--disk $d/missing.img: no such file" \
        --disk "$d/missing.img" "$GUESTS/hello.elf"
    # 1000 bytes round up to 2 * 512 = 1024
    disk_refused disk-not-sectors "odd.img: size 1000 bytes is not a multiple of 512 \
\(pad it: truncate -s 1024 " --disk "$d/odd.img" "$GUESTS/hello.elf"
    disk_refused disk-empty "empty.img: empty \(0 bytes\)" --disk "$d/empty.img" "$GUESTS/hello.elf"
    disk_refused disk-directory "is a directory" --disk "$d" "$GUESTS/hello.elf"
    if [ "$(id -u)" = 0 ]; then
        skip disk-unreadable "running as root, which reads any file"
    else
        head -c 4096 /dev/zero >"$d/noperm.img"
        chmod 000 "$d/noperm.img"
        disk_refused disk-unreadable "noperm.img: .*permission denied" \
            --disk "$d/noperm.img,ro" "$GUESTS/hello.elf"
        chmod 600 "$d/noperm.img"
    fi
    head -c 4096 /dev/zero >"$d/good.img"
    disk_refused disk-bad-option "unknown option foo" --disk "$d/good.img,foo" "$GUESTS/hello.elf"
    disk_refused disk-no-file "FILE comes first" --disk ",ro" "$GUESTS/hello.elf"
    # the same writable image twice would be two writers: the lock refuses the second
    disk_refused disk-twice "good.img: in use" \
        --disk "$d/good.img" --disk "$d/good.img" "$GUESTS/hello.elf"
    local nine=() _
    for _ in 1 2 3 4 5 6 7 8 9; do
        nine+=(--disk "$d/good.img,ro")
    done
    disk_refused disk-too-many "at most 8 disks" "${nine[@]}" "$GUESTS/hello.elf"
    disk_refused disk-vm-bad "odd.img: size 1000 bytes" \
        --vm "$GUESTS/hello.elf,disk=$d/odd.img" --vm "$GUESTS/hello.elf"
    disk_refused disk-vm-twice "disk= given twice" \
        --vm "$GUESTS/hello.elf,disk=$d/good.img,disk=$d/good.img"
    disk_refused disk-vm-and-disk "with --vm give each VM its disk" \
        --disk "$d/good.img" --vm "$GUESTS/hello.elf"
}

test_disk_good() {
    local d=$TMP/disks
    mkdir -p "$d"
    head -c 65536 /dev/zero >"$d/good.img"
    head -c 65536 /dev/zero >"$d/other.img"
    disk_accepted disk-plain --disk "$d/good.img"
    disk_accepted disk-ro --disk "$d/good.img,ro"
    disk_accepted disk-snapshot --disk "$d/good.img,snapshot"
    disk_accepted disk-ro-snapshot --disk "$d/good.img,ro,snapshot"
    disk_accepted disk-two --disk "$d/good.img" --disk "$d/other.img,ro"
    disk_accepted disk-two-readers --disk "$d/good.img,ro" --disk "$d/good.img,ro"
    if cmp -s "$d/good.img" <(head -c 65536 /dev/zero); then
        pass disk-image-unchanged
    else
        fail disk-image-unchanged "good.img changed although nothing wrote to it"
    fi
    run disk-vm --quiet --vm "$GUESTS/hello.elf,disk=$d/good.img,ro" \
        --vm "$GUESTS/hello.elf,m=64M,disk=$d/other.img,snapshot" --vm "$GUESTS/hello.elf"
    if [ "$rc" != 0 ]; then
        fail disk-vm "exit status $rc, expected 0 (stderr: $(head -c 200 "$TMP/disk-vm.err"))"
    elif [ "$(grep -c 'Hello from a vmlab guest!' "$TMP/disk-vm.out")" != 3 ]; then
        fail disk-vm "expected 3 hello lines: $(head -c 200 "$TMP/disk-vm.out")"
    else
        pass disk-vm
    fi
}

test_disk() {
    test_disk_bad
    test_disk_good
}
