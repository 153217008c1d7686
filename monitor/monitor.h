/*
 * monitor/monitor.h - the command monitor: look at the virtual hart between
 * two instructions, step it, stop it at an address or after a store that
 * changed watched guest-physical bytes (`watch`).
 * Course: 处理器虚拟化 / VCPU: 虚拟寄存器 (程序计数器, 通用寄存器, 系统寄存器)
 *         - the monitor prints exactly the state the VMM keeps for the guest.
 *
 * Names follow gdb and QEMU's HMP: info registers, x/N, xp/N, step, continue.
 */
#ifndef VMLAB_MONITOR_MONITOR_H
#define VMLAB_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct vm;
struct monitor;

/* What the run loop should do after the monitor returns. */
enum monitor_action {
    MONITOR_CONTINUE, /* run until a breakpoint or the end */
    MONITOR_STEP,     /* run monitor_step_count() instructions, then come back */
    MONITOR_QUIT,     /* end the run (exit 3) */
};

/*
 * A monitor reading commands from `script` (a file, or stdin for "-"), or
 * from a readline prompt when script is NULL. `out` receives the answers.
 */
struct monitor *monitor_create(struct vm *vm, const char *script_path, FILE *out);
void monitor_destroy(struct monitor *mon);

/* Read and run commands until one resumes the guest or quits. */
enum monitor_action monitor_enter(struct monitor *mon);
uint64_t monitor_step_count(const struct monitor *mon);

/* Run one command line (also used by tests). Returns the action it asks for,
 * or -1 when the line only printed something and the prompt goes on. */
int monitor_execute(struct monitor *mon, const char *line);

#endif
