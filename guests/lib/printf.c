/*
 * guests/lib/printf.c - a small printf for guests: one formatter writing to a
 * sink, used by vsnprintf (into a buffer) and printf (to the console).
 * Course: none; what lets a guest say what it is doing.
 * Spec: ISO C11 §7.21.6.1 "The fprintf function", the subset below.
 * Simplified: conversions %d %i %u %x %X %c %s %p %%, length modifiers l
 * and ll, flags '-' and '0', a decimal field width; no precision, no floats.
 */
#include "guests/lib/guest.h"

#include <stdbool.h>

/* Where formatted characters go: a buffer of `size` bytes, or the console. */
struct sink {
    char *buf;
    size_t size;
    size_t len; /* characters produced so far (also those that did not fit) */
    bool to_console;
};

struct spec {
    bool left; /* '-' */
    bool zero; /* '0' */
    unsigned width;
    unsigned lmod; /* number of 'l' */
};

static void sink_put(struct sink *s, char c)
{
    if (s->to_console) {
        console_putc(c);
    } else if (s->len + 1 < s->size) {
        s->buf[s->len] = c;
    }
    s->len++;
}

static void sink_pad(struct sink *s, char c, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        sink_put(s, c);
    }
}

/* Emit `text` (len chars) after an optional sign, padded to sp->width. */
static void put_field(struct sink *s, const struct spec *sp, const char *sign, const char *text,
                      unsigned len)
{
    unsigned sign_len = (sign[0] != '\0') ? 1 : 0;
    unsigned pad = (sp->width > len + sign_len) ? sp->width - len - sign_len : 0;

    if (!sp->left && !sp->zero) {
        sink_pad(s, ' ', pad);
    }
    if (sign_len != 0) {
        sink_put(s, sign[0]);
    }
    if (!sp->left && sp->zero) {
        sink_pad(s, '0', pad);
    }
    for (unsigned i = 0; i < len; i++) {
        sink_put(s, text[i]);
    }
    if (sp->left) {
        sink_pad(s, ' ', pad);
    }
}

static void put_unsigned(struct sink *s, const struct spec *sp, const char *sign, uint64_t val,
                         unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    unsigned n = sizeof(tmp);

    do {
        tmp[--n] = digits[val % base];
        val /= base;
    } while (val != 0);
    put_field(s, sp, sign, tmp + n, (unsigned)sizeof(tmp) - n);
}

static uint64_t arg_unsigned(va_list *ap, unsigned lmod)
{
    return (lmod == 0) ? va_arg(*ap, unsigned int) : va_arg(*ap, unsigned long);
}

static int64_t arg_signed(va_list *ap, unsigned lmod)
{
    return (lmod == 0) ? va_arg(*ap, int) : va_arg(*ap, long);
}

/* Parse flags, width and length at *fmt; leave *fmt at the conversion letter. */
static void parse_spec(const char **fmt, struct spec *sp)
{
    const char *f = *fmt;

    *sp = (struct spec){0};
    for (;; f++) {
        if (*f == '-') {
            sp->left = true;
        } else if (*f == '0') {
            sp->zero = true;
        } else {
            break;
        }
    }
    while (*f >= '0' && *f <= '9') {
        sp->width = sp->width * 10 + (unsigned)(*f++ - '0');
    }
    while (*f == 'l') {
        sp->lmod++;
        f++;
    }
    *fmt = f;
}

static void format_one(struct sink *s, const struct spec *sp, char conv, va_list *ap)
{
    if (conv == 'd' || conv == 'i') {
        int64_t v = arg_signed(ap, sp->lmod);
        uint64_t mag = (v < 0) ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        put_unsigned(s, sp, (v < 0) ? "-" : "", mag, 10, false);
    } else if (conv == 'u') {
        put_unsigned(s, sp, "", arg_unsigned(ap, sp->lmod), 10, false);
    } else if (conv == 'x' || conv == 'X') {
        put_unsigned(s, sp, "", arg_unsigned(ap, sp->lmod), 16, conv == 'X');
    } else if (conv == 'p') {
        sink_put(s, '0');
        sink_put(s, 'x');
        put_unsigned(s, sp, "", (uint64_t)(uintptr_t)va_arg(*ap, void *), 16, false);
    } else if (conv == 'c') {
        char c = (char)va_arg(*ap, int);
        put_field(s, sp, "", &c, 1);
    } else if (conv == 's') {
        const char *str = va_arg(*ap, const char *);
        unsigned len = 0;
        if (str == NULL) {
            str = "(null)";
        }
        while (str[len] != '\0') {
            len++;
        }
        put_field(s, sp, "", str, len);
    } else {
        sink_put(s, '%');
        if (conv != '%') {
            sink_put(s, conv);
        }
    }
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
    va_list args;

    va_copy(args, ap);
    while (*fmt != '\0') {
        if (*fmt != '%') {
            sink_put(s, *fmt++);
            continue;
        }
        fmt++;
        struct spec sp;
        parse_spec(&fmt, &sp);
        if (*fmt == '\0') {
            break;
        }
        format_one(s, &sp, *fmt++, &args);
    }
    va_end(args);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = {.buf = buf, .size = size};

    format(&s, fmt, ap);
    if (size > 0) {
        buf[(s.len < size) ? s.len : size - 1] = '\0';
    }
    return (int)s.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    struct sink s = {.to_console = true};
    va_list ap;

    va_start(ap, fmt);
    format(&s, fmt, ap);
    va_end(ap);
    return (int)s.len;
}
