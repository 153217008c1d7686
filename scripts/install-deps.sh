#!/bin/sh
# scripts/install-deps.sh - install what vmlab needs to build and test, on
# Debian 12, with apt-get; only what is missing. A second run only checks.
#   scripts/install-deps.sh              build and test dependencies
#   scripts/install-deps.sh --with-qemu  also qemu-system-misc (make bench)
# Runs as root, or through sudo when not root. Works on a minimal Debian
# (debootstrap --variant=minbase: no sudo needed as root, no ca-certificates).
set -eu

# opensbi and u-boot-qemu: the firmware the tests boot (Debian's own builds, nobody's here);
# dosfstools: mkfs.vfat and fsck.fat for the FAT image U-Boot writes on a virtio disk;
# e2fsprogs: mke2fs for the ext2 image it reads
PACKAGES="make gcc libc6-dev pkg-config gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf
libfdt-dev libreadline-dev check device-tree-compiler opensbi u-boot-qemu dosfstools e2fsprogs"

for arg in "$@"; do
    case "$arg" in
    --with-qemu) PACKAGES="$PACKAGES qemu-system-misc" ;;
    -h | --help)
        echo "usage: $0 [--with-qemu]"
        exit 0
        ;;
    *)
        echo "install-deps.sh: unknown option '$arg' (try --help)" >&2
        exit 2
        ;;
    esac
done

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=""
for pkg in $PACKAGES; do
    if ! is_installed "$pkg"; then
        missing="$missing $pkg"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps.sh: apt-get not found; install by hand:$missing" >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "install-deps.sh: missing:$missing; run this script as root (no sudo here)" >&2
    exit 1
fi

echo "install-deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086 # $missing is a list of package names
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
