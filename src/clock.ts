/** A clock in ms since the epoch. Code that reads the time takes one, so tests can drive it. */
export type Now = () => number;

/** The platform's clock (in a Worker it advances only across I/O, never within a request's compute). */
export const systemNow: Now = () => Date.now();
