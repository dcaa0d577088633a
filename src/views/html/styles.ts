import { BRAND } from '../common/brand';

// The one stylesheet of every HTML page, inlined in a <style> element and allowed by
// the Content-Security-Policy through its hash (so no 'unsafe-inline' and no extra
// request). It is written without & < > " ' so that hono/jsx's default escaping of
// the <style> child leaves it byte-for-byte unchanged: the hash then matches and
// the stylesheet needs no raw(). A check at module load keeps it that way.
//
// Colours follow GitHub Primer's light and dark palettes, with the brand colour
// (src/views/common/brand.ts, shared with the cards) as the accent; every text/background
// pair used here meets WCAG AA (4.5:1) including the tinted table cells and the
// highlighted best row.
// No inline style attributes are used anywhere (the CSP would block them), so
// everything data-dependent (matrix shading, progress, chart series) is a class.

export const STYLESHEET = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --bg-subtle: #f6f8fa; --bg-inset: #eff2f5;
  --fg: #1f2328; --fg-muted: #59636e;
  --border: #d1d9e0; --border-muted: #e5e9ed;
  --brand: ${BRAND.light}; --accent: ${BRAND.light}; --accent-bg: #f3f2fe;
  --up: #1a7f37; --up-bg: #dafbe1;
  --down: #cf222e; --down-bg: #ffebe9;
  --warn: #7d4e00; --warn-bg: #fff8c5; --warn-border: #d4a72c;
  --neutral-bg: #eff2f5;
  --h1: #f0f6ff; --h2: #dbeafe; --h3: #c4dcfc; --h4: #a9cbfa;
  --n1: #ffebe9; --n2: #ffcecb; --n3: #ffaba8;
  --add-bg: #dafbe1; --del-bg: #ffebe9; --hunk: #0550ae; --hunk-bg: #ddf4ff;
  --chart-grid: #e5e9ed; --chart-axis: #818b98; --chart-line: #0969da;
  --chart-keep: #1a7f37; --chart-discard: #818b98; --chart-base: #9a6700; --chart-best: #8250df;
  --radius: 8px;
  --mono: ui-monospace, SFMono-Regular, SF Mono, Menlo, Consolas, Liberation Mono, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --bg-subtle: #151b23; --bg-inset: #010409;
    --fg: #f0f6fc; --fg-muted: #9198a1;
    --border: #3d444d; --border-muted: #2a313c;
    --brand: ${BRAND.dark}; --accent: ${BRAND.dark}; --accent-bg: #19172e;
    --up: #3fb950; --up-bg: #12261e;
    --down: #f85149; --down-bg: #25171c;
    --warn: #d29922; --warn-bg: #272115; --warn-border: #9e6a03;
    --neutral-bg: #212830;
    --h1: #0f1b2d; --h2: #132842; --h3: #173559; --h4: #1b4272;
    --n1: #2a1719; --n2: #421b20; --n3: #5c1f26;
    --add-bg: #12261e; --del-bg: #25171c; --hunk: #79c0ff; --hunk-bg: #121d2f;
    --chart-grid: #262c36; --chart-axis: #656c76; --chart-line: #4493f8;
    --chart-keep: #3fb950; --chart-discard: #656c76; --chart-base: #d29922; --chart-best: #ab7df8;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.55 system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, Helvetica Neue, Arial, sans-serif, Apple Color Emoji, Segoe UI Emoji;
  font-variant-numeric: tabular-nums;
}
a { color: var(--accent); text-underline-offset: 2px; }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; border-radius: 3px; }
code, pre, kbd, samp { font-family: var(--mono); font-size: 0.875em; }
pre code { font-size: inherit; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 0; font-weight: 600; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 16px; top: 8px; background: var(--bg); padding: 8px 12px; z-index: 10; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }

