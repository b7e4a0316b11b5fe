/**
 * Command-line options of the kiln subcommands: `--name VALUE`, `--name=VALUE`,
 * `-o VALUE`, boolean `--name`, positional arguments, and everything after
 * `--` passed through to the app. Each mistake is one UsageError line that
 * names the option and the expected form.
 */
import { UsageError } from './usage-error.ts';

export interface OptionSpec {
  /** Short alias such as `o`. */
  short?: string;
  /** Expected form for error messages and help, e.g. `unix|hvt`; absent for boolean flags. */
  value?: string;
  /** Allowed values; anything else is refused. */
  choices?: readonly string[];
  /** May be given more than once (values collected in order). */
  repeat?: boolean;
  help: string;
}

export interface ParsedOptions {
  values: Map<string, string[]>;
  flags: Set<string>;
  positional: string[];
  /** Arguments after `--`. */
  rest: string[];
}

export function parseOptions(command: string, argv: readonly string[], spec: Record<string, OptionSpec>): ParsedOptions {
  const out: ParsedOptions = { values: new Map(), flags: new Set(), positional: [], rest: [] };
  const byShort = new Map(Object.entries(spec).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    const long = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    const short = /^-([a-zA-Z])$/.exec(arg);
    if (long) {
      name = long[1]!;
      inline = long[2];
    } else if (short) {
      name = byShort.get(short[1]!);
      if (!name) throw new UsageError(`kiln ${command}: unknown option ${arg} (see kiln ${command} --help)`);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`kiln ${command}: unknown option ${arg} (see kiln ${command} --help)`);
    } else {
      out.positional.push(arg);
      continue;
    }
    const s = spec[name];
    if (!s) {
      // `kiln run app --port=80` is the usual slip: the app's own arguments go after `--`.
      const hint = command === 'run' ? `; the app's own arguments go after --, as in: kiln run <app> -- ${arg}` : '';
      throw new UsageError(`kiln ${command}: unknown option --${name} (see kiln ${command} --help${hint})`);
    }
    if (s.value === undefined) {
      if (inline !== undefined) throw new UsageError(`kiln ${command}: --${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') {
      throw new UsageError(`kiln ${command}: --${name} needs a value: --${name} ${s.value}`);
    }
    if (s.choices && !s.choices.includes(value)) {
      throw new UsageError(`kiln ${command}: --${name} must be one of ${s.choices.join(', ')}, got '${value}'`);
    }
    const list = out.values.get(name) ?? [];
    if (list.length > 0 && !s.repeat) throw new UsageError(`kiln ${command}: --${name} given twice`);
    list.push(value);
    out.values.set(name, list);
  }
  return out;
}

/** The single value of an option, or the default. */
export function single(options: ParsedOptions, name: string, fallback?: string): string | undefined {
  return options.values.get(name)?.[0] ?? fallback;
}

export function optionHelp(spec: Record<string, OptionSpec>): string {
  return Object.entries(spec)
    .map(([name, s]) => {
      const flag = `${s.short ? `-${s.short}, ` : ''}--${name}${s.value ? ` ${s.value}` : ''}`;
      return `  ${flag.padEnd(30)} ${s.help}`;
    })
    .join('\n');
}
