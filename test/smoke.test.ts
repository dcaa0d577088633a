import { SELF } from 'cloudflare:test';
import { expect, it } from 'vitest';
it('healthz', async () => {
  const r = await SELF.fetch('http://x/healthz');
  expect(r.status).toBe(200);
});
