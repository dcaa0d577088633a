import type { Env } from '../src/env';

// src/env.ts and wrangler.toml agree: every binding and var that `npm run typegen` finds in
// wrangler.toml (worker-configuration.d.ts, in both environments) is one Env declares, with a
// type Env accepts. Checked by `npm run typecheck`; CI checks the generated file is current.
// Env may declare more: every other var is optional, with its default in src/env.ts.

type Declared = keyof Cloudflare.Env | keyof Cloudflare.ProductionEnv;
type Unknown = Exclude<Declared, keyof Env>;

/** Fails to compile, naming the binding, when wrangler.toml declares one Env does not. */
export const everyBindingKnown: [Unknown] extends [never] ? true : Unknown = true;

/** Fails to compile when a binding's generated type is not the one Env gives it. */
export function typesAgree(demo: Cloudflare.Env, production: Cloudflare.ProductionEnv): Env[] {
  return [demo, production];
}
