/* fork_tree_test: the tree-wide limit on forked tenders holds across real
 * fork()s, children of children included, and places come back. */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <unistd.h>

#include "fork_tree.h"
#include "unit.h"

/* Runs (body) in a forked process; whether it exited 0. */
static int in_child(int (*body)(void))
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(body());
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
           WEXITSTATUS(st) == 0;
}

static int take_three(void)
{
    char err[128];
    for (int i = 0; i < 3; i++)
        if (kiln_fork_tree_take(err, sizeof err) != 0)
            return 1;
    return 0;
}

/* A child that forks a grandchild, which takes its places in the same tree. */
static int grandchild_takes_three(void)
{
    return in_child(take_three) ? 0 : 1;
}

static void test_limit(void)
{
    char err[128];
    CHECK(kiln_fork_tree_live() == 0);
    for (unsigned i = 0; i < KILN_FORK_MAX_TREE; i++)
        CHECK(kiln_fork_tree_take(err, sizeof err) == 0);
    CHECK(kiln_fork_tree_live() == KILN_FORK_MAX_TREE);
    CHECK(kiln_fork_tree_take(err, sizeof err) == 1);
    CHECK(kiln_fork_tree_live() == KILN_FORK_MAX_TREE);
    kiln_fork_tree_give_back(KILN_FORK_MAX_TREE - 1);
    CHECK(kiln_fork_tree_live() == 1);
}

static void test_shared_across_forks(void)
{
    CHECK(kiln_fork_tree_live() == 1);
    CHECK(in_child(take_three));
    CHECK(kiln_fork_tree_live() == 4);
    CHECK(in_child(grandchild_takes_three));
    CHECK(kiln_fork_tree_live() == 7);
    /* A full tree refuses in every tender of it. */
    kiln_fork_tree_give_back(7);
    char err[128];
    for (unsigned i = 0; i < KILN_FORK_MAX_TREE - 2; i++)
        CHECK(kiln_fork_tree_take(err, sizeof err) == 0);
    CHECK(!in_child(take_three));
    CHECK(kiln_fork_tree_live() == KILN_FORK_MAX_TREE);
    kiln_fork_tree_give_back(KILN_FORK_MAX_TREE);
    CHECK(kiln_fork_tree_live() == 0);
}

int main(void)
{
    test_limit();
    test_shared_across_forks();
    UNIT_DONE();
}
