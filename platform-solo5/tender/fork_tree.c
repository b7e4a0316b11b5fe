/* fork_tree.c: the tree-wide limit on forked tenders (fork_tree.h). */
#include "fork_tree.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include "fail.h"

/* Made by the first tender that forks, before it forks: every tender of
 * the tree below it inherits the same page. */
static _Atomic unsigned *live;

int kiln_fork_tree_take(char *err, size_t errlen)
{
    if (live == NULL) {
        void *p = mmap(NULL, sizeof *live, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return kiln_fail(err, errlen, "fork: shared tree count: %s",
                             strerror(errno));
        live = p;
    }
    unsigned n = atomic_load(live);
    do {
        if (n >= KILN_FORK_MAX_TREE)
            return 1;
    } while (!atomic_compare_exchange_weak(live, &n, n + 1));
    return 0;
}

void kiln_fork_tree_give_back(unsigned n)
{
    if (live != NULL && n > 0)
        atomic_fetch_sub(live, n);
}

unsigned kiln_fork_tree_live(void)
{
    return live != NULL ? atomic_load(live) : 0;
}
