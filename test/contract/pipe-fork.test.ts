/** The Pipe and Fork contracts against the unix drivers. */
import { beforeAll } from 'vitest';
import { join } from 'node:path';
import { createUnixPipes } from '../../drivers/unix/pipe.ts';
import { forkContract } from './fork.contract.ts';
import { bundleFixture, expectSuccess, repoRoot } from './fixtures/run-program.ts';
import { pipeContract } from './pipe.contract.ts';
import { runContract } from './vitest-adapter.ts';

let bundle = '';
beforeAll(async () => {
  bundle = await bundleFixture(join(repoRoot, 'test', 'contract', 'fixtures', 'scenarios.app.ts'), 'contract-scenarios');
});

const runScenario = async (name: string): Promise<void> => {
  await expectSuccess(bundle, [`--case=${name}`]);
};

runContract('Pipe contract (unix)', () => pipeContract({ pipes: createUnixPipes(), runScenario }));
runContract('Fork contract (unix)', () => forkContract({ runScenario }));
