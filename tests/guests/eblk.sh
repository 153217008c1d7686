# tests/guests/eblk.sh - --io emulated: vmlab's own block controller (io/eblk.c,
# docs/eblk.md) driven by guests/eblktest.c, sourced by tests/guests/run.sh (uses
# its run, stat, pass, fail, last_line, TMP, GUESTS).
# Course: I/O虚拟化 / 设备模拟: every register access is an MMIO exit; the guest
# counts its own accesses and the VMM counts the exits - the two must agree.
#
# What eblktest does, worked from its source (6 writes + 1 STATUS read per
# polled command):
#   identify: MAGIC, VERSION, MAX_COUNT, CAPACITY_LO, CAPACITY_HI     5 reads
#   WRITE + READ of sectors 16..23 (8 sectors)                        2 x 7
#   WRITE + READ of sectors 1024..1279 (256 sectors), FLUSH           3 x 7
#   READ past the end, READ into the UART (both refused)              2 x 7
#   IRQ_ACK, IRQ_ENABLE, a READ of 16..23 (6 writes), in the handler
#   STATUS + IRQ_ACK, then IRQ_ENABLE = 0                             11
#   register accesses: 5 + 14 + 21 + 14 + 11 = 65
#   io.eblk.requests   = 2 + 3 + 2 + 1 = 8; io.eblk.errors = 2
#   io.eblk.bytes      = 3 x 8 x 512 + 2 x 256 x 512 = 12288 + 262144 = 274432
#   io.eblk.interrupts = 1 (only the last READ completes with IRQ_ENABLE set)
# On the disk: sectors 16..23 hold 'a'..'h' (one letter per sector); byte i of
# sector s in 1024..1279 is (s + 7 i) mod 256, so sector 1024 starts 00 07 0e 15,
# 1025 starts 01 08 0f 16 and 1279 (s mod 256 = 255) starts ff 06 0d 14.

# eblk_sector_is LETTER SECTOR IMG: that sector is 512 copies of LETTER.
eblk_sector_is() {
    head -c 512 /dev/zero | tr '\0' "$1" |
        cmp -s - <(dd if="$3" bs=512 skip="$2" count=1 2>/dev/null)
}

# eblk_first4 SECTOR IMG: the sector's first 4 bytes in hex, "00 07 0e 15".
eblk_first4() {
    od -An -tx1 -j $(($1 * 512)) -N4 "$2" | tr -s ' ' | sed 's/^ //'
}

test_eblk_pass() {
    local img=$TMP/eblk.img
    rm -f "$img"
    truncate -s 1M "$img"
    run eblk --quiet --io emulated --disk "$img" "$GUESTS/eblktest.elf"
    local line n
    line=$(last_line eblk)
    n=$(echo "$line" | sed -n 's/^eblktest: pass, \([0-9]*\) register accesses$/\1/p')
    if [ "$rc" -ne 0 ] || [ -z "$n" ]; then
        fail eblk "exit $rc, last line '$line'"
    elif [ "$n" != 65 ] || [ "$(stat "$TMP/eblk.json" io.eblk.exits)" != "$n" ]; then
        fail eblk "guest counted $n accesses (want 65), io.eblk.exits $(stat "$TMP/eblk.json" io.eblk.exits)"
    elif [ "$(stat "$TMP/eblk.json" io.eblk.requests)" != 8 ] ||
        [ "$(stat "$TMP/eblk.json" io.eblk.errors)" != 2 ] ||
        [ "$(stat "$TMP/eblk.json" io.eblk.bytes)" != 274432 ] ||
        [ "$(stat "$TMP/eblk.json" io.eblk.interrupts)" != 1 ]; then
        fail eblk "io.eblk.* $(grep -o '"io.eblk[^,]*' "$TMP/eblk.json" | tr '\n' ' ')"
    elif [ "$(stat "$TMP/eblk.json" exits.mmio)" -lt "$n" ]; then
        fail eblk "exits.mmio below io.eblk.exits: a register access did not exit"
    elif ! grep -q "^vmlab: --io emulated: the disk is on vmlab's own block controller at 0x10010000" \
        "$TMP/eblk.err"; then
        fail eblk "no start-up line about the controller on stderr"
    else
        pass eblk
    fi
    # the data really is in the image file, where the guest put it
    local i bad="" letters=(a b c d e f g h)
    for i in 0 1 2 3 4 5 6 7; do
        eblk_sector_is "${letters[i]}" $((16 + i)) "$img" || bad="$bad $((16 + i))"
    done
    if [ -n "$bad" ]; then
        fail eblk-image "sectors$bad do not hold their letter"
    elif [ "$(eblk_first4 1024 "$img")" != "00 07 0e 15" ] ||
        [ "$(eblk_first4 1025 "$img")" != "01 08 0f 16" ] ||
        [ "$(eblk_first4 1279 "$img")" != "ff 06 0d 14" ]; then
        fail eblk-image "sectors 1024/1025/1279 start $(eblk_first4 1024 "$img") /" \
            "$(eblk_first4 1025 "$img") / $(eblk_first4 1279 "$img")"
    elif ! cmp -s <(head -c 8192 /dev/zero) <(head -c 8192 "$img"); then
        fail eblk-image "sectors 0..15 were written"
    else
        pass eblk-image
    fi
}

