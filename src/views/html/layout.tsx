import type { Child } from 'hono/jsx';
import { SERVICE_NAME } from '../../present';
import { markSvg } from '../common/brand';
import { Logo } from './sections/common';
import { STYLESHEET } from './styles';

export interface OpenGraph {
  title: string;
  description: string;
  url: string;
  image: string;
  imageAlt: string;
}

export interface LayoutProps {
  /** The document title, already including the service name where wanted. */
  title: string;
  description: string;
  canonical?: string | undefined;
  og?: OpenGraph | undefined;
  noindex?: boolean | undefined;
  /** Shown after the brand in the top bar. */
  crumb?: Child;
  children?: Child;
}

// The favicon as a data: URL, so a page costs no request for it (the CSP allows data: images);
// /favicon.ico serves the same mark to everything else that asks.
const FAVICON = `data:image/svg+xml,${encodeURIComponent(markSvg())}`;

/** Absolute http(s) URLs only: the origin comes from the request, but a tag with any other scheme is never right. */
function httpUrl(u: string | undefined): string | undefined {
  return u && /^https?:\/\//i.test(u) ? u : undefined;
}

export function Layout(props: LayoutProps) {
  const og = props.og && httpUrl(props.og.url) && httpUrl(props.og.image) ? props.og : undefined;
  const canonical = httpUrl(props.canonical);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <meta name="description" content={props.description} />
        <meta name="color-scheme" content="light dark" />
        <meta name="theme-color" content="#ffffff" media="(prefers-color-scheme: light)" />
        <meta name="theme-color" content="#0d1117" media="(prefers-color-scheme: dark)" />
        {props.noindex ? <meta name="robots" content="noindex" /> : null}
        {canonical ? <link rel="canonical" href={canonical} /> : null}
        {og ? (
          <>
            <meta property="og:type" content="website" />
            <meta property="og:site_name" content={SERVICE_NAME} />
            <meta property="og:title" content={og.title} />
            <meta property="og:description" content={og.description} />
            <meta property="og:url" content={og.url} />
            <meta property="og:image" content={og.image} />
            <meta property="og:image:type" content="image/png" />
            <meta property="og:image:width" content="1200" />
            <meta property="og:image:height" content="630" />
            <meta property="og:image:alt" content={og.imageAlt} />
            <meta name="twitter:card" content="summary_large_image" />
            <meta name="twitter:title" content={og.title} />
            <meta name="twitter:description" content={og.description} />
            <meta name="twitter:image" content={og.image} />
            <meta name="twitter:image:alt" content={og.imageAlt} />
          </>
        ) : null}
        <link rel="icon" href={FAVICON} />
        <style>{STYLESHEET}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <div class="wrap">
            <a class="brand" href="/">
              <Logo />
              <span>{SERVICE_NAME}</span>
            </a>
            {props.crumb ? <span class="crumb">{props.crumb}</span> : null}
          </div>
        </header>
        <main id="main" class="wrap">
          {props.children}
        </main>
        <footer class="site">
          <div class="wrap">
            {SERVICE_NAME} · agent optimisation reports · <a href="/">All reports</a>
          </div>
        </footer>
      </body>
    </html>
  );
}

/**
 * A complete HTML document from a hono/jsx tree. Every component here is
 * synchronous, so toString() yields a string; a Promise would mean an async
 * component slipped in, which is a bug worth failing loudly on.
 */
export function renderDocument(node: { toString(): string | Promise<string> }): string {
  const html = node.toString();
  if (typeof html !== 'string') throw new Error('views: an async component was rendered synchronously');
  return `<!doctype html>${html}`;
}

export function truncateText(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  // Do not cut a surrogate pair in half.
  let cut = max - 1;
  const code = flat.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${flat.slice(0, cut)}…`;
}
