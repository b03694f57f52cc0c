/**
 * The temporary folder of one jitted model's files (its weights file and graphs). A process
 * removes its folders when it exits or the model is disposed; one killed by a signal cannot,
 * and would leave a weights-sized folder behind for good. So each folder records the process
 * (and host) that made it, and making a folder first removes those whose process no longer runs.
 */
import { nodeIo } from '@penjing/io';
import { nodeFs, nodeOs, nodePath } from './node.js';

const PREFIX = 'penjing-jit-';
const OWNER = 'owner.pid';

type Proc = { pid?: number; kill?(pid: number, signal: number): void };
const proc = (): Proc | undefined => (globalThis as { process?: Proc }).process;

/**
 * A new folder under the system's temporary directory, after removing orphaned ones.
 * @example const dir = await makeWorkDir(); // e.g. /tmp/penjing-jit-Ab12Cd
 */
export async function makeWorkDir(): Promise<string> {
  const [fs, os, path] = await Promise.all([nodeFs(), nodeOs(), nodePath()]);
  const root = os.tmpdir();
  for (const name of fs.readdirSync(root)) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = path.join(root, name);
    let mark: string;
    try {
      mark = fs.readFileSync(path.join(dir, OWNER), 'utf8');
    } catch {
      continue; // unmarked (made by an older version) or unreadable: not ours to judge
    }
    // Only processes of this host are judged: a temporary directory shared between
    // containers holds folders of processes this one cannot see.
    const [pid, host] = [Number(mark.split('@')[0]), mark.slice(mark.indexOf('@') + 1)];
    if (host === os.hostname() && Number.isInteger(pid) && pid > 0 && pid !== proc()?.pid && !running(pid)) fs.rmSync(dir, { recursive: true, force: true });
  }
  const dir = fs.mkdtempSync(path.join(root, PREFIX));
  const pid = proc()?.pid;
  if (pid) {
    const { writeFileAtomic } = await nodeIo('compiling a model');
    await writeFileAtomic(path.join(dir, OWNER), `${pid}@${os.hostname()}`);
  }
  return dir;
}

/** Whether process `pid` runs; true when that cannot be told (only a definite "no such process" says false). */
function running(pid: number): boolean {
  try {
    proc()?.kill?.(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ESRCH';
  }
}
