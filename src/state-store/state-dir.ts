// Each worker process keeps its partition stores in its own folder, `STATE_DIR/worker-<pid>`: two
// workers on one machine never share a file, and the folders of workers that died (SIGKILL leaves
// them behind) are removed by the next worker that starts, so disk use stays bounded.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const FOLDER = /^worker-(\d+)$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process's folder under `stateDir`, after removing the folders of processes that are gone. */
export function processStateDir(stateDir: string): string {
  const root = path.resolve(stateDir);
  mkdirSync(root, { recursive: true });
  for (const name of readdirSync(root)) {
    const pid = Number(FOLDER.exec(name)?.[1]);
    if (pid && pid !== process.pid && !isAlive(pid)) rmSync(path.join(root, name), { recursive: true, force: true });
  }
  return path.join(root, `worker-${process.pid}`);
}
