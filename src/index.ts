import { createApp } from './app';

// The Durable Object classes this worker defines must be exported from its main module.
export { JobShield } from './shield';

export default createApp();
