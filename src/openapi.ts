import { documentOf, type OpenApiDocument } from './openapi/document';
import { ROUTES } from './routes';

// The service's OpenAPI document (README "URL forms"): built from the routes it registers
// (src/routes/index.ts) by src/openapi/document.ts, from the shared pieces in
// src/openapi/parts.ts. An app with other routes serves its own document (src/routes/site.ts).

export { ERROR_CODES, EXAMPLE_ID } from './openapi/parts';
export type { CodeSample, OpenApiDocument } from './openapi/document';

/** The document as served from `origin`: the server and every curl example name it. */
export function openApiDocument(origin: string): OpenApiDocument {
  return documentOf(ROUTES, origin);
}
