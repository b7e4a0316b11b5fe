/* unit.h: a minimal check macro for the tender's host unit tests. Each test
 * program exits 0 when every check held, 1 otherwise. */
#ifndef KILN_UNIT_H
#define KILN_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                    \
            unit_failures++;                                                   \
        }                                                                      \
    } while (0)

/* err must contain the fragment. */
#define CHECK_ERR(err, fragment)                                               \
    do {                                                                       \
        if (strstr((err), (fragment)) == NULL) {                               \
            fprintf(stderr, "%s:%d: error '%s' lacks '%s'\n", __FILE__,        \
                    __LINE__, (err), (fragment));                              \
            unit_failures++;                                                   \
        }                                                                      \
    } while (0)

#define UNIT_DONE()                                                            \
    do {                                                                       \
        printf("%s: %s\n", __FILE__, unit_failures ? "FAILED" : "ok");         \
        return unit_failures ? 1 : 0;                                          \
    } while (0)

#endif
