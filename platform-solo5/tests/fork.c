/* fork: Kiln's VM fork and pipes under kiln-hvt. The child sees the
 * parent's memory as it was and its own writes stay its own; exit statuses
 * reach the parent; a child forks again; data crosses a pipe between
 * unikernels with end-of-file once every write end is closed and EPIPE once
 * every read end is; ends kept by two unikernels (writers' 4096-byte writes
 * whole and unmixed, readers sharing the records); bad ids and buffers are
 * refused; the child limit holds.
 * --limit=1 also forks KILN_FORK_MAX_CHILDREN + 1 times. */
#include "fork_lib.h"
#include "kiln_pipe_ring.h"

#define SECOND FORK_LIB_SECOND
#define CHUNK 65536
#define STREAM_BYTES (4u << 20) /* several times the pipe's capacity */
#define MAX_CHILDREN 64         /* kiln-hvt's KILN_FORK_MAX_CHILDREN */

static volatile uint64_t shared_word = 0x1234;
static uint8_t buf[CHUNK];

static uint8_t pattern(uint32_t i)
{
    return (uint8_t)(i * 7 + (i >> 13));
}

static void test_memory_and_status(void)
{
    solo5_time_t before = solo5_clock_monotonic();
    shared_word = 0xfeed;
    uint64_t id = 99;
    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    if (id == 0) {
        /* The child: the parent's memory as it was, a clock that did not
         * step back, and writes that stay here. */
        TEST_CHECK(shared_word == 0xfeed);
        TEST_CHECK(solo5_clock_monotonic() >= before);
        shared_word = 0xc41d;
        solo5_exit(42);
    }
    int status = wait_child(id);
    TEST_CHECK(status == 42);
    TEST_CHECK(shared_word == 0xfeed);
    int ignored;
    TEST_CHECK(kiln_wait(id, &ignored) == SOLO5_R_EINVAL); /* spent */
    test_puts("fork: memory copied, status 42 seen\n");
}

static void test_nested(void)
{
    uint64_t id;
    TEST_CHECK(kiln_fork(&id) == SOLO5_R_OK);
    if (id == 0) {
        uint64_t grandchild;
        TEST_CHECK(kiln_fork(&grandchild) == SOLO5_R_OK);
        if (grandchild == 0)
            solo5_exit(5);
        solo5_exit(10 + wait_child(grandchild));
    }
    TEST_CHECK(wait_child(id) == 15);
    test_puts("fork: nested fork, status 15 seen\n");
}

/* The child streams a pattern and closes its end; the parent closed its
 * write end first, so it sees end-of-file exactly after the last byte. */
static void test_pipe_stream(void)
{
    uint64_t r, w;
    uint64_t id = fork_child_writer(&r, &w);
    if (id == 0) {
        for (uint32_t sent = 0; sent < STREAM_BYTES;) {
            size_t n = 0;
            for (uint32_t i = 0; i < CHUNK; i++)
                buf[i] = pattern(sent + i);
            TEST_CHECK(pipe_io(1, w, buf, CHUNK, &n) == SOLO5_R_OK);
            TEST_CHECK(n > 0 && n <= CHUNK);
            sent += (uint32_t)n; /* after a partial write, the rest next */
        }
        TEST_CHECK(kiln_pipe_close(w) == SOLO5_R_OK);
        solo5_exit(0);
    }
    uint32_t got = 0;
    for (;;) {
        size_t n = 0;
        TEST_CHECK(pipe_io(0, r, buf, CHUNK, &n) == SOLO5_R_OK);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++)
            if (buf[i] != pattern(got + (uint32_t)i))
                test_fail("pipe data differs from what the child wrote");
        got += (uint32_t)n;
    }
    TEST_CHECK(got == STREAM_BYTES);
    TEST_CHECK(kiln_pipe_close(r) == SOLO5_R_OK);
    TEST_CHECK(wait_child(id) == 0);
    test_puts("pipe: 4 MiB from child to parent, then end-of-file\n");
}

/* The child's write fails with EPIPE once the parent's read end, the last
 * one anywhere, is closed. */
static void test_pipe_epipe(void)
{
    uint64_t r, w;
    uint64_t id = fork_child_writer(&r, &w);
    if (id == 0) {
        size_t n;
        /* Wait for the parent's close: its byte arrives first. */
        TEST_CHECK(pipe_io(1, w, buf, 1, &n) == SOLO5_R_OK);
        int rc;
        for (int tries = 0; (rc = kiln_pipe_write(w, buf, 1, &n)) == SOLO5_R_OK;
             tries++) {
            TEST_CHECK(tries < 100000); /* the parent closes soon */
            solo5_yield(solo5_clock_monotonic() + SECOND / 1000, NULL);
        }
        solo5_exit(rc == KILN_R_EPIPE ? 0 : 1);
    }
    size_t n;
    TEST_CHECK(pipe_io(0, r, buf, 1, &n) == SOLO5_R_OK && n == 1);
    TEST_CHECK(kiln_pipe_close(r) == SOLO5_R_OK);
    TEST_CHECK(wait_child(id) == 0);
    test_puts("pipe: EPIPE after the last read end closed\n");
}

