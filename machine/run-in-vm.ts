// Runs a script in an emulated machine from the command line, for trying
// things out and debugging tests by hand:
//
//   npx vite-node machine/run-in-vm.ts -- --arch=aarch64 \
//     --file=/root/kiln-hvt=build/aarch64/kiln-hvt 'cd /root && ./kiln-hvt --help'
//
// The script's output streams to stdout; the exit status is the script's.
// --console prints the whole console (kernel log included) afterwards.

import { runInVm, vmAvailable, type VmArch } from './vm.ts';

const USAGE = 'usage: run-in-vm.ts --arch=x86_64|aarch64 [--file=GUEST_PATH=HOST_PATH]... [--mem=MB] [--timeout=SECONDS] [--console] SCRIPT';

interface Invocation {
  arch: VmArch;
  files: Record<string, string>;
  memMb?: number;
  timeoutMs?: number;
  showConsole: boolean;
  script: string;
}

function parse(args: string[]): Invocation {
  let arch: VmArch | undefined;
  const files: Record<string, string> = {};
  const invocation: Omit<Invocation, 'arch' | 'script'> = { files, showConsole: false };
  const scripts: string[] = [];
  for (const arg of args) {
    const [key, ...rest] = arg.split('=');
    const value = rest.join('=');
    if (key === '--arch' && (value === 'x86_64' || value === 'aarch64')) arch = value;
    else if (key === '--file' && rest.length >= 2) files[rest[0]!] = rest.slice(1).join('=');
    else if (key === '--mem' && /^\d+$/.test(value)) invocation.memMb = Number(value);
    else if (key === '--timeout' && /^\d+$/.test(value)) invocation.timeoutMs = Number(value) * 1000;
    else if (arg === '--console') invocation.showConsole = true;
    else if (!arg.startsWith('--')) scripts.push(arg);
    else throw new Error(`bad option '${arg}'\n${USAGE}`);
  }
  if (!arch) throw new Error(`--arch=x86_64 or --arch=aarch64 is required\n${USAGE}`);
  if (scripts.length !== 1) throw new Error(`exactly one SCRIPT argument is required, got ${scripts.length}\n${USAGE}`);
  return { ...invocation, arch, script: scripts[0]! };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const invocation = parse(args);
  const reason = await vmAvailable(invocation.arch);
  if (reason) throw new Error(`the ${invocation.arch} machine cannot run here: ${reason}`);
  const result = await runInVm({ ...invocation, onOutput: (text) => process.stdout.write(text) });
  if (invocation.showConsole) process.stderr.write(`\n--- console ---\n${result.console}`);
  process.stderr.write(`[${invocation.arch}: boot ${result.bootMs} ms, script ${result.scriptMs} ms, exit status ${result.exitCode}]\n`);
  return result.exitCode;
}

main().then(
  (status) => process.exit(status),
  (error: Error) => {
    process.stderr.write(`run-in-vm: ${error.message}\n`);
    process.exit(125);
  },
);