.topbar { border-bottom: 1px solid var(--border-muted); background: var(--bg); }
.topbar .wrap { display: flex; align-items: center; gap: 12px; min-height: 52px; }
.brand { display: inline-flex; align-items: center; gap: 8px; color: var(--fg); text-decoration: none; font-weight: 600; letter-spacing: -0.01em; }
.brand svg { display: block; }
.brand svg .mark { fill: var(--brand); }
.topbar .crumb { color: var(--fg-muted); font-size: 14px; }
.wrap { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
main.wrap { padding-top: 28px; padding-bottom: 64px; }
footer.site { border-top: 1px solid var(--border-muted); color: var(--fg-muted); font-size: 13px; padding: 20px 0 32px; }

.banner { border: 1px solid var(--border); border-radius: var(--radius); padding: 10px 14px; margin: 0 0 20px; font-size: 14px; display: flex; gap: 10px; align-items: flex-start; }
.banner strong { font-weight: 600; }
.banner-warn { background: var(--warn-bg); border-color: var(--warn-border); color: var(--fg); }
.banner-live { background: var(--accent-bg); border-color: var(--border); }
.banner-fail { background: var(--down-bg); border-color: var(--down); }
.dot { width: 8px; height: 8px; border-radius: 50%; background: currentColor; display: inline-block; flex: none; margin-top: 7px; }
.banner-live .dot { color: var(--accent); animation: pulse 1.6s ease-in-out infinite; }
.banner-warn .dot { color: var(--warn); }
.banner-fail .dot { color: var(--down); }
@keyframes pulse { 50% { opacity: 0.3; } }
@media (prefers-reduced-motion: reduce) { .banner-live .dot { animation: none; } }
.banner-live.is-paused .dot { animation: none; opacity: 0.5; }
.live-toggle { margin-left: 10px; font: inherit; font-size: 13px; line-height: 1.4; padding: 1px 10px; border: 1px solid var(--border); border-radius: 6px; background: var(--bg); color: var(--fg); cursor: pointer; }
.live-toggle:hover { border-color: var(--fg-muted); }

.job-head { margin-bottom: 28px; }
.eyebrow { color: var(--fg-muted); font-size: 13px; font-weight: 500; display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; margin-bottom: 8px; }
.job-head h1 { font-size: 30px; letter-spacing: -0.02em; overflow-wrap: anywhere; }
.job-head .sub { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; color: var(--fg-muted); font-size: 14px; }
.pill { display: inline-flex; align-items: center; gap: 6px; border-radius: 999px; padding: 2px 10px; font-size: 12.5px; font-weight: 600; border: 1px solid transparent; line-height: 1.6; white-space: nowrap; }
.pill .dot { margin-top: 0; width: 7px; height: 7px; }
.pill-completed { background: var(--up-bg); color: var(--up); border-color: var(--up); }
.pill-running { background: var(--accent-bg); color: var(--accent); border-color: var(--accent); }
.pill-pending, .pill-unknown, .pill-cancelled { background: var(--neutral-bg); color: var(--fg-muted); border-color: var(--border); }
.pill-failed { background: var(--down-bg); color: var(--down); border-color: var(--down); }
.pill-keep { background: var(--up-bg); color: var(--up); border-color: transparent; font-weight: 500; }
.pill-discard { background: var(--neutral-bg); color: var(--fg-muted); border-color: transparent; font-weight: 500; }
.tag { display: inline-block; border: 1px solid var(--border); border-radius: 6px; padding: 0 6px; font-size: 12px; color: var(--fg-muted); font-weight: 500; white-space: nowrap; }
.tag-best { border-color: var(--chart-best); color: var(--chart-best); }

.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 14px 24px; margin: 22px 0 0; padding: 16px 0; border-top: 1px solid var(--border-muted); border-bottom: 1px solid var(--border-muted); }
.facts div { min-width: 0; }
.facts dt { color: var(--fg-muted); font-size: 12px; font-weight: 500; text-transform: uppercase; letter-spacing: 0.04em; }
.facts dd { margin: 2px 0 0; overflow-wrap: anywhere; font-size: 14px; }
.facts dd .rel { color: var(--fg-muted); }
.mono { font-family: var(--mono); font-size: 13px; }

.toc { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 8px; padding: 0; list-style: none; font-size: 13.5px; }
.toc a { display: inline-block; padding: 3px 10px; border-radius: 999px; border: 1px solid var(--border-muted); color: var(--fg-muted); text-decoration: none; }
.toc a:hover { color: var(--fg); border-color: var(--border); }

section.block { margin-top: 40px; }
section.block h2 { font-size: 20px; letter-spacing: -0.01em; padding-bottom: 8px; border-bottom: 1px solid var(--border-muted); margin-bottom: 16px; }
section.block h3 { font-size: 15px; margin: 20px 0 10px; }
.lead { color: var(--fg-muted); margin: -6px 0 14px; font-size: 14px; }
.empty { color: var(--fg-muted); border: 1px dashed var(--border); border-radius: var(--radius); padding: 18px; text-align: center; background: var(--bg-subtle); }
.note { color: var(--fg-muted); font-size: 13px; margin: 8px 0; }

