// The worker isolate's own JS heap, read through the V8 inspector: what the worker
// retains (the memory tier, module state), without the runtime around it. wrangler
// dev fronts workerd's inspector with its own proxy (a /json list with one "workers"
// target, WebSocket at /ws, one client at a time, Origin must be a local host); its
// port is found among the sockets our own workerd processes listen on, never assumed
// to be 9229, which another wrangler on the machine may hold.

import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Loopback ports in LISTEN state owned by `pids`, from /proc. */
function listeningPorts(pids: readonly number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) inodes.add(m[1] as string);
        } catch {
          // fd closed meanwhile
        }
      }
    } catch {
      // process gone
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address st … inode (index 9); st 0A = LISTEN
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9] as string)) continue;
      ports.push(parseInt((f[1] as string).split(':')[1] as string, 16));
    }
  }
  return ports;
}

export interface IsolateInspector {
  /** JS heap in use after a forced full GC, bytes. */
  heapAfterGc(): Promise<{ usedSize: number; totalSize: number }>;
  close(): void;
}

/**
 * Connect to the user worker's inspector. `pump` sends the worker a request: workerd
 * only services inspector messages while the isolate's event loop turns.
 */
export async function connectIsolate(
  pids: readonly number[],
  pump: () => Promise<unknown>,
): Promise<IsolateInspector> {
  let target = '';
  for (const port of listeningPorts(pids)) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(1000) });
      const list = (await res.json()) as { description?: string; webSocketDebuggerUrl?: string }[];
      const proxy = list.find((t) => t.description === 'workers' && t.webSocketDebuggerUrl);
      if (proxy?.webSocketDebuggerUrl) {
        target = proxy.webSocketDebuggerUrl;
        break;
      }
    } catch {
      // not an HTTP inspector
    }
  }
  if (!target) throw new Error('no workerd inspector found among our workerd processes');
  // Node's WebSocket (undici) takes extra headers in its init object; the DOM type does not say so.
  const Ws = WebSocket as unknown as new (
    url: string,
    init: { headers: Record<string, string> },
  ) => WebSocket;
  const ws = new Ws(target, { headers: { Origin: 'http://127.0.0.1' } });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`inspector connection to ${target} failed`)), {
      once: true,
    });
  });
  let nextId = 0;
  const pending = new Map<number, (msg: { result?: unknown; error?: { message: string } }) => void>();
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (msg.id != null) pending.get(msg.id)?.(msg);
  });
  const call = async <T>(method: string): Promise<T> => {
    const id = ++nextId;
    const answer = new Promise<{ result?: unknown; error?: { message: string } }>((r) => pending.set(id, r));
    ws.send(JSON.stringify({ id, method, params: {} }));
    const deadline = Date.now() + 15_000;
    for (;;) {
      const m = await Promise.race([answer, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
      if (m) {
        pending.delete(id);
        if (m.error) throw new Error(`${method}: ${m.error.message}`);
        return m.result as T;
      }
      if (Date.now() > deadline) throw new Error(`${method}: no answer from the inspector`);
      await pump().catch(() => {});
    }
  };
  return {
    async heapAfterGc() {
      await call('HeapProfiler.collectGarbage');
      return call<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
    },
    close: () => ws.close(),
  };
}
