/**
 * A shell snippet that prints how many kiln-hvt processes run in the case's
 * own directory (the tenders a case started, and their forked children,
 * which inherit it). On a host with KVM the cases run on the host itself,
 * where other kiln-hvt processes may be running beside the test.
 */
export const COUNT_TENDERS_HERE =
  'n=0; for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = kiln-hvt ] && [ "$(readlink $d/cwd)" = "$PWD" ] && n=$((n+1)); done; echo $n';
