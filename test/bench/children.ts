// Every child process the bench starts is tracked here, so that an error, Ctrl-C or a
// plain exit never leaves a wrangler, workerd or render child running. Children are
// started detached (own process group), so killing -pid reaches their own children
// (workerd under wrangler) too; only these ids are ever signalled.

import { readFileSync, readdirSync } from 'node:fs';

const groups = new Set<number>();
const cleanups = new Set<() => Promise<void>>();

/** Track a detached child's process group; returns an untrack function. */
export function track(pid: number | undefined): () => void {
  if (!pid) return () => {};
  groups.add(pid);
  return () => groups.delete(pid);
}

/** An async cleanup (e.g. a RunningWorker's stop) to run on error or signal. */
export function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/**
 * Our own direct children, from /proc: also catches one whose start was interrupted
 * before it could be tracked (e.g. Ctrl-C while `wrangler dev` boots).
 */
function ownChildren(): number[] {
  const out: number[] = [];
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        // pid (comm) state ppid pgrp …; comm may contain spaces, so split after ')'.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[1]) === process.pid) out.push(Number(name));
      } catch {
        // gone
      }
    }
  } catch {
    // no /proc
  }
  return out;
}

function killGroups(signal: NodeJS.Signals): void {
  for (const pid of ownChildren()) groups.add(pid);
  for (const pid of groups) {
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal); // not a group leader
      } catch {
        // already gone
      }
    }
  }
}

export async function cleanupAll(): Promise<void> {
  const fns = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(fns.map((f) => f()));
  killGroups('SIGKILL');
  groups.clear();
}

let installed = false;
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  // Last resort, synchronous: whatever is still tracked dies with us.
  process.on('exit', () => killGroups('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping child processes…\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}
