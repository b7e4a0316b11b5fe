/**
 * fork-contract: the Pipe and Fork contract suites inside an hvt image,
 * against the solo5 drivers over kiln-hvt's pipe and fork devices. Forked
 * scenarios run right here: the child is a copy of this very unikernel at
 * the fork, so it ends at the end of its scenario with the scenario's status
 * (255 when the scenario threw: a crash). One line per case:
 *   PASS suite: name  |  FAIL suite: name: message
 * then `SUMMARY passed=P failed=F` (test/images/contract-app.ts's runner,
 * with its per-case timeout); the exit status is 1 when a case failed.
 * It takes no arguments.
 */
import { consoleOver } from '../../lib/devices/console.ts';
import type { Fork } from '../../lib/devices/fork.ts';
import type { Pipes } from '../../lib/devices/pipe.ts';
import { defineApp, fork, parseArgs, pipe } from '../../lib/index.ts';
import { bindings } from '../../drivers/solo5/bindings.ts';
import { CRASH_STATUS } from '../../drivers/solo5/fork.ts';
import { forkContract, forkScenarios } from '../contract/fork.contract.ts';
import { ContractFailure, type ContractCase } from '../contract/harness.ts';
import { pipeContract, pipeScenarios, type Scenario } from '../contract/pipe.contract.ts';
import { runSuites } from '../images/contract-app.ts';

/** Runs a scenario in this unikernel; a forked child never returns from here. */
async function runScenario(scenario: Scenario | undefined, name: string, pipes: Pipes, forker: Fork & { inChild?: () => boolean }): Promise<void> {
  if (!scenario) throw new ContractFailure(`no scenario '${name}'`);
  let status: number;
  try {
    status = await scenario({ pipes, fork: forker });
  } catch (err) {
    if (!forker.inChild?.()) throw err;
    bindings().write(`child of '${name}' crashed: ${err instanceof Error ? err.message : String(err)}\n`);
    status = CRASH_STATUS;
  }
  if (forker.inChild?.()) bindings().exit(status);
  if (status !== 0) throw new ContractFailure(`scenario '${name}' ended with status ${status}`);
}

export function suites(pipes: Pipes, forker: Fork): Record<'pipe' | 'fork', ContractCase[]> {
  return {
    pipe: pipeContract({ pipes, runScenario: (name) => runScenario(pipeScenarios[name], name, pipes, forker) }),
    fork: forkContract({ runScenario: (name) => runScenario(forkScenarios[name], name, pipes, forker) }),
  };
}

export default defineApp({
  name: 'fork-contract',
  devices: { pipes: pipe(), fork: fork() },
  async start({ devices, args, clock }) {
    parseArgs(args, {});
    const out = consoleOver((line) => bindings().write(`${line}\n`));
    return runSuites(suites(devices.pipes, devices.fork), clock, out);
  },
});