.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
.stat { border: 1px solid var(--border); border-radius: var(--radius); padding: 14px 16px; background: var(--bg); min-width: 0; }
.stat .label { color: var(--fg-muted); font-size: 13px; font-weight: 500; }
.stat .value { font-size: 30px; font-weight: 600; letter-spacing: -0.02em; line-height: 1.2; margin-top: 4px; }
.stat .value small { font-size: 15px; font-weight: 500; color: var(--fg-muted); letter-spacing: 0; }
.stat .detail { font-size: 13px; color: var(--fg-muted); margin-top: 2px; }
.stat-up { border-color: var(--up); background: var(--up-bg); }
.stat-down { border-color: var(--down); background: var(--down-bg); }
.dir-up { color: var(--up); }
.dir-down { color: var(--down); }
.dir-flat, .dir-none { color: var(--fg-muted); }
.arrow { font-size: 0.7em; vertical-align: 0.15em; margin-right: 2px; }
.progress { margin-top: 14px; border: 1px solid var(--border); border-radius: var(--radius); padding: 12px 16px; }
.progress .row { display: flex; justify-content: space-between; gap: 12px; font-size: 14px; margin-bottom: 8px; flex-wrap: wrap; }
progress { appearance: none; -webkit-appearance: none; width: 100%; height: 8px; border: 0; border-radius: 999px; background: var(--bg-inset); overflow: hidden; display: block; color: var(--accent); }
progress::-webkit-progress-bar { background: var(--bg-inset); border-radius: 999px; }
progress::-webkit-progress-value { background: var(--accent); border-radius: 999px; }
progress::-moz-progress-bar { background: var(--accent); border-radius: 999px; }

figure.chart { margin: 0; border: 1px solid var(--border); border-radius: var(--radius); padding: 12px 12px 8px; background: var(--bg); }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart figcaption { font-size: 13px; color: var(--fg-muted); padding: 4px 4px 0; }
.chart text { fill: var(--fg-muted); font-size: 11px; font-family: inherit; }
.chart .axis-title { font-size: 11px; font-weight: 600; }
.chart .grid { stroke: var(--chart-grid); stroke-width: 1; }
.chart .axis { stroke: var(--chart-axis); stroke-width: 1; }
.chart .s-score { fill: none; stroke: var(--chart-line); stroke-width: 1.75; stroke-linejoin: round; stroke-linecap: round; opacity: 0.9; }
.chart .s-best { fill: none; stroke: var(--chart-best); stroke-width: 2; stroke-linejoin: round; }
.chart .s-base { fill: none; stroke: var(--chart-base); stroke-width: 1.5; stroke-dasharray: 6 4; }
.chart .m-keep { fill: none; stroke: var(--chart-keep); stroke-width: 8; stroke-linecap: round; }
.chart .m-discard { fill: none; stroke: var(--chart-discard); stroke-width: 6; stroke-linecap: square; }
.chart .m-other { fill: none; stroke: var(--chart-line); stroke-width: 5; stroke-linecap: round; }
.chart.dense .s-score { stroke-width: 1; opacity: 0.7; }
.chart.dense .m-keep { stroke-width: 3.5; }
.chart.dense .m-discard { stroke-width: 2.5; }
.chart.dense .m-other { stroke-width: 2.5; }
.chart-narrow text { font-size: 13px; }
.chart-narrow .axis-title { font-size: 12.5px; }
figure.chart svg.chart-narrow { display: none; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; margin: 10px 4px 2px; padding: 0; font-size: 13px; color: var(--fg-muted); }
.legend li { display: inline-flex; align-items: center; gap: 6px; }
.sw { display: inline-block; width: 18px; height: 0; border-top: 2px solid var(--chart-line); }
.sw-best { border-top-color: var(--chart-best); }
.sw-base { border-top: 2px dashed var(--chart-base); }
.sw-keep { width: 9px; height: 9px; border: 0; border-radius: 50%; background: var(--chart-keep); }
.sw-discard { width: 8px; height: 8px; border: 0; background: var(--chart-discard); }

