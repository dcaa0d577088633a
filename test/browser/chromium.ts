import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium for every browser suite: where it is, whether a missing one skips the suite
// or fails it (REQUIRE_BROWSER=1, set by .ci/run), and the flags it needs on a closed network.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without the background-networking flags, Chromium's own connections fail here, many at a time. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

/** Whether Chromium is there; throws when it is required, and says why a suite skips when not. */
export function chromiumAvailable(what: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.REQUIRE_BROWSER === '1') {
    throw new Error(
      `REQUIRE_BROWSER=1 but no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium).`,
    );
  }
  if (!available) {
    console.warn(
      `Skipping ${what}: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`,
    );
  }
  return available;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}
