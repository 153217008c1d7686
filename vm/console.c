/*
 * vm/console.c - the host side of the guest's serial line: the terminal in
 * raw mode, non-blocking input, Ctrl-A escapes, and the step that feeds
 * typed bytes into the emulated UART.
 * Course: I/O虚拟化 / 设备模拟 - the "back end" of an emulated device: QEMU
 *         splits a device into the model the guest sees (io/uart.c) and the
 *         host resource behind it (here: the terminal), like its chardev mux.
 * Spec: POSIX termios (General Terminal Interface: "Non-Canonical Mode
 *       Input Processing", "Local Modes"), poll(); QEMU's -nographic escape
 *       keys (docs "Keys in the character backend multiplexer").
 * Several VMs: stdin feeds vm0 first; Ctrl-A n moves it to the next VM
 *       (vm0 -> vm1 -> ... -> vm0) and says so on stderr, "[vmlab: console
 *       input -> vm1]", as QEMU's mux moves its one terminal between front
 *       ends. Ctrl-A x stops them all, and each VM's output lines go out
 *       whole, prefixed "[vmN] " (a fopencookie stream per VM).
 * Simplified: one console, kept by vm0 (vm0's run loop and the host's loop
 *       between other VMs' turns service it); each VM has its own backlog,
 *       so bytes typed before a Ctrl-A n still reach the VM they were typed
 *       to, and bytes for a VM that has stopped are dropped. Unknown escapes
 *       are dropped as QEMU drops them; with several VMs a line longer than
 *       CONSOLE_LINE_MAX is cut in pieces, each prefixed.
 */
#include "vm/console.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "io/io.h"
#include "vm/internal.h"

#define CONSOLE_READ_BYTES     256
#define CONSOLE_BACKLOG        4096 /* typed bytes waiting for room in the UART */
#define CONSOLE_SERVICE_EVENTS 1024 /* events handled per console_service call */
#define CONSOLE_LINE_MAX       1024 /* a VM's output line kept until its newline */

/* A ring of typed bytes waiting for room in one VM's UART. */
struct console_backlog {
    uint8_t bytes[CONSOLE_BACKLOG];
    unsigned head, count;
};

struct console {
    int in_fd;
    FILE *out;
    bool is_tty;
    bool is_raw;
    bool eof, eof_reported;
    bool escape_pending; /* the last byte was Ctrl-A */
    struct termios saved;
    uint8_t buf[CONSOLE_READ_BYTES]; /* read but not yet turned into events */
    unsigned buf_pos, buf_len;
    unsigned input_vm;                      /* the VM typed bytes go to (Ctrl-A n moves it) */
    struct console_backlog backlog[VM_MAX]; /* per VM: typed for it, its UART was full */
    uint64_t dropped; /* bytes lost: a backlog was full or their VM had stopped */
};

/*
 * The one static in vmlab's console: a signal handler gets no argument, so
 * the terminal settings it must put back live here. Written only while no
 * handler can run (before the handlers are installed / after raw mode ends).
 */
static struct {
    volatile sig_atomic_t active;
    int fd;
    struct termios saved;
    bool atexit_registered;
    struct sigaction old[6];
} term_restore;

static const int restore_signals[6] = {SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGABRT, SIGINT};

/* Async-signal-safe: tcsetattr is on POSIX's list. */
static void term_restore_now(void)
{
    if (term_restore.active) {
        tcsetattr(term_restore.fd, TCSANOW, &term_restore.saved);
        term_restore.active = 0;
    }
}

static void term_restore_atexit(void)
{
    term_restore_now();
}

/* SA_RESETHAND made the disposition default again: re-raise to die as intended. */
static void term_restore_signal(int sig)
{
    term_restore_now();
    raise(sig);
}

static void install_restore_handlers(const struct console *c)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = term_restore_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    term_restore.fd = c->in_fd;
    term_restore.saved = c->saved;
    term_restore.active = 1;
    for (unsigned i = 0; i < 6; i++) {
        sigaction(restore_signals[i], &sa, &term_restore.old[i]);
    }
    if (!term_restore.atexit_registered) {
        term_restore.atexit_registered = true;
        atexit(term_restore_atexit);
    }
}

static void remove_restore_handlers(void)
{
    term_restore.active = 0;
    for (unsigned i = 0; i < 6; i++) {
        sigaction(restore_signals[i], &term_restore.old[i], NULL);
    }
}

