import { afterEach } from 'vitest';
import { setShieldEnv } from '../src/shield';

// Run before every test file (vitest.config.ts setupFiles). The workerd suite shares one module
// graph across files (isolate: false), so a hook registered by importing a helper module would
// only reach the first file that imports it; these reach every file.

// Each test starts with the shields reading wrangler.toml's vars (see helpers.harness).
afterEach(() => setShieldEnv());
