// A small reader of text/event-stream bodies for the tests (workerd and Node alike): it splits
// the stream into blocks as the HTML standard's parser does (fields, comments, a blank line
// ends a block) and hands them out one at a time, with a deadline, so a test can wait for the
// next event without hanging when none comes.

export interface SseBlock {
  event?: string;
  id?: string;
  data?: string;
  retry?: number;
  comments: string[];
}

export type SseRead = SseBlock | 'closed' | 'timeout';

export interface SseReader {
  /** The next block, 'closed' when the stream ended, or 'timeout' after `ms`. */
  next(ms: number): Promise<SseRead>;
  /** The next block with an `event:` field (skipping retry-only blocks and comments), or why none came. */
  nextEvent(ms: number): Promise<SseRead>;
  cancel(): Promise<void>;
}

export function sseReader(body: ReadableStream<Uint8Array>): SseReader {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let closed = false;
  const ready: SseBlock[] = [];
  let pending: Promise<void> | null = null;

  const parse = () => {
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(buffer);
      if (!m) return;
      const raw = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      const block: SseBlock = { comments: [] };
      const data: string[] = [];
      for (const line of raw.split(/\r\n|\n|\r/)) {
        if (line.startsWith(':')) {
          block.comments.push(line.slice(1).trimStart());
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'data') data.push(value);
        else if (field === 'event') block.event = value;
        else if (field === 'id') block.id = value;
        else if (field === 'retry') block.retry = Number(value);
      }
      if (data.length > 0) block.data = data.join('\n');
      ready.push(block);
    }
  };

  const pull = () => {
    pending ??= reader.read().then(
      ({ done, value }) => {
        pending = null;
        if (done) closed = true;
        else buffer += decoder.decode(value, { stream: true });
        parse();
      },
      () => {
        pending = null;
        closed = true;
      },
    );
    return pending;
  };

  const next = async (ms: number): Promise<SseRead> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const block = ready.shift();
      if (block) return block;
      if (closed) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        pull().then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), left))),
      ]);
      clearTimeout(timer);
      if (timedOut && ready.length === 0 && !closed) return 'timeout';
    }
  };

  return {
    next,
    async nextEvent(ms) {
      const deadline = Date.now() + ms;
      for (;;) {
        const r = await next(Math.max(0, deadline - Date.now()));
        if (typeof r === 'string' || r.event !== undefined) return r;
      }
    },
    async cancel() {
      closed = true;
      await reader.cancel().catch(() => undefined);
    },
  };
}
