/*
 * vm/console.h - the host terminal as the guest's serial console, in QEMU
 * -nographic style: raw when stdin is a terminal, Ctrl-A escapes for the VMM.
 * Course: I/O虚拟化 / 设备模拟: the back end of the emulated UART - the VMM
 *         turns host input into device input (QEMU's chardev / mux).
 *
 * Escapes (Ctrl-A = 0x01, then):
 *   x       quit (the run ends, exit 3)
 *   c       switch between console and monitor
 *   Ctrl-A  send one Ctrl-A to the guest
 *   h       print the escape help
 *   n       next VM: typed bytes go to vm1, then vm2, ... and back to vm0
 *           (one line on stderr says which); with one VM it says so only
 *   other   ignored, as QEMU does
 * Ctrl-C is not an escape: in raw mode it is a byte for the guest.
 */
#ifndef VMLAB_VM_CONSOLE_H
#define VMLAB_VM_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */

enum console_event_kind {
    CONSOLE_INPUT,   /* `byte` is for the guest */
    CONSOLE_QUIT,    /* Ctrl-A x */
    CONSOLE_MONITOR, /* Ctrl-A c */
    CONSOLE_NEXT_VM, /* Ctrl-A n */
    CONSOLE_EOF,     /* input ended (a pipe or file); reported once */
};

struct console_event {
    enum console_event_kind kind;
    uint8_t byte;
};

struct console;

/*
 * Open the console on stdin/stdout. With raw_if_tty and a terminal on stdin,
 * switch it to raw mode (no echo, no line editing, no signals from keys;
 * output processing kept so "\n" still starts a new line) and make sure it
 * is restored on every exit path (console_close, exit(), and the signals
 * SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGABRT, SIGINT, which then re-raise).
 * NULL on no memory.
 */
struct console *console_open(bool raw_if_tty);
/* The same on any input fd and output stream (tests use pipes). */
struct console *console_open_fd(int in_fd, FILE *out, bool raw_if_tty);
/* Restore the terminal, free. Does not close the fd or stream. */
void console_close(struct console *c);

bool console_is_tty(const struct console *c);
bool console_is_raw(const struct console *c);
bool console_at_eof(const struct console *c);
/* Leave raw mode while the monitor uses the terminal, and come back. */
void console_suspend_raw(struct console *c);
void console_resume_raw(struct console *c);

/*
 * Wait up to timeout_ms (-1: forever, 0: just look) for one event. Returns
 * 1 with *out filled, 0 when nothing came, -1 on a read error. After EOF it
 * sleeps the timeout instead of polling a dead fd (no busy loop).
 * Ctrl-A h prints the help on the output stream and is not an event.
 */
int console_poll(struct console *c, int timeout_ms, struct console_event *out);

/* Wait up to timeout_ms until input may be there (for a VMM with nothing else to do). */
bool console_wait(struct console *c, int timeout_ms);

/* The escape help text, QEMU style. */
void console_print_help(FILE *out);

/*
 * Several VMs: a stream for vmN's console output that writes each whole
 * line to `out` as "[vmN] line" (a VM's lines never interleave with
 * another's). fclose writes out a last line that has no newline. NULL on
 * no memory.
 */
FILE *console_prefix_open(FILE *out, unsigned vm_index);

struct vm;
/*
 * The run loop's console step (vm/run.c, between slices; vm/host.c after
 * other VMs' turns), on the VM that owns the console (vm0): move typed bytes
 * into the receive FIFO of the UART of the VM that has the input (a backlog
 * per VM keeps what does not fit, so a Ctrl-A x behind it is still seen;
 * bytes for a VM that has stopped are dropped), Ctrl-A x stops every VM
 * (exit 3), Ctrl-A c asks for the monitor on vm, Ctrl-A n moves the input
 * to the next of the host's VMs. Never blocks.
 */
void console_service(struct vm *vm);

/* The index of the VM typed bytes go to: 0 until Ctrl-A n. */
unsigned console_input_vm(const struct console *c);

#endif