/* Records of PIPE_BUF bytes: writer tag and sequence number, then a fill
 * that depends on both, so a record cut or mixed with another shows. */
#define RECORD KILN_PIPE_BUF
#define RECORDS 160 /* per writer: several rings' worth, so writers wait */

static void fill_record(uint8_t *p, uint64_t tag, uint64_t seq)
{
    for (uint32_t i = 0; i < RECORD; i++)
        p[i] = (uint8_t)(tag * 31 + seq * 7 + i);
    p[0] = (uint8_t)tag;
    p[1] = (uint8_t)seq;
    p[2] = (uint8_t)(seq >> 8);
}

/* The record's sequence number if it is whole and from (tag) (any tag
 * when 0), else fails the test. */
static uint64_t check_record(const uint8_t *p, uint64_t *tag)
{
    uint64_t seq = p[1] | (uint64_t)p[2] << 8;
    if (*tag == 0)
        *tag = p[0];
    if (p[0] != *tag)
        test_fail("a pipe record from the wrong writer");
    for (uint32_t i = 3; i < RECORD; i++)
        if (p[i] != (uint8_t)(*tag * 31 + seq * 7 + i))
            test_fail("a pipe record arrived cut or mixed with another");
    return seq;
}

/* Two children keep the write end (so it is shared and goes through their
 * tenders): each of their PIPE_BUF-byte writes arrives whole, never
 * interleaved with the other's, in order per writer, then end-of-file. */
static void test_pipe_shared_writers(void)
{
    static uint8_t rec[RECORD];
    uint64_t r, w, ids[2];
    TEST_CHECK(kiln_pipe(&r, &w) == SOLO5_R_OK);
    for (uint64_t c = 0; c < 2; c++) {
        TEST_CHECK(kiln_fork(&ids[c]) == SOLO5_R_OK);
        if (ids[c] != 0)
            continue;
        TEST_CHECK(kiln_pipe_close(r) == SOLO5_R_OK);
        for (uint64_t seq = 0; seq < RECORDS; seq++) {
            size_t n = 0;
            fill_record(buf, c + 1, seq);
            TEST_CHECK(pipe_io(1, w, buf, RECORD, &n) == SOLO5_R_OK);
            TEST_CHECK(n == RECORD); /* never split */
        }
        solo5_exit(0);
    }
    TEST_CHECK(kiln_pipe_close(w) == SOLO5_R_OK);
    uint64_t next[3] = {0, 0, 0};
    size_t have = 0, n;
    /* Reads of odd sizes, so records are put together here. */
    do {
        size_t want = RECORD - have < 1000 ? RECORD - have : 1000;
        TEST_CHECK(pipe_io(0, r, rec + have, want, &n) == SOLO5_R_OK);
        have += n;
        if (have == RECORD) {
            uint64_t tag = 0, seq = check_record(rec, &tag);
            TEST_CHECK(tag == 1 || tag == 2);
            TEST_CHECK(seq == next[tag]++);
            have = 0;
        }
    } while (n > 0);
    TEST_CHECK(have == 0 && next[1] == RECORDS && next[2] == RECORDS);
    TEST_CHECK(kiln_pipe_close(r) == SOLO5_R_OK);
    TEST_CHECK(wait_child(ids[0]) == 0 && wait_child(ids[1]) == 0);
    test_puts("pipe: two writers' 4096-byte writes arrive whole, in order\n");
}

/* Two children keep the read end: every record the parent writes reaches
 * exactly one of them, whole; each reports its count and sum of sequence
 * numbers through a second pipe. */
