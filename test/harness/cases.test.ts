import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';

import { caseResult, casesScript, kvmSkip, splitCaseOutput, testArches, type KvmCase } from './cases.ts';

const TAG = 'T-1';

// The script is plain sh: run it with the host's shell to get real output to split.
function runOnHost(cases: KvmCase[]): string {
  return execFileSync('sh', ['-c', casesScript(cases, TAG)]).toString();
}

describe('cases in one script', () => {
  it('gives each case exactly its output and status, open last lines and empty output included', () => {
    const cases = [
      { name: 'lines', run: 'echo one; echo two' },
      { name: 'open-line', run: "printf 'no newline'" },
      { name: 'empty', run: 'true' },
      { name: 'fails', run: 'echo oops >&2; exit 7' },
      { name: 'blank-lines', run: 'echo; echo' },
    ];
    const results = splitCaseOutput(runOnHost(cases), cases, TAG);
    expect(Object.fromEntries(results)).toEqual({
      lines: { output: 'one\ntwo\n', status: 0 },
      'open-line': { output: 'no newline', status: 0 },
      empty: { output: '', status: 0 },
      fails: { output: 'oops\n', status: 7 },
      'blank-lines': { output: '\n\n', status: 0 },
    });
  });

  it('keeps going after a case that exits: each runs in its own subshell', () => {
    const cases = [
      { name: 'a', run: 'exit 3' },
      { name: 'b', run: 'echo still here' },
    ];
    expect(splitCaseOutput(runOnHost(cases), cases, TAG).get('b')).toEqual({ output: 'still here\n', status: 0 });
  });

  it('says which case did not finish', () => {
    const cases = [{ name: 'ok', run: 'true' }, { name: 'cut', run: 'true' }];
    const truncated = runOnHost(cases).split(`${TAG} end cut`)[0]!;
    expect(() => splitCaseOutput(truncated, cases, TAG)).toThrow(/^case cut did not finish/);
  });

  it('refuses names that could break the framing, and duplicates', () => {
    expect(() => casesScript([{ name: 'a b', run: 'true' }], TAG)).toThrow(/must match/);
    expect(() => casesScript([{ name: 'x"; reboot; "', run: 'true' }], TAG)).toThrow(/must match/);
    expect(() => casesScript([{ name: 'a', run: 'true' }, { name: 'a', run: 'true' }], TAG)).toThrow(/used twice/);
  });

  it('refuses a case with no commands (an empty subshell is a syntax error)', () => {
    expect(() => casesScript([{ name: 'blank', run: '  \n' }], TAG)).toThrow(/case blank has no commands/);
  });
});

describe('testArches', () => {
  const withEnv = (value: string | undefined, run: () => void): void => {
    const saved = process.env.KILN_TEST_ARCH;
    if (value === undefined) delete process.env.KILN_TEST_ARCH;
    else process.env.KILN_TEST_ARCH = value;
    try {
      run();
    } finally {
      if (saved === undefined) delete process.env.KILN_TEST_ARCH;
      else process.env.KILN_TEST_ARCH = saved;
    }
  };

  it('is both architectures unless KILN_TEST_ARCH names some', () => {
    withEnv(undefined, () => expect(testArches()).toEqual(['x86_64', 'aarch64']));
    withEnv('', () => expect(testArches()).toEqual(['x86_64', 'aarch64']));
    withEnv('aarch64', () => expect(testArches()).toEqual(['aarch64']));
    withEnv(' aarch64 , x86_64 ', () => expect(testArches()).toEqual(['aarch64', 'x86_64']));
  });

  it('refuses an architecture it does not know, naming it', () => {
    withEnv('arm64', () => expect(() => testArches()).toThrow(/KILN_TEST_ARCH: unknown architecture 'arm64' \(expected x86_64, aarch64\)/));
  });
});

describe('caseResult', () => {
  it("gives a case's result and names a case that has none", () => {
    const results = new Map([['a', { output: 'x\n', status: 0 }]]);
    expect(caseResult(results, 'a')).toEqual({ output: 'x\n', status: 0 });
    expect(() => caseResult(results, 'b')).toThrow(/no result for case b/);
  });
});

describe('kvmSkip', () => {
  it("announces and returns a reason of the caller's before asking where KVM is", async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(await kvmSkip('aarch64', 'some images', 'needs a compiler')).toBe('needs a compiler');
      expect(warn).toHaveBeenCalledWith('SKIPPED: aarch64: some images: needs a compiler');
    } finally {
      warn.mockRestore();
    }
  });
});
