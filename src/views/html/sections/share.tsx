import type { Job } from '../../../schema';
import { jobUrls } from '../../../links';
import { SERVICE_NAME, jobTitle } from '../../../present';
import { Section } from './common';

// Copy-ready snippets for the badge and the card. The snippets are pasted into
// other people's Markdown and HTML, so the job's title inside them is escaped for
// that target (and then, like everything else, escaped again by hono/jsx for
// display). No JavaScript: the snippet blocks select as a whole on click.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Text safe inside Markdown image alt text: no brackets, backslashes, or line breaks. */
export function escapeMarkdownAlt(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/([\\[\]`*_<>])/g, '\\$1');
}

/** Alt text for the images, short and single-line. */
function altText(job: Job): string {
  const title = jobTitle(job).replace(/\s+/g, ' ').trim();
  const short = title.length > 80 ? `${title.slice(0, 79)}…` : title;
  return `${SERVICE_NAME} score: ${short}`;
}

export interface ShareSnippets {
  badgeMarkdown: string;
  badgeHtml: string;
  badgePicture: string;
  cardMarkdown: string;
  cardHtml: string;
  cardPicture: string;
}

/** `base` is the origin, or the origin and a share link's prefix (links.ts): snippets carry it. */
export function shareSnippets(job: Job, base: string, version: string): ShareSnippets {
  const u = jobUrls(base, job.id, version);
  const alt = altText(job);
  const mdAlt = escapeMarkdownAlt(alt);
  const hAlt = escapeHtmlText(alt);
  const h = escapeHtmlText;
  const picture = (src: string, attrs: string) =>
    `<a href="${h(u.report)}">\n  <picture>\n    <source media="(prefers-color-scheme: dark)" srcset="${h(src)}?theme=dark">\n` +
    `    <img src="${h(src)}" alt="${hAlt}" ${attrs}>\n  </picture>\n</a>`;
  return {
    badgeMarkdown: `[![${mdAlt}](${u.badgeSvg})](${u.report})`,
    badgeHtml: `<a href="${h(u.report)}"><img src="${h(u.badgeSvg)}" alt="${hAlt}" height="20"></a>`,
    badgePicture: picture(u.badgeSvg, 'height="20"'),
    cardMarkdown: `[![${mdAlt}](${u.ogPng})](${u.report})`,
    cardHtml: `<a href="${h(u.report)}"><img src="${h(u.ogPng)}" alt="${hAlt}" width="600" height="315"></a>`,
    cardPicture: picture(u.ogPng, 'width="600" height="315"'),
  };
}

function Snippet({ label, text }: { label: string; text: string }) {
  return (
    <>
      <span class="snippet-label">{label}</span>
      <pre class="snippet">
        <code>{text}</code>
      </pre>
    </>
  );
}

export function ShareSection({
  job,
  base,
  pathBase = '',
  version,
}: {
  job: Job;
  base: string;
  pathBase?: string;
  version: string;
}) {
  const s = shareSnippets(job, base, version);
  const abs = jobUrls(base, job.id, version);
  // Previews load from this origin by path (under the share link, if any), which the CSP's
  // img-src 'self' allows whatever host name the page was reached by.
  const rel = jobUrls(pathBase, job.id, version);
  return (
    <Section
      id="share"
      title="Share"
      lead="Link to this report, or embed its score in a README, pull request or dashboard."
    >
      <div class="share-url">
        <span class="subtle">Report URL</span>
        <code>{abs.report}</code>
      </div>
      <div class="share-grid">
        <div class="share-card">
          <h3>Badge</h3>
          <div class="preview">
            <img src={rel.badgeSvg} alt={altText(job)} height="20" loading="lazy" />
          </div>
          <Snippet label="Markdown" text={s.badgeMarkdown} />
          <Snippet label="HTML" text={s.badgeHtml} />
          <Snippet label="HTML with a dark-mode variant" text={s.badgePicture} />
        </div>
        <div class="share-card">
          <h3>Card</h3>
          <div class="preview">
            <img class="card" src={rel.ogPng} alt={altText(job)} width="600" height="315" loading="lazy" />
          </div>
          <Snippet label="Markdown" text={s.cardMarkdown} />
          <Snippet label="HTML" text={s.cardHtml} />
          <Snippet label="HTML with a dark-mode variant" text={s.cardPicture} />
        </div>
      </div>
    </Section>
  );
}
