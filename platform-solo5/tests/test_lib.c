/* test_lib.c: console and string helpers for the test images. */
#include "test_lib.h"

size_t test_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int test_streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

void test_puts(const char *s)
{
    solo5_console_write(s, test_strlen(s));
}

void test_put_u64(uint64_t v)
{
    char buf[21];
    int i = sizeof buf;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    test_puts(&buf[i]);
}

void test_put_hex(uint64_t v)
{
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++) {
        unsigned d = (v >> (60 - 4 * i)) & 0xf;
        buf[2 + i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
    }
    buf[18] = '\0';
    test_puts(buf);
}

void test_fail(const char *what)
{
    test_puts("FAILED: ");
    test_puts(what);
    test_puts("\n");
    solo5_exit(SOLO5_EXIT_FAILURE);
}

const char *test_arg(const char *cmdline, const char *key, char *out,
                     size_t size)
{
    size_t klen = test_strlen(key);
    const char *p = cmdline;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - word) > klen + 2 && word[0] == '-' && word[1] == '-' &&
            memcmp(word + 2, key, klen) == 0 && word[2 + klen] == '=') {
            const char *v = word + 3 + klen;
            size_t n = (size_t)(p - v);
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
    }
    return NULL;
}

uint64_t test_parse_u64(const char *s)
{
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    return v;
}

uint64_t test_arg_u64(const char *cmdline, const char *key, uint64_t fallback)
{
    char arg[24]; /* room for any uint64_t in decimal */
    return test_arg(cmdline, key, arg, sizeof arg) ? test_parse_u64(arg)
                                                   : fallback;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}
