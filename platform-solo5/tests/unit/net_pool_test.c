/* net_pool_test: --fork-net pools over real taps (in a network namespace of
 * the test's own) and real forked processes: once the pool keeper runs,
 * the tender holds no pool tap and the keeper hands one only to its
 * holder; a tap is held by one process at a time, goes back when its
 * holder exits, is killed, or the fork fails, and a pool with none free
 * refuses the next claim. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "net_pool.h"
#include "unit.h"

#define HANDLE 1

/* A persistent tap in our namespace, as `ip tuntap add` would make it. */
static int make_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
    strcpy(ifr.ifr_name, name);
    int ok = fd >= 0 && ioctl(fd, TUNSETIFF, &ifr) == 0 &&
             ioctl(fd, TUNSETPERSIST, 1) == 0;
    if (fd >= 0)
        close(fd);
    return ok ? 0 : -1;
}

/* A process that claims nothing itself and holds the taps it is handed
 * until told to end (a byte on its pipe) or killed. */
static pid_t holder(int *release_fd)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(p[1]);
        ssize_t n = read(p[0], &c, 1);
        exit(n == 1 ? 0 : 1); /* atexit gives its taps back */
    }
    close(p[0]);
    *release_fd = p[1];
    return pid;
}

/* How many tap (tun) descriptors this process holds. */
static int tun_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char path[300], target[64];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strcmp(target, "/dev/net/tun") == 0;
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

/* Whether tap descriptor (fd) is attached to interface (name). */
static int tap_is(int fd, const char *name)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    return ioctl(fd, TUNGETIFF, &ifr) == 0 && strcmp(ifr.ifr_name, name) == 0;
}

static int claim(struct kiln_net_claim *c)
{
    unsigned h = 0;
    int rc = kiln_net_claim_take(c, &h);
    CHECK(rc == 0 || h == HANDLE);
    return rc == 0 ? c->slot[HANDLE] : -1;
}

int main(void)
{
    if (unshare(CLONE_NEWNET) != 0) {
        printf("SKIPPED: net_pool_test needs root for a network namespace "
               "(%s)\n", strerror(errno));
        return 0;
    }
    CHECK(make_tap("kpool0") == 0 && make_tap("kpool1") == 0);
    char err[256];

    struct kiln_net_opt bad = {.name = "service", .n_fork_taps = 1};
    strcpy(bad.fork_taps[0], "kpoolnone");
    CHECK(kiln_net_pool_open(2, &bad, err, sizeof err) == -1);
    CHECK_ERR(err, "--fork-net:service: tap device 'kpoolnone' does not exist");
    CHECK(!kiln_net_pool_has(HANDLE));

    struct kiln_net_opt opt = {.name = "service", .n_fork_taps = 2};
    strcpy(opt.fork_taps[0], "kpool0");
    strcpy(opt.fork_taps[1], "kpool1");
    CHECK(kiln_net_pool_open(HANDLE, &opt, err, sizeof err) == 0);
    CHECK(kiln_net_pool_has(HANDLE));
    CHECK(tun_fds() == 2);

    /* The keeper takes the taps: this tender holds none, and a tap comes
     * from the keeper only to the tender holding its slot. */
    CHECK(kiln_net_pool_start(err, sizeof err) == 0);
    CHECK(tun_fds() == 0);
    CHECK(kiln_net_pool_fetch(HANDLE, 1, err, sizeof err) == -1);
    CHECK_ERR(err, "refused (not held by this tender) tap 2");
    struct kiln_net_claim mine;
    CHECK(claim(&mine) == 0);
    int fd = kiln_net_pool_fetch(HANDLE, 0, err, sizeof err);
    CHECK(fd >= 0 && tap_is(fd, "kpool0") && tun_fds() == 1);
    close(fd);
    CHECK(kiln_net_pool_fetch(HANDLE, 5, err, sizeof err) == -1);
    kiln_net_claim_drop(&mine);

    /* Two children take both taps; a third claim finds none. */
    struct kiln_net_claim a, b, c;
    int release_a, release_b;
    CHECK(claim(&a) == 0);
    pid_t pa = holder(&release_a);
    kiln_net_claim_hand_over(&a, getpid(), pa);
    CHECK(claim(&b) == 1);
    pid_t pb = holder(&release_b);
    kiln_net_claim_hand_over(&b, getpid(), pb);
    CHECK(claim(&c) == -1);

    /* A fork that failed gives its claim back. */
    kiln_net_claim_drop(&b);
    CHECK(claim(&c) == 1);
    kiln_net_claim_hand_over(&c, getpid(), pb);

    /* A child that ends frees its tap by itself. */
    CHECK(write(release_a, "x", 1) == 1);
    int st;
    CHECK(waitpid(pa, &st, 0) == pa && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(claim(&a) == 0); /* held by this process from here on */

    /* A child killed outright cannot: its parent frees the tap, looking
     * before it reaps (a zombie still holds its tap). */
    kill(pb, SIGKILL);
    siginfo_t info;
    CHECK(waitid(P_PID, (id_t)pb, &info, WEXITED | WNOWAIT) == 0);
    CHECK(claim(&b) == -1);
    kiln_net_pool_release(pb);
    CHECK(waitpid(pb, &st, 0) == pb);
    CHECK(claim(&b) == 1);
    kiln_net_claim_drop(&b);

    /* One nobody released and nobody waits for any more (an orphan killed
     * outright, reaped by init): the next claim takes it over. */
    int release_c;
    pid_t pc = holder(&release_c);
    CHECK(claim(&c) == 1);
    kiln_net_claim_hand_over(&c, getpid(), pc);
    kill(pc, SIGKILL);
    CHECK(waitpid(pc, &st, 0) == pc);
    CHECK(claim(&b) == 1);
    kiln_net_claim_drop(&b);

    /* A grandchild draws from the same table: what a child takes, this
     * process sees taken. */
    pid_t child = fork();
    if (child == 0) {
        struct kiln_net_claim g;
        unsigned h;
        _exit(kiln_net_claim_take(&g, &h) == 0 && g.slot[HANDLE] == 1 ? 0 : 1);
    }
    /* It ended with _exit: until it is reaped, its claim stays. */
    CHECK(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT) == 0 &&
          info.si_status == 0);
    CHECK(claim(&c) == -1);
    kiln_net_pool_release(child);
    CHECK(waitpid(child, &st, 0) == child);
    CHECK(claim(&c) == 1);

    /* A handover after the child already gave its taps back takes nothing. */
    kiln_net_claim_drop(&c);
    kiln_net_claim_hand_over(&c, getpid(), getppid()); /* a live pid */
    CHECK(claim(&c) == 1);
    UNIT_DONE();
}
