/**
 * Contract of the Console signature (lib/devices/console.ts): `write` prints
 * a line as it is, the level methods prefix the level and drop what is below
 * the console's minimum level. A subject captures what reached its output.
 */
import type { Console, LogLevel } from '../../lib/devices/console.ts';
import { assertEqual, type ContractCase } from './harness.ts';

export interface ConsoleUnderTest {
  console: Console;
  /** Every line that reached the output so far, without line terminators. */
  lines(): string[];
}

export function consoleContract(make: (minLevel?: LogLevel) => ConsoleUnderTest): ContractCase[] {
  const expectLines = (subject: ConsoleUnderTest, expected: string[], what: string): void =>
    assertEqual(JSON.stringify(subject.lines()), JSON.stringify(expected), what);
  return [
    {
      name: 'write prints the line as it is',
      run: async () => {
        const subject = make();
        subject.console.write('hello, kiln');
        subject.console.write('');
        subject.console.write('[not a level] 100% {x}');
        expectLines(subject, ['hello, kiln', '', '[not a level] 100% {x}'], 'lines');
      },
    },
    {
      name: 'level methods prefix the level; debug is hidden by default',
      run: async () => {
        const subject = make();
        subject.console.debug('d');
        subject.console.info('i');
        subject.console.warn('w');
        subject.console.error('e');
        subject.console.log('warn', 'via log');
        expectLines(subject, ['[info] i', '[warn] w', '[error] e', '[warn] via log'], 'lines');
      },
    },
    {
      name: 'the minimum level filters the level methods but not write',
      run: async () => {
        const subject = make('warn');
        subject.console.info('hidden');
        subject.console.warn('shown');
        subject.console.write('always');
        const debugging = make('debug');
        debugging.console.debug('details');
        expectLines(subject, ['[warn] shown', 'always'], 'lines at warn');
        expectLines(debugging, ['[debug] details'], 'lines at debug');
      },
    },
    {
      name: 'lines come out in the order they were logged',
      run: async () => {
        const subject = make();
        for (let i = 0; i < 100; i++) subject.console.info(`line ${i}`);
        expectLines(subject, Array.from({ length: 100 }, (_, i) => `[info] line ${i}`), 'lines');
      },
    },
  ];
}
