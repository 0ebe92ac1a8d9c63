// Memory of the app as the benchmarks judge it (startup-bench.mjs, app-bench.mjs): the
// process tree's PSS from /proc, and the platform's floor, WebKitGTK's own MiniBrowser on a
// blank page in the same environment.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

/** PSS/USS of `root` and its descendants, from /proc (Linux). */
export function treeMemory(root) {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      if (ppid) parents.set(Number(name), Number(ppid[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  // `by`: PSS by process name, to tell the app's own memory from WebKit's.
  const total = { pss_kb: 0, uss_kb: 0, dirty_kb: 0, processes: 0, by: {} };
  for (const pid of tree) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
      total.pss_kb += kb('Pss');
      total.uss_kb += kb('Private_Clean') + kb('Private_Dirty');
      total.dirty_kb += kb('Private_Dirty');
      total.processes += 1;
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      total.by[comm] = (total.by[comm] ?? 0) + kb('Pss');
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** MiniBrowser on about:blank, measured after the same settling time as the app. */
export async function blankPageFloor(compositingOff) {
  const browser = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
  if (!existsSync(browser)) {
    console.log(`(no ${browser}: the platform floor is not measured)`);
    return null;
  }
  const env = { ...process.env };
  if (compositingOff) env.WEBKIT_DISABLE_COMPOSITING_MODE = '1';
  const child = spawn(browser, ['about:blank'], { env, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 6000));
  const memory = treeMemory(child.pid);
  child.kill('SIGKILL');
  return memory;
}
