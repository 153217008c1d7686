/*
 * guests/lib/string.c - memset, memcpy and strcmp: the compiler emits calls
 * to the first two even in freestanding code (struct copies, zeroing).
 * Course: none; plumbing for the guests.
 * Spec: ISO C11 §7.24 "String handling".
 * Simplified: byte at a time; the guests copy little.
 */
#include "guests/lib/guest.h"

void *memset(void *dst, int byte, size_t len)
{
    unsigned char *d = dst;

    for (size_t i = 0; i < len; i++) {
        d[i] = (unsigned char)byte;
    }
    return dst;
}

void *memcpy(void *dst, const void *src, size_t len)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    for (size_t i = 0; i < len; i++) {
        d[i] = s[i];
    }
    return dst;
}

int strcmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}
