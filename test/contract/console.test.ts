import { consoleOver } from '../../lib/devices/console.ts';
import { createUnixConsole } from '../../drivers/unix/console.ts';
import { consoleContract } from './console.contract.ts';
import { runContract } from './vitest-adapter.ts';

runContract('Console contract: unix (on a stream)', () =>
  consoleContract((minLevel) => {
    let text = '';
    const console = createUnixConsole({ out: { write: (chunk: string) => (text += chunk) }, ...(minLevel ? { minLevel } : {}) });
    return { console, lines: () => (text === '' ? [] : text.replace(/\n$/, '').split('\n')) };
  }),
);

runContract('Console contract: consoleOver a line sink (what tests use)', () =>
  consoleContract((minLevel) => {
    const lines: string[] = [];
    return { console: consoleOver((line) => lines.push(line), minLevel), lines: () => lines };
  }),
);
