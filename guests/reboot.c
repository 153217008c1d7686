/*
 * guests/reboot.c - prints one line, counts down a delay loop, then asks the
 * test device for a reset (0x7777). The VMM restores RAM and the ROM from its
 * start-up copies and re-enters the boot ROM, so the same line comes again,
 * boot after boot; `--no-reboot` ends the run at the first request (exit 0).
 * Course: 处理器虚拟化 / 虚拟机启动: a reboot is a VM reset the VMM performs
 *         (harts, devices and the loaded images back to their start state).
 * Spec: QEMU hw/misc/sifive_test.c (0x7777 = reset); Privileged 20211203,
 *       §3.4 "Reset".
 * Simplified: the guest cannot tell one boot from the next (its memory is
 * restored each time), which is what tests/guests/run.sh relies on.
 *
 * The delay loop puts the line in the first half of a boot: crt0 zeroes .bss
 * first (a few thousand instructions), the line takes a few hundred more,
 * and the DELAY_ROUNDS iterations after it take several times that. A run
 * stopped halfway through a boot has then printed that boot's line.
 */
#include "guests/lib/guest.h"

#define DELAY_ROUNDS 10000

int main(void)
{
    volatile uint64_t rounds = DELAY_ROUNDS;

    printf("reboot: booted, asking for a reset\n");
    while (rounds > 0) {
        rounds--;
    }
    guest_reboot();
}