/* Raw input, but keep OPOST/ONLCR so the guest's "\n" still returns the carriage. */
static int term_make_raw(struct console *c)
{
    struct termios raw = c->saved;
    raw.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= (tcflag_t) ~(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    return tcsetattr(c->in_fd, TCSANOW, &raw);
}

void console_resume_raw(struct console *c)
{
    if (!c || !c->is_tty || c->is_raw) {
        return;
    }
    install_restore_handlers(c);
    if (term_make_raw(c) == 0) {
        c->is_raw = true;
    } else {
        remove_restore_handlers();
    }
}

void console_suspend_raw(struct console *c)
{
    if (!c || !c->is_raw) {
        return;
    }
    tcsetattr(c->in_fd, TCSANOW, &c->saved);
    remove_restore_handlers();
    c->is_raw = false;
}

struct console *console_open_fd(int in_fd, FILE *out, bool raw_if_tty)
{
    struct console *c = calloc(1, sizeof(*c));
    if (!c) {
        return NULL;
    }
    c->in_fd = in_fd;
    c->out = out;
    c->is_tty = isatty(in_fd) && tcgetattr(in_fd, &c->saved) == 0;
    if (raw_if_tty && c->is_tty) {
        console_resume_raw(c);
    }
    return c;
}

struct console *console_open(bool raw_if_tty)
{
    return console_open_fd(STDIN_FILENO, stdout, raw_if_tty);
}

void console_close(struct console *c)
{
    if (c) {
        console_suspend_raw(c);
        free(c);
    }
}

bool console_is_tty(const struct console *c)
{
    return c->is_tty;
}

bool console_is_raw(const struct console *c)
{
    return c->is_raw;
}

bool console_at_eof(const struct console *c)
{
    return c->eof;
}

void console_print_help(FILE *out)
{
    fputs("\nC-a h    print this help\n"
          "C-a x    exit vmlab\n"
          "C-a c    switch between console and monitor\n"
          "C-a n    next VM (when there are several)\n"
          "C-a C-a  sends C-a\n",
          out);
    fflush(out);
}

/* ----------------------------------------------------------------- input */

/* One typed byte through the escape state machine. true when *out is an event. */
static bool console_escape_step(struct console *c, uint8_t byte, struct console_event *out)
{
    if (c->escape_pending) {
        c->escape_pending = false;
        switch (byte) {
        case 'x':
            out->kind = CONSOLE_QUIT;
            return true;
        case 'c':
            out->kind = CONSOLE_MONITOR;
            return true;
        case 'n':
            out->kind = CONSOLE_NEXT_VM;
            return true;
        case 'h':
            if (c->out) {
                console_print_help(c->out);
            }
            return false;
        case CONSOLE_ESCAPE:
            out->kind = CONSOLE_INPUT;
            out->byte = CONSOLE_ESCAPE;
            return true;
        default:
            return false; /* unknown escape: dropped */
        }
    }
    if (byte == CONSOLE_ESCAPE) {
        c->escape_pending = true;
        return false;
    }
    out->kind = CONSOLE_INPUT;
    out->byte = byte;
    return true;
}

/* poll() for input, retrying on EINTR. 1 readable (or hung up), 0 timeout, -1 error. */
static int wait_readable(int fd, int timeout_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    for (;;) {
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc >= 0) {
            return rc > 0 ? 1 : 0;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
}

/* Read what is there into buf. 1 read something or hit EOF, 0 nothing, -1 error. */
static int console_fill(struct console *c, int timeout_ms)
{
    int rc = wait_readable(c->in_fd, timeout_ms);
    if (rc <= 0) {
        return rc;
    }
    ssize_t n;
    do {
        n = read(c->in_fd, c->buf, sizeof(c->buf));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
    if (n == 0) {
        c->eof = true;
    }
    c->buf_pos = 0;
    c->buf_len = (unsigned)n;
    return 1;
}

int console_poll(struct console *c, int timeout_ms, struct console_event *out)
{
    for (;;) {
        while (c->buf_pos < c->buf_len) {
            if (console_escape_step(c, c->buf[c->buf_pos++], out)) {
                return 1;
            }
        }
        if (c->eof) {
            if (!c->eof_reported) {
                c->eof_reported = true;
                out->kind = CONSOLE_EOF;
                return 1;
            }
            if (timeout_ms > 0) {
                poll(NULL, 0, timeout_ms); /* nothing will come: just let time pass */
            }
            return 0;
        }
        int rc = console_fill(c, timeout_ms);
        if (rc <= 0) {
            return rc;
        }
        timeout_ms = 0; /* waited once; the rest of this call only looks */
    }
}

/* Typed bytes still waiting for some VM's UART. */
static bool console_backlogged(const struct console *c)
{
    for (unsigned i = 0; i < VM_MAX; i++) {
        if (c->backlog[i].count > 0) {
            return true;
        }
    }
    return false;
}

bool console_wait(struct console *c, int timeout_ms)
{
    if (c->buf_pos < c->buf_len || console_backlogged(c) || (c->eof && !c->eof_reported)) {
        return true;
    }
    if (c->eof) {
        if (timeout_ms > 0) {
            poll(NULL, 0, timeout_ms);
        }
        return false;
    }
    return wait_readable(c->in_fd, timeout_ms) > 0;
}

/* ------------------------------------------------ feeding the guest's UART */

static void backlog_push(struct console *c, struct console_backlog *b, uint8_t byte)
{
    if (b->count == CONSOLE_BACKLOG) {
        c->dropped++;
        return;
    }
    b->bytes[(b->head + b->count) % CONSOLE_BACKLOG] = byte;
    b->count++;
}

static void backlog_drain(struct console_backlog *b, struct uart *u)
{
    while (b->count > 0 && uart_push_input(u, b->bytes[b->head])) {
        b->head = (b->head + 1) % CONSOLE_BACKLOG;
        b->count--;
    }
}

/* The VMs the console serves: the host's, or just `owner` (no host: a test's lone VM). */
static unsigned console_nvms(const struct vm *owner)
{
    return owner->host && owner->host->nvms > 0 ? owner->host->nvms : 1;
}

static struct vm *console_vm(struct vm *owner, unsigned index)
{
    return owner->host && owner->host->nvms > 0 ? owner->host->vms[index] : owner;
}

/* A typed byte for the VM that has the input, behind what already waits for it. */
static void console_feed(struct vm *owner, struct console *c, uint8_t byte)
{
    struct vm *target = console_vm(owner, c->input_vm);
    struct console_backlog *b = &c->backlog[c->input_vm];
    if (!target->uart || target->stop) {
        c->dropped++; /* its guest has stopped: nobody will read it */
        return;
    }
    if (b->count > 0 || !uart_push_input(target->uart, byte)) {
        backlog_push(c, b, byte);
    }
}

/* Ctrl-A n: the input moves to the next VM, and the user is told (stderr). */
static void console_next_vm(struct vm *owner, struct console *c)
{
    unsigned nvms = console_nvms(owner);
    if (nvms == 1) {
        fputs("[vmlab: one VM: console input stays on vm0]\n", stderr);
        return;
    }
    c->input_vm = (c->input_vm + 1) % nvms;
    fprintf(stderr, "[vmlab: console input -> vm%u]\n", c->input_vm);
}

/* Act on one event; false when the run is to stop. */
static bool console_handle(struct vm *vm, struct console *c, const struct console_event *ev)
{
    switch (ev->kind) {
    case CONSOLE_INPUT:
        console_feed(vm, c, ev->byte);
        return true;
    case CONSOLE_QUIT:
        host_request_stop(vm->host, VMLAB_EXIT_STOPPED, "quit by Ctrl-A x");
        return false;
    case CONSOLE_MONITOR:
        vm->debug_requested = true;
        return true;
    case CONSOLE_NEXT_VM:
        console_next_vm(vm, c);
        return true;
    case CONSOLE_EOF:
        return true; /* a guest may run on after its input ended */
    }
    return true;
}

unsigned console_input_vm(const struct console *c)
{
    return c->input_vm;
}

void console_service(struct vm *vm)
{
    struct console *c = vm->console;
    struct console_event ev;
    if (!c || !vm->uart) {
        return;
    }
    for (unsigned i = 0; i < console_nvms(vm); i++) {
        struct vm *target = console_vm(vm, i);
        struct console_backlog *b = &c->backlog[i];
        if (target->uart && !target->stop) {
            backlog_drain(b, target->uart);
        } else {
            c->dropped += b->count; /* its guest has stopped: nobody will read them */
            b->count = 0;
        }
    }
    for (unsigned i = 0; i < CONSOLE_SERVICE_EVENTS; i++) {
        if (console_poll(c, 0, &ev) <= 0 || !console_handle(vm, c, &ev)) {
            break;
        }
    }
}

/* ---------------------------------------------- several VMs: "[vmN] " lines */

struct console_prefix {
    FILE *out;
    char prefix[16];
    char line[CONSOLE_LINE_MAX];
    size_t len;
};

static void prefix_emit(struct console_prefix *p)
{
    fputs(p->prefix, p->out);
    fwrite(p->line, 1, p->len, p->out);
    p->len = 0;
}

static ssize_t prefix_write(void *cookie, const char *buf, size_t size)
{
    struct console_prefix *p = cookie;
    for (size_t i = 0; i < size; i++) {
        p->line[p->len++] = buf[i];
        if (buf[i] == '\n' || p->len == sizeof(p->line)) {
            bool newline = buf[i] == '\n';
            prefix_emit(p);
            if (newline) {
                fflush(p->out); /* as the UART flushes at a newline */
            }
        }
    }
    return (ssize_t)size;
}

static int prefix_close(void *cookie)
{
    struct console_prefix *p = cookie;
    if (p->len > 0) {
        prefix_emit(p);
    }
    fflush(p->out);
    free(p);
    return 0;
}

FILE *console_prefix_open(FILE *out, unsigned vm_index)
{
    cookie_io_functions_t io = {.write = prefix_write, .close = prefix_close};
    struct console_prefix *p = calloc(1, sizeof(*p));
    if (!p) {
        return NULL;
    }
    p->out = out;
    snprintf(p->prefix, sizeof(p->prefix), "[vm%u] ", vm_index);
    FILE *stream = fopencookie(p, "w", io);
    if (!stream) {
        free(p);
        return NULL;
    }
    setvbuf(stream, NULL, _IONBF, 0); /* every byte to prefix_write, in order */
    return stream;
}
