import { unixRandom } from '../../drivers/unix/random.ts';
import { randomContract } from './random.contract.ts';
import { runContract } from './vitest-adapter.ts';

runContract('Random contract: unix', () => randomContract(unixRandom));