static void test_pipe_shared_readers(void)
{
    static uint8_t rec[RECORD];
    uint64_t r, w, rr, rw, ids[2];
    TEST_CHECK(kiln_pipe(&r, &w) == SOLO5_R_OK);
    TEST_CHECK(kiln_pipe(&rr, &rw) == SOLO5_R_OK);
    for (int c = 0; c < 2; c++) {
        TEST_CHECK(kiln_fork(&ids[c]) == SOLO5_R_OK);
        if (ids[c] != 0)
            continue;
        TEST_CHECK(kiln_pipe_close(w) == SOLO5_R_OK);
        TEST_CHECK(kiln_pipe_close(rr) == SOLO5_R_OK);
        uint64_t report[2] = {0, 0}; /* records, sum of sequence numbers */
        size_t n;
        for (;;) {
            TEST_CHECK(pipe_io(0, r, rec, RECORD, &n) == SOLO5_R_OK);
            if (n == 0)
                break;
            TEST_CHECK(n == RECORD); /* whole records only were written */
            uint64_t tag = 3;
            report[1] += check_record(rec, &tag);
            report[0]++;
        }
        TEST_CHECK(pipe_io(1, rw, (uint8_t *)report, sizeof report, &n) == SOLO5_R_OK);
        TEST_CHECK(n == sizeof report);
        solo5_exit(0);
    }
    TEST_CHECK(kiln_pipe_close(r) == SOLO5_R_OK);
    TEST_CHECK(kiln_pipe_close(rw) == SOLO5_R_OK);
    for (uint64_t seq = 0; seq < 2 * RECORDS; seq++) {
        size_t n;
        fill_record(buf, 3, seq);
        TEST_CHECK(pipe_io(1, w, buf, RECORD, &n) == SOLO5_R_OK && n == RECORD);
    }
    TEST_CHECK(kiln_pipe_close(w) == SOLO5_R_OK);
    static uint64_t reports[4];
    size_t got = 0, n;
    do {
        TEST_CHECK(pipe_io(0, rr, (uint8_t *)reports + got, sizeof reports - got, &n) ==
                   SOLO5_R_OK);
        got += n;
    } while (n > 0 && got < sizeof reports);
    TEST_CHECK(got == sizeof reports);
    TEST_CHECK(reports[0] + reports[2] == 2 * RECORDS);
    TEST_CHECK(reports[1] + reports[3] == RECORDS * (2 * RECORDS - 1));
    TEST_CHECK(kiln_pipe_close(rr) == SOLO5_R_OK);
    TEST_CHECK(wait_child(ids[0]) == 0 && wait_child(ids[1]) == 0);
    test_puts("pipe: two readers share the records, each whole, none lost\n");
}

static void test_refusals(void)
{
    uint64_t r, w;
    size_t n;
    int status;
    TEST_CHECK(kiln_pipe(&r, &w) == SOLO5_R_OK);
    TEST_CHECK(kiln_pipe_read(w, buf, 1, &n) == SOLO5_R_EINVAL);
    TEST_CHECK(kiln_pipe_write(r, buf, 1, &n) == SOLO5_R_EINVAL);
    TEST_CHECK(kiln_pipe_read(r, buf, 0, &n) == SOLO5_R_EINVAL);
    TEST_CHECK(kiln_pipe_read(r, (void *)0x1000, 16, &n) == SOLO5_R_EINVAL);
    TEST_CHECK(kiln_pipe_write(w, (void *)0xfffffff0, 64, &n) == SOLO5_R_EINVAL);
    TEST_CHECK(kiln_pipe_read(r, buf, 1, &n) == SOLO5_R_AGAIN); /* empty */
    TEST_CHECK(kiln_pipe_read(12345, buf, 1, &n) == SOLO5_R_EINVAL);
    TEST_CHECK(kiln_pipe_close(r) == SOLO5_R_OK);
    TEST_CHECK(kiln_pipe_close(r) == SOLO5_R_EINVAL);
    TEST_CHECK(kiln_pipe_write(w, buf, 1, &n) == KILN_R_EPIPE);
    TEST_CHECK(kiln_pipe_close(w) == SOLO5_R_OK);
    TEST_CHECK(kiln_wait(1, &status) == SOLO5_R_EINVAL);
    TEST_CHECK(kiln_wait(0, &status) == SOLO5_R_EINVAL);
    test_puts("refusals: bad ends, buffers and ids\n");
}

static void test_limit(void)
{
    static uint64_t ids[MAX_CHILDREN];
    for (int i = 0; i < MAX_CHILDREN; i++) {
        TEST_CHECK(kiln_fork(&ids[i]) == SOLO5_R_OK);
        if (ids[i] == 0)
            solo5_exit(i);
    }
    uint64_t extra;
    TEST_CHECK(kiln_fork(&extra) == KILN_R_LIMIT);
    for (int i = 0; i < MAX_CHILDREN; i++)
        TEST_CHECK(wait_child(ids[i]) == i);
    TEST_CHECK(kiln_fork(&extra) == SOLO5_R_OK);
    if (extra == 0)
        solo5_exit(0);
    TEST_CHECK(wait_child(extra) == 0);
    test_puts("fork: the child limit holds and frees up\n");
}

int solo5_app_main(const struct solo5_start_info *si)
{
    char v[8];
    test_puts("**** Kiln fork ****\n");
    test_refusals();
    test_memory_and_status();
    test_nested();
    test_pipe_stream();
    test_pipe_epipe();
    test_pipe_shared_writers();
    test_pipe_shared_readers();
    if (test_arg(si->cmdline, "limit", v, sizeof v))
        test_limit();
    test_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