.table-wrap { position: relative; border: 1px solid var(--border); border-radius: var(--radius); overflow: auto; max-width: 100%; background: var(--bg); }
.table-wrap.tall { max-height: 36rem; }
table.data { border-collapse: separate; border-spacing: 0; width: 100%; font-size: 13.5px; }
table.data th, table.data td { padding: 7px 12px; text-align: left; vertical-align: baseline; border-bottom: 1px solid var(--border-muted); }
table.data thead th { position: sticky; top: 0; z-index: 1; background: var(--bg-subtle); color: var(--fg-muted); font-weight: 600; font-size: 12.5px; white-space: nowrap; border-bottom: 1px solid var(--border); }
table.data tbody tr:last-child th, table.data tbody tr:last-child td { border-bottom: 0; }
table.data tbody th { font-weight: 500; }
table.data .num { text-align: right; white-space: nowrap; }
table.data .name { min-width: 9rem; max-width: 18rem; overflow-wrap: anywhere; }
table.data .desc { min-width: 18rem; max-width: 42rem; overflow-wrap: anywhere; color: var(--fg); }
table.data tr.is-best td, table.data tr.is-best th { background: var(--accent-bg); }
table.data .muted { color: var(--fg-muted); }
table.kv th { width: 40%; color: var(--fg-muted); font-weight: 500; }
table.matrix td.num { min-width: 4.5rem; }
table.matrix thead th.pen { color: var(--down); }
table.matrix .lvl1 { background: var(--h1); }
table.matrix .lvl2 { background: var(--h2); }
table.matrix .lvl3 { background: var(--h3); }
table.matrix .lvl4 { background: var(--h4); }
table.matrix .neg1 { background: var(--n1); font-weight: 600; }
table.matrix .neg2 { background: var(--n2); font-weight: 600; }
table.matrix .neg3 { background: var(--n3); font-weight: 600; }
table.matrix .zero { color: var(--fg-muted); }
table.matrix td.json code { white-space: pre-wrap; overflow-wrap: anywhere; }
.scale { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; font-size: 12.5px; color: var(--fg-muted); margin-top: 10px; }
.scale span { display: inline-flex; align-items: center; gap: 6px; }
.chip { display: inline-block; width: 14px; height: 14px; border-radius: 3px; border: 1px solid var(--border); }
.chip.lvl1 { background: var(--h1); } .chip.lvl2 { background: var(--h2); } .chip.lvl3 { background: var(--h3); } .chip.lvl4 { background: var(--h4); }
.chip.neg2 { background: var(--n2); }

pre.code, pre.json, pre.diff, pre.snippet { margin: 0; padding: 12px 14px; overflow: auto; background: var(--bg-subtle); border: 1px solid var(--border); border-radius: var(--radius); font-size: 12.5px; line-height: 1.5; tab-size: 4; }
pre.code { max-height: 40rem; }
pre.json { max-height: 32rem; white-space: pre; }
pre.diff { padding: 8px 0; max-height: 36rem; }
pre.diff span { display: block; padding: 0 14px; white-space: pre; min-width: max-content; }
pre.diff .d-add { background: var(--add-bg); }
pre.diff .d-del { background: var(--del-bg); }
pre.diff .d-hunk { color: var(--hunk); background: var(--hunk-bg); }
details.fold { border: 1px solid var(--border); border-radius: var(--radius); margin: 8px 0; background: var(--bg); }
details.fold summary { cursor: pointer; padding: 9px 14px; font-size: 14px; display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; list-style-position: inside; }
details.fold summary::-webkit-details-marker { color: var(--fg-muted); }
details.fold[open] summary { border-bottom: 1px solid var(--border-muted); }
details.fold .body { padding: 12px 14px; }
details.fold .body pre { border: 0; border-radius: 0; margin: -12px -14px; }
details.fold .body pre.diff { margin: -12px -14px; }
.counts { font-family: var(--mono); font-size: 12.5px; }
.counts .a { color: var(--up); } .counts .d { color: var(--down); }
.subtle { color: var(--fg-muted); font-size: 13px; }

