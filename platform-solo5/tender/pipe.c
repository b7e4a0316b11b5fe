/*
 * pipe.c: KILN_HC_PIPE_CREATE/READ/WRITE/CLOSE over host pipes. The tender
 * holds both ends; a forked tender inherits them, so end-of-file comes once
 * every write end in every tender is closed (or its tender gone) and EPIPE
 * once every read end is. Reads and writes never block the tender: on
 * EAGAIN the end is armed (one-shot) in the poll set under the pipe
 * device's handle and the guest waits in solo5_yield, then retries.
 */
#define _GNU_SOURCE
#include "pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hypercall.h"
#include "solo5.h"

#define IO_MAX (1ULL << 30) /* bytes per call; more is split by the guest */

struct end {
    int fd; /* -1: free */
    int writer;
};

/* A guest's end id is its index + 1 (0 is never an end). */
static struct end ends[KILN_PIPE_MAX_ENDS];
static uint64_t pipe_handle;

static struct end *end_of(uint64_t id, int writer)
{
    if (id == 0 || id > KILN_PIPE_MAX_ENDS)
        return NULL;
    struct end *e = &ends[id - 1];
    return e->fd >= 0 && e->writer == writer ? e : NULL;
}

static int free_end(int after)
{
    for (int i = after + 1; i < KILN_PIPE_MAX_ENDS; i++)
        if (ends[i].fd < 0)
            return i;
    return -1;
}

static enum kiln_hc_outcome create(const struct kiln_guest_mem *m,
                                   uint64_t gpa, int *status)
{
    struct kiln_hc_pipe_create *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_pipe_create);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_PIPE_CREATE, gpa, status);
    int r = free_end(-1), w = r < 0 ? -1 : free_end(r);
    int fds[2];
    if (w < 0) {
        a->ret = KILN_R_LIMIT;
        return KILN_HC_CONTINUE;
    }
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        a->ret = errno == EMFILE || errno == ENFILE ? KILN_R_LIMIT
                                                    : SOLO5_R_EUNSPEC;
        return KILN_HC_CONTINUE;
    }
    ends[r] = (struct end){.fd = fds[0], .writer = 0};
    ends[w] = (struct end){.fd = fds[1], .writer = 1};
    a->read_end = (uint64_t)r + 1;
    a->write_end = (uint64_t)w + 1;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

/* Nothing to move now: wake the guest's next yield when there is. */
static int32_t arm(const struct end *e)
{
    uint32_t ev = (e->writer ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
    return kiln_poll_watch(e->fd, ev, pipe_handle) == 0 ? SOLO5_R_AGAIN
                                                        : SOLO5_R_EUNSPEC;
}

static enum kiln_hc_outcome transfer(const struct kiln_guest_mem *m,
                                     uint64_t gpa, int *status, int writer)
{
    struct kiln_hc_pipe_io *a = KILN_HC_ARGS(m, gpa, struct kiln_hc_pipe_io);
    if (a == NULL)
        return kiln_hc_bad_args(writer ? KILN_HC_PIPE_WRITE : KILN_HC_PIPE_READ,
                                gpa, status);
    uint64_t data = a->data, len = a->len;
    struct end *e = end_of(a->end, writer);
    /* A write reads guest memory; a read writes it. */
    void *buf = writer ? (void *)kiln_gpa_readable(m, data, len)
                       : kiln_gpa_writable(m, data, len);
    if (e == NULL || buf == NULL || len > IO_MAX || (!writer && len == 0)) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    ssize_t n;
    do
        n = writer ? write(e->fd, buf, len) : read(e->fd, buf, len);
    while (n < 0 && errno == EINTR);
    if (n >= 0) {
        a->len = (uint64_t)n;
        a->ret = SOLO5_R_OK;
    } else if (errno == EAGAIN) {
        a->ret = arm(e);
    } else {
        a->ret = errno == EPIPE ? KILN_R_EPIPE : SOLO5_R_EUNSPEC;
    }
    return KILN_HC_CONTINUE;
}

static enum kiln_hc_outcome read_(const struct kiln_guest_mem *m, uint64_t gpa,
                                  int *status)
{
    return transfer(m, gpa, status, 0);
}

static enum kiln_hc_outcome write_(const struct kiln_guest_mem *m,
                                   uint64_t gpa, int *status)
{
    return transfer(m, gpa, status, 1);
}

static enum kiln_hc_outcome close_(const struct kiln_guest_mem *m,
                                   uint64_t gpa, int *status)
{
    struct kiln_hc_pipe_close *a =
        KILN_HC_ARGS(m, gpa, struct kiln_hc_pipe_close);
    if (a == NULL)
        return kiln_hc_bad_args(KILN_HC_PIPE_CLOSE, gpa, status);
    uint64_t id = a->end;
    struct end *e = end_of(id, 0);
    if (e == NULL)
        e = end_of(id, 1);
    if (e == NULL) {
        a->ret = SOLO5_R_EINVAL;
        return KILN_HC_CONTINUE;
    }
    kiln_poll_forget(e->fd);
    close(e->fd);
    e->fd = -1;
    a->ret = SOLO5_R_OK;
    return KILN_HC_CONTINUE;
}

void kiln_pipe_attach(unsigned index)
{
    for (unsigned i = 0; i < KILN_PIPE_MAX_ENDS; i++)
        ends[i].fd = -1;
    pipe_handle = index;
    /* A write to a pipe nobody reads must fail with EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    kiln_hc_register(KILN_HC_PIPE_CREATE, create);
    kiln_hc_register(KILN_HC_PIPE_READ, read_);
    kiln_hc_register(KILN_HC_PIPE_WRITE, write_);
    kiln_hc_register(KILN_HC_PIPE_CLOSE, close_);
}
