/*
 * guests/hello.c - the smallest guest: one line on the UART, then poweroff
 * with pass.
 * Course: 处理器虚拟化 / 陷入和模拟; I/O虚拟化 / 设备模拟: every character is
 *         two MMIO exits (LSR read, THR write), the poweroff one more.
 * Spec: none beyond the library's (NS16550A, sifive_test).
 * Simplified: nothing; tests/guests/run.sh counts this guest's MMIO exits,
 * and its monitor tests find the line in memory by the symbol `greeting`.
 */
#include "guests/lib/guest.h"

static const char greeting[] = "Hello from a vmlab guest!\n";

int main(void)
{
    console_puts(greeting);
    return 0;
}
