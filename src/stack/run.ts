// Runs an installer's command and fails with the command's own last words when it fails.
import { spawn } from 'node:child_process';
import { PipelineError } from '../errors.ts';

/** Installing a service of the local stack failed; the message says which step and why. */
export class StackInstallError extends PipelineError {
  constructor(readonly service: string, detail: string, cause?: unknown) {
    super(`installing ${service} failed: ${detail}`, { cause, context: { service } });
  }
}

export interface RunResult {
  code: number;
  output: string;
}

/** Runs a command to completion and returns its exit code and merged output (never throws for a non-zero exit). */
export function runCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => resolve({ code: 127, output: `${output}${error.message}` }));
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Like runCommand, but a non-zero exit becomes a StackInstallError naming the service and quoting the output's tail. */
export async function runOrFail(service: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const { code, output } = await runCommand(command, args, options);
  if (code !== 0) {
    const tail = output.trim().split('\n').slice(-15).join('\n');
    throw new StackInstallError(service, `\`${command} ${args.join(' ')}\` exited with ${code}\n${tail}`);
  }
  return output;
}
