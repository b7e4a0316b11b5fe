/* vcpu_state.c: aarch64 has no vCPU snapshot yet, so kiln-hvt refuses to
 * fork there: the guest's fork call fails with KILN_R_NOSYS and the tender
 * prints this reason. */
#include "../vcpu_state.h"
#include "../fail.h"

struct kiln_vcpu_state *kiln_vcpu_save(struct kiln_vm *vm, char *err,
                                       size_t errlen)
{
    (void)vm;
    kiln_fail(err, errlen, "fork is not implemented on aarch64 yet");
    return NULL;
}

int kiln_vcpu_restore(struct kiln_vm *vm, const struct kiln_vcpu_state *s,
                      char *err, size_t errlen)
{
    (void)vm;
    (void)s;
    return kiln_fail(err, errlen, "fork is not implemented on aarch64 yet");
}

void kiln_vcpu_state_free(struct kiln_vcpu_state *s)
{
    (void)s;
}
