/*
 * fork_tree.h: a limit on the forked tenders of one whole tree. Each tender
 * may have KILN_FORK_MAX_CHILDREN live children, but a guest could still
 * grow its tree without bound by forking through its children; so every
 * tender forked from the first also takes a place out of KILN_FORK_MAX_TREE,
 * counted in memory shared by the whole tree (mapped before the first fork,
 * inherited by every tender after it). A place is given back when its
 * tender is reaped, and, for the children a tender still has when it ends,
 * by that tender on its way out (they die with it: PR_SET_PDEATHSIG). A
 * tender killed outright (SIGKILL) cannot give back its children's places:
 * they stay taken until the first tender ends.
 */
#ifndef KILN_FORK_TREE_H
#define KILN_FORK_TREE_H

#include <stddef.h>

/* At most this many tenders forked from one first tender live at once,
 * children of children included. */
#define KILN_FORK_MAX_TREE 256

/* Takes a place for a child about to be forked: 0; 1 when the tree is full;
 * -1 with a reason when the shared count cannot be made. */
int kiln_fork_tree_take(char *err, size_t errlen);

/* Gives back (n) places: children reaped, or never made, or dying with
 * this tender. */
void kiln_fork_tree_give_back(unsigned n);

/* Tenders of the tree alive now, besides the first (for tests). */
unsigned kiln_fork_tree_live(void);

#endif
