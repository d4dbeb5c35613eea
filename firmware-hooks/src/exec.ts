// One place that runs external tools (mtools, sfdisk, resize2fs, losetup...), so failures always read the same:
// the command, its exit status and what it printed on stderr.
import { execFile } from 'node:child_process';

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are not failures (e2fsck uses 1 for "fixed something"). */
  okCodes?: readonly number[];
}

export type CommandRunner = (cmd: string, args: readonly string[], opts?: RunOptions) => Promise<string>;

export class CommandError extends Error {
  readonly code: number | null;
  readonly stderr: string;
  constructor(cmd: string, args: readonly string[], code: number | null, stderr: string) {
    super(`${cmd} ${args.join(' ')} failed (exit ${code ?? 'signal'}): ${stderr.trim() || '(no output)'}`);
    this.name = 'CommandError';
    this.code = code;
    this.stderr = stderr;
  }
}

export const runCommand: CommandRunner = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      [...args],
      { env: opts.env ?? process.env, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : null;
        if (code !== null && opts.okCodes?.includes(code)) return resolve(stdout);
        if (code === null && typeof err.code === 'string') {
          return reject(new CommandError(cmd, args, null, `${err.code}: ${err.message}`));
        }
        reject(new CommandError(cmd, args, code, stderr));
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
