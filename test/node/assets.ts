import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';

// The ASSETS binding's stand-in outside workerd (the bench, the reference pictures): the same
// ./assets directory wrangler serves, read from disk; 404 for what is not there.

export function fileAssets(root: string): { fetch(input: string): Promise<Response> } {
  const dir = join(root, 'assets');
  return {
    async fetch(input: string) {
      const path = normalize(decodeURIComponent(new URL(input).pathname));
      if (path.includes('..')) return new Response(null, { status: 404 });
      try {
        return new Response(await readFile(join(dir, path)));
      } catch {
        return new Response(null, { status: 404 });
      }
    },
  };
}