# The same guest under two-stage translation: the same accesses, the same exits.
test_eblk_nested() {
    local img=$TMP/eblk-nested.img
    rm -f "$img"
    truncate -s 1M "$img"
    run eblk-nested --quiet --mmu nested --io emulated --disk "$img" "$GUESTS/eblktest.elf"
    if [ "$rc" -ne 0 ] || [ "$(last_line eblk-nested)" != "eblktest: pass, 65 register accesses" ] ||
        [ "$(stat "$TMP/eblk-nested.json" io.eblk.exits)" != 65 ]; then
        fail eblk-nested "exit $rc, '$(last_line eblk-nested)'"
    else
        pass eblk-nested
    fi
}

# ,ro: the first WRITE ends with code 5 (read-only): the guest fails case 10, exit 1,
# and the image is untouched (still all zeros).
test_eblk_read_only() {
    local img=$TMP/eblk-ro.img
    rm -f "$img"
    truncate -s 1M "$img"
    run eblk-ro --quiet --io emulated --disk "$img,ro" "$GUESTS/eblktest.elf"
    if [ "$rc" -ne 1 ] || ! grep -q '^eblktest: FAIL case 10: WRITE 16..23' "$TMP/eblk-ro.out"; then
        fail eblk-ro "exit $rc (want 1), '$(last_line eblk-ro)'"
    elif ! cmp -s <(head -c 1048576 /dev/zero) "$img"; then
        fail eblk-ro "a read-only image was written"
    elif [ "$(stat "$TMP/eblk-ro.json" io.eblk.errors)" != 1 ]; then
        fail eblk-ro "io.eblk.errors $(stat "$TMP/eblk-ro.json" io.eblk.errors), want 1"
    else
        pass eblk-ro
    fi
}

# Without --io emulated there is no controller: the guest's first MAGIC read is a load
# access fault (cause 5), which guests/lib's default handler turns into exit code 105.
test_eblk_absent() {
    local img=$TMP/eblk-absent.img
    rm -f "$img"
    truncate -s 1M "$img"
    run eblk-absent --quiet --disk "$img" "$GUESTS/eblktest.elf"
    if [ "$rc" -ne 1 ] || grep -q 'block controller' "$TMP/eblk-absent.err" ||
        [ "$(stat "$TMP/eblk-absent.json" io.eblk.exits)" != 0 ]; then
        fail eblk-absent "exit $rc (want 1), stderr '$(head -n 1 "$TMP/eblk-absent.err")'"
    else
        pass eblk-absent
    fi
}

test_eblk() {
    test_eblk_pass
    test_eblk_nested
    test_eblk_read_only
    test_eblk_absent
}