.markdown { font-size: 15px; overflow-wrap: break-word; border: 1px solid var(--border); border-radius: var(--radius); padding: 20px 24px; }
.markdown h3 { font-size: 20px; margin: 24px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--border-muted); }
.markdown h4 { font-size: 16px; margin: 22px 0 10px; }
.markdown h5, .markdown h6 { font-size: 14px; margin: 18px 0 8px; }
.markdown h3:first-child, .markdown h4:first-child, .markdown p:first-child { margin-top: 0; }
.markdown p, .markdown ul, .markdown ol, .markdown blockquote, .markdown pre, .markdown table { margin: 0 0 14px; }
.markdown blockquote { border-left: 3px solid var(--border); padding: 0 14px; color: var(--fg-muted); margin-left: 0; }
.markdown pre { padding: 12px 14px; background: var(--bg-subtle); border-radius: 6px; overflow: auto; }
.markdown code { background: var(--bg-inset); padding: 1px 5px; border-radius: 5px; }
.markdown pre code { background: none; padding: 0; }
.markdown table { display: block; width: max-content; max-width: 100%; overflow: auto; border-collapse: collapse; font-size: 14px; }
.markdown th, .markdown td { border: 1px solid var(--border); padding: 6px 12px; }
.markdown th { background: var(--bg-subtle); font-weight: 600; }
.markdown img { max-width: 100%; height: auto; }
.markdown hr { border: 0; border-top: 1px solid var(--border); margin: 20px 0; }

.share-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 16px; }
.share-card { border: 1px solid var(--border); border-radius: var(--radius); padding: 14px 16px; min-width: 0; }
.share-card h3 { margin-top: 0; }
.share-card .preview { margin: 4px 0 12px; min-height: 20px; }
.share-card .preview img { display: block; max-width: 100%; height: auto; border-radius: 6px; }
.share-card .preview img.card { border: 1px solid var(--border-muted); }
.snippet-label { display: block; font-size: 12.5px; color: var(--fg-muted); font-weight: 500; margin: 10px 0 4px; }
pre.snippet { white-space: pre-wrap; overflow-wrap: anywhere; user-select: all; -webkit-user-select: all; font-size: 12px; }
.share-url { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 16px; }
.share-url code { user-select: all; -webkit-user-select: all; background: var(--bg-subtle); border: 1px solid var(--border); border-radius: 6px; padding: 4px 8px; overflow-wrap: anywhere; }

.runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 16px; }
.run { border: 1px solid var(--border); border-radius: var(--radius); padding: 14px 16px; min-width: 0; }
.run .role { color: var(--fg-muted); font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em; display: flex; align-items: center; gap: 8px; }
.run h3 { font-size: 18px; margin: 6px 0 10px; overflow-wrap: anywhere; }
.run dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; font-size: 14px; }
.run dt { color: var(--fg-muted); }
.run dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.chart .s-head { fill: none; stroke: var(--chart-line); stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
.chart .s-base-run { fill: none; stroke: var(--chart-discard); stroke-width: 2; stroke-dasharray: 5 3; stroke-linejoin: round; }
.chart .m-head { fill: none; stroke: var(--chart-line); stroke-width: 7; stroke-linecap: round; }
.chart .m-base-run { fill: none; stroke: var(--chart-discard); stroke-width: 6; stroke-linecap: square; }
.chart.dense .m-head, .chart.dense .m-base-run { stroke-width: 2.5; }
.sw-base-run { border-top: 2px dashed var(--chart-discard); }

.jobs-list .name a { font-weight: 600; }
.hero { padding: 28px 0 8px; }
.hero h1 { font-size: 30px; letter-spacing: -0.02em; }
.hero p { color: var(--fg-muted); max-width: 44rem; font-size: 16px; }
.op { margin-top: 28px; padding-top: 20px; border-top: 1px solid var(--border-muted); min-width: 0; }
.op h3 { font-size: 17px; display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: baseline; overflow-wrap: anywhere; }
.op h4 { font-size: 13px; font-weight: 600; color: var(--fg-muted); margin: 18px 0 8px; }
.op-summary { margin: 6px 0 0; font-weight: 500; }
.method { font-family: var(--mono); font-size: 12.5px; font-weight: 700; border-radius: 6px; padding: 1px 8px; border: 1px solid var(--accent); color: var(--accent); background: var(--accent-bg); }
.method-post { color: var(--up); background: var(--up-bg); border-color: var(--up); }
.prose p { margin: 8px 0; }
.statuses { list-style: none; margin: 0; padding: 0; }
.statuses li { margin: 0 0 4px; }
.prose code { background: var(--bg-inset); padding: 1px 5px; border-radius: 5px; overflow-wrap: anywhere; }
.error-page { text-align: left; padding: 48px 0; max-width: 40rem; }
.error-page .code { font-family: var(--mono); color: var(--fg-muted); font-size: 14px; }
.error-page h1 { font-size: 32px; margin: 8px 0 12px; letter-spacing: -0.02em; }
.error-page p { font-size: 16px; overflow-wrap: anywhere; }
.button { display: inline-block; border: 1px solid var(--border); border-radius: 6px; padding: 6px 14px; text-decoration: none; color: var(--fg); background: var(--bg-subtle); font-weight: 500; font-size: 14px; }

@media (max-width: 640px) {
  body { font-size: 15px; }
  .wrap { padding: 0 16px; }
  main.wrap { padding-top: 20px; }
  .job-head h1 { font-size: 24px; }
  .stats { grid-template-columns: 1fr 1fr; gap: 10px; }
  .stats .stat:nth-child(3) { grid-column: 1 / -1; }
  .stat { padding: 12px 14px; }
  .stat .value { font-size: 24px; }
  .markdown { padding: 14px 16px; }
  figure.chart svg.chart-wide { display: none; }
  figure.chart svg.chart-narrow { display: block; }
  .facts { grid-template-columns: 1fr 1fr; gap: 12px 16px; }
}

@media print {
  :root { color-scheme: light; --bg: #ffffff; --bg-subtle: #ffffff; --fg: #000000; --fg-muted: #333333; --border: #999999; --border-muted: #cccccc; }
  body { font-size: 11pt; background: #ffffff; color: #000000; }
  .topbar, .toc, .skip, #share, .banner-live, footer.site { display: none; }
  main.wrap { padding: 0; max-width: none; }
  section.block { break-inside: auto; margin-top: 24px; }
  section.block h2, section.block h3 { break-after: avoid; }
  .table-wrap, .table-wrap.tall, pre.code, pre.json, pre.diff { max-height: none; overflow: visible; }
  table.data thead th { position: static; }
  tr, .stat, figure.chart { break-inside: avoid; }
  figure.chart svg.chart-wide { display: block; }
  figure.chart svg.chart-narrow { display: none; }
  details.fold summary { list-style: none; }
  details::details-content { content-visibility: visible; display: block; }
  a { color: #000000; }
  pre.code, pre.json, pre.diff span, pre.snippet { white-space: pre-wrap; }
}
`;

if (/[&<>"']/.test(STYLESHEET)) {
  // A character hono/jsx would escape inside <style> would break both the CSS and its hash.
  throw new Error('src/views/html/styles.ts: the stylesheet must not contain & < > " or \'');
}

let hashPromise: Promise<string> | null = null;

/** The CSP source for the stylesheet, e.g. 'sha256-…'; computed once per isolate. */
export function styleHash(): Promise<string> {
  hashPromise ??= (async () => {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(STYLESHEET));
    let bin = '';
    for (const b of new Uint8Array(digest)) bin += String.fromCharCode(b);
    return `'sha256-${btoa(bin)}'`;
  })();
  return hashPromise;
}

/** What a live page (src/views/html/live.ts) adds to the policy. */
export interface LivePolicy {
  /** The live script's hash source, e.g. 'sha256-…'. */
  scriptHash: string;
  /** Origins the script may fetch and subscribe to: the page's own, and that of its links if another. */
  connect: readonly string[];
}

/**
 * The Content-Security-Policy of every HTML page. Pages have no script, one hashed <style>,
 * images only from this origin (badge/card previews) and data: (favicon, inline images from
 * the report), connections only to this origin, and no forms, frames or plugins. The page
 * of an active job adds its one script by hash, the origins it connects to, and Trusted Types
 * with no policy at all, so even that script could not write markup (innerHTML and every
 * other HTML sink throw).
 */
export async function pageCsp(live?: LivePolicy): Promise<string> {
  return [
    "default-src 'none'",
    `style-src ${await styleHash()}`,
    "img-src 'self' data:",
    // 'self' on every page, not only live ones: tools that read the site's own files through a
    // page are held to it (Lighthouse fetches /robots.txt that way). With no script allowed,
    // nothing on a finished job's page can use it.
    `connect-src ${["'self'", ...(live?.connect ?? [])].join(' ')}`,
    ...(live
      ? [`script-src ${live.scriptHash}`, "require-trusted-types-for 'script'", "trusted-types 'none'"]
      : []),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
