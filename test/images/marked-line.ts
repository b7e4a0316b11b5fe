import { readFileSync } from 'node:fs';

/** The 1-based line of `file` that carries the comment `// line:NAME` (how test apps mark lines a trace must name). */
export function markedLine(file: string, name: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.endsWith(`// line:${name}`));
  if (index < 0) throw new Error(`${file}: no line marked line:${name}`);
  return index + 1;
}
