// The "wrangler dev ceiling" worker for the served phase: no Hono, no cache, no work.
// Each route answers fixed bytes with a fixed Content-Type, from a table built once at
// module load. start.ts generates the entry module that imports the bodies (copies of
// our worker's cached answers, bundled as Data modules) and passes them here.

export interface StaticRoute {
  path: string;
  contentType: string;
  body: ArrayBuffer;
}

export function staticWorker(routes: readonly StaticRoute[]) {
  const table = new Map(routes.map((r) => [r.path, r]));
  return {
    fetch(req: Request): Response {
      const r = table.get(new URL(req.url).pathname);
      if (!r) return new Response('not found', { status: 404 });
      return new Response(r.body, { headers: { 'Content-Type': r.contentType } });
    },
  };
}
