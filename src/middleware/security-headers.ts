import { secureHeaders } from 'hono/secure-headers';

// `X-Content-Type-Options: nosniff` on every answer (error answers set it themselves too, in
// src/app.ts). Hono's other defaults are off: each page sets its own CSP, framing and referrer
// policy (src/http.ts pageHeaders), and an image or a JSON answer needs none of them.

export const securityHeaders = secureHeaders({
  crossOriginEmbedderPolicy: false,
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: false,
  xContentTypeOptions: true,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  removePoweredBy: false,
});
