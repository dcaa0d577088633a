// The one script of the site: on the report page of a job that is still pending or running,
// it follows the job's events (GET /api/jobs/{id}/events) and updates the page in place.
// Pages of finished jobs carry no script at all.
//
// It is inlined in the page and allowed by the Content-Security-Policy through its hash, like
// the stylesheet (src/views/html/styles.ts), so it costs no request and nothing else can run. Live
// pages also require Trusted Types with no policy, so the browser itself refuses any HTML
// sink (innerHTML and the like): the script builds every node with createElement /
// createElementNS and puts every string from a job in with textContent or setAttribute.
//
// It only adds to a page that works without it: the server-rendered page says the job is
// running and links to itself for newer data. The script reads its URLs from data attributes
// the server wrote with links.ts (so a share link's prefix carries through), and rebuilds
// the summary, the chart and the iterations table exactly as src/views/html/sections/header.tsx,
// src/views/html/chart.tsx and src/views/html/sections/iterations.tsx render them; the Chromium test
// (test/browser/live.browser.test.ts) compares the two after an update, so they cannot drift
// apart unnoticed.
//
// It is plain ES2017 in a String.raw literal: no template literals inside (no backticks,
// no dollar-brace), no multi-line comments, nothing that could end the <script> element early.

const SOURCE = String.raw`(function () {
  'use strict';
  var root = document.getElementById('live');
  if (!root || typeof EventSource !== 'function' || typeof fetch !== 'function') return;
  var eventsUrl = root.getAttribute('data-events') || '';
  var jsonUrl = root.getAttribute('data-json') || '';
  var version = root.getAttribute('data-version') || '';
  var jobId = (root.getAttribute('data-job') || '').toLowerCase();
  function web(u) {
    try {
      return u !== '' && /^https?:$/.test(new URL(u, location.href).protocol);
    } catch (err) {
      return false;
    }
  }
  if (!web(eventsUrl) || !web(jsonUrl)) return;

  var SVG = 'http://www.w3.org/2000/svg';
  var DASH = '\u2014';
  var MINUS = '\u2212';
  var DOT = ' \u00b7 ';
  var TERMINAL = { completed: 1, failed: 1, cancelled: 1 };
  var STATUS = { pending: 'Pending', running: 'Running', completed: 'Completed', failed: 'Failed', cancelled: 'Cancelled' };
  var ITERATION_STATUS = { keep: 'Keep', discard: 'Discard' };
  var ARROWS = { up: '\u25b2', down: '\u25bc', flat: '', none: '' };
  var WORDS = { up: 'improved by', down: 'worse by', flat: 'unchanged', none: '' };

  // ---- building blocks -------------------------------------------------------------------

  function el(tag, attrs, kids) {
    return fill(document.createElement(tag), attrs, kids);
  }
  function svg(tag, attrs, kids) {
    return fill(document.createElementNS(SVG, tag), attrs, kids);
  }
  function fill(node, attrs, kids) {
    if (attrs) for (var k in attrs) if (attrs[k] != null) node.setAttribute(k, String(attrs[k]));
    if (kids) for (var i = 0; i < kids.length; i++) {
      var kid = kids[i];
      if (kid == null || kid === '') continue;
      node.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
    }
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }
  function one(sel, from) {
    return (from || document).querySelector(sel);
  }
  function every(sel, from) {
    return Array.prototype.slice.call((from || document).querySelectorAll(sel));
  }
  /** A section's content: everything after its heading, replaced. */
  function setSectionBody(section, nodes) {
    var h = section.querySelector('h2');
    while (h && h.nextSibling) section.removeChild(h.nextSibling);
    for (var i = 0; i < nodes.length; i++) if (nodes[i]) section.appendChild(nodes[i]);
  }

  // ---- presentation rules (src/present.ts, src/views/html/sections/common.tsx) ------------------

  function finite(n) {
    return typeof n === 'number' && isFinite(n);
  }
  function formatScore(n) {
    return finite(n) ? n.toFixed(1) : DASH;
  }
  function formatDelta(n) {
    if (!finite(n)) return DASH;
    var r = Math.round(n * 10) / 10;
    if (r === 0) return '\u00b10.0';
    return r > 0 ? '+' + r.toFixed(1) : MINUS + Math.abs(r).toFixed(1);
  }
  function formatPercent(n) {
    if (!finite(n)) return DASH;
    var r = Math.round(n * 10) / 10;
    if (r === 0) return '\u00b10.0%';
    return r > 0 ? '+' + r.toFixed(1) + '%' : MINUS + Math.abs(r).toFixed(1) + '%';
  }
  function direction(p) {
    if (!finite(p)) return 'none';
    return p > 0.05 ? 'up' : p < -0.05 ? 'down' : 'flat';
  }
  function num(n) {
    return n.toLocaleString('en-US');
  }
  function plural(n, one) {
    return num(n) + ' ' + (n === 1 ? one : one + 's');
  }
  function formatUtc(iso) {
    var t = Date.parse(iso);
    if (!isFinite(t)) return iso;
    var d = new Date(t).toISOString();
    return d.slice(0, 10) + ' ' + d.slice(11, 16) + ' UTC';
  }
  var UNITS = [['year', 31536e6], ['month', 2592e6], ['day', 864e5], ['hour', 36e5], ['minute', 6e4], ['second', 1e3]];
  function relativeTime(iso, now) {
    var t = Date.parse(iso);
    if (!isFinite(t)) return '';
    var diff = now - t, abs = Math.abs(diff);
    if (abs < 45000) return 'just now';
    for (var i = 0; i < UNITS.length; i++) {
      var u = UNITS[i];
      if (abs >= u[1] || u[0] === 'second') {
        var n = Math.max(1, Math.round(abs / u[1]));
        var phrase = n + ' ' + u[0] + (n === 1 ? '' : 's');
        return diff >= 0 ? phrase + ' ago' : 'in ' + phrase;
      }
    }
    return '';
  }
  function formatDuration(ms) {
    if (!isFinite(ms) || ms < 0) return DASH;
    var s = Math.round(ms / 1000);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return s % 60 ? m + ' min ' + (s % 60) + ' s' : m + ' min';
    var h = Math.floor(m / 60);
    if (h < 48) return m % 60 ? h + ' h ' + (m % 60) + ' min' : h + ' h';
    var d = Math.floor(h / 24);
    return h % 24 ? d + ' d ' + (h % 24) + ' h' : d + ' d';
  }
  function isTerminal(status) {
    return status != null && TERMINAL[status] === 1;
  }
  function sorted(its) {
    return its.slice().sort(function (a, b) {
      var ao = a.order == null ? Infinity : a.order, bo = b.order == null ? Infinity : b.order;
      if (ao !== bo) return ao < bo ? -1 : 1;
      return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
    });
  }
  function bestKept(its) {
    var best = null;
    for (var i = 0; i < its.length; i++) {
      var it = its[i];
      if (it.status !== 'keep' || !finite(it.avg_score)) continue;
      if (!best || it.avg_score > best.avg_score) best = it;
    }
    return best;
  }
  function headline(job) {
    var best = null;
    if (finite(job.best_score)) best = job.best_score;
    else for (var i = 0; i < job.iterations.length; i++) {
      var s = job.iterations[i].avg_score;
      if (finite(s) && (best == null || s > best)) best = s;
    }
    var base = job.baseline_score == null ? null : job.baseline_score;
    var points;
    if (job.status === 'completed') {
      points = finite(job.improvement) ? job.improvement : job.best_score != null && base != null ? job.best_score - base : null;
    } else points = best != null && base != null ? best - base : null;
    var percent = points != null && base != null && base !== 0 ? (points / Math.abs(base)) * 100 : null;
    return { best: best, points: points, percent: percent };
  }
  function progressOf(job) {
    var done = job.iterations.length;
    var total = job.num_iterations != null && job.num_iterations > 0 ? job.num_iterations : null;
    return { done: done, total: total, fraction: total ? Math.min(1, done / total) : null };
  }
  function change(dir, text) {
    return el('span', { class: 'dir-' + dir }, [
      ARROWS[dir] ? el('span', { class: 'arrow', 'aria-hidden': 'true' }, [ARROWS[dir]]) : null,
      dir === 'none' ? null : el('span', { class: 'sr-only' }, [WORDS[dir] + ' ']),
      text,
    ]);
  }
  function statusPill(status) {
    return el('span', { class: 'pill pill-' + (status || 'unknown') }, [
      el('span', { class: 'dot', 'aria-hidden': 'true' }),
      status ? STATUS[status] || status : 'Unknown status',
    ]);
  }
  function when(iso, now) {
    var rel = relativeTime(iso, now);
    return [el('time', { datetime: iso }, [formatUtc(iso)]), rel ? el('span', { class: 'rel' }, [DOT + rel]) : null];
  }

  // ---- the header and the score summary (src/views/html/sections/header.tsx) -------------------

  function renderHeader(job, now) {
    var p = progressOf(job);
    var pill = one('.job-head .sub .pill');
    if (pill) pill.parentNode.replaceChild(statusPill(job.status), pill);
    var end = isTerminal(job.status) ? Date.parse(job.updated_at) : now;
    var duration = formatDuration(end - Date.parse(job.created_at));
    var ranFor = one('[data-live="for"]');
    if (ranFor) ranFor.textContent = (isTerminal(job.status) ? 'Ran for ' : 'Running for ') + duration;
    var updated = one('[data-live="updated"]');
    if (updated) {
      updated.setAttribute('datetime', job.updated_at);
      updated.textContent = relativeTime(job.updated_at, now) || formatUtc(job.updated_at);
    }
    var facts = {
      iterations: [
        (p.total != null ? num(p.done) + ' of ' + num(p.total) : num(p.done)) +
          (job.candidates_per_iteration != null && job.candidates_per_iteration > 0
            ? DOT + plural(job.candidates_per_iteration, 'candidate') + ' each'
            : ''),
      ],
      created: when(job.created_at, now),
      'updated-at': when(job.updated_at, now),
      duration: [duration + (isTerminal(job.status) ? '' : ' so far')],
    };
    for (var k in facts) {
      var dd = one('[data-live-fact="' + k + '"]');
      if (dd) fill(clear(dd), null, facts[k]);
    }
    var t = document.title, last = t.lastIndexOf(DOT), prev = last > 0 ? t.lastIndexOf(DOT, last - 1) : -1;
    if (prev >= 0) document.title = t.slice(0, prev) + DOT + (job.status ? STATUS[job.status] : 'Job') + t.slice(last);
  }

  function stat(cls, label, value, detail) {
    return el('div', { class: cls }, [
      el('div', { class: 'label' }, [label]),
      el('div', { class: 'value' }, value),
      el('div', { class: 'detail' }, detail),
    ]);
  }
  function statsGrid(base, best, points, percent, bestDetail) {
    var dir = direction(points);
    return el('div', { class: 'stats' }, [
      stat('stat', 'Baseline', [formatScore(base), base != null ? el('small', null, [' / 100']) : null], ['Score before optimisation']),
      stat('stat', 'Best so far', [formatScore(best), best != null ? el('small', null, [' / 100']) : null], [bestDetail]),
      stat('stat' + (dir === 'up' ? ' stat-up' : dir === 'down' ? ' stat-down' : ''), 'Improvement',
        [change(dir, formatDelta(points)), points != null ? el('small', null, [' pts']) : null],
        [change(direction(percent), formatPercent(percent)), ' relative to baseline']),
    ]);
  }
  /** The headline from an event's summary at once (the same numbers, present.headline); the rest follows with the JSON. */
  function quickSummary(s) {
    var grid = one('#summary .stats');
    if (grid) {
      var detail = one('.stat:nth-child(2) .detail', grid);
      grid.parentNode.replaceChild(
        statsGrid(s.baseline_score, s.best_score, s.improvement, s.improvement_percent, detail ? detail.textContent : ''), grid);
    }
    var pill = one('.job-head .sub .pill');
    if (pill && !pill.classList.contains('pill-' + (s.status || 'unknown'))) pill.parentNode.replaceChild(statusPill(s.status), pill);
  }

  function renderSummary(job) {
    var section = document.getElementById('summary');
    if (!section) return;
    var h = headline(job), p = progressOf(job);
    var kept = 0, discarded = 0;
    for (var i = 0; i < job.iterations.length; i++) {
      if (job.iterations[i].status === 'keep') kept++;
      else if (job.iterations[i].status === 'discard') discarded++;
    }
    var stats = statsGrid(job.baseline_score, h.best, h.points, h.percent,
      job.best_score != null ? 'Highest kept score' : 'Highest iteration score');
    var bar = p.total != null
      ? el('progress', { max: p.total, value: Math.min(p.done, p.total), 'aria-label': 'Iterations completed' }, [p.done + ' of ' + p.total])
      : el('progress', { 'aria-label': 'Iterations completed' }, ['in progress']);
    var prog = el('div', { class: 'progress' }, [
      el('div', { class: 'row' }, [
        el('strong', null, [p.total != null ? 'Iteration ' + num(p.done) + ' of ' + num(p.total) : plural(p.done, 'iteration') + ' so far']),
        el('span', { class: 'subtle' }, [kept + ' kept' + DOT + discarded + ' discarded' + (p.fraction != null ? DOT + Math.round(p.fraction * 100) + '%' : '')]),
      ]),
      bar,
    ]);
    setSectionBody(section, [stats, prog]);
  }

  // ---- the chart (src/views/html/chart.tsx) ------------------------------------------------------

  var GEOMETRY = {
    wide: { w: 720, h: 300, m: { top: 16, right: 18, bottom: 44, left: 52 }, xTicks: 7 },
    narrow: { w: 400, h: 300, m: { top: 14, right: 14, bottom: 44, left: 46 }, xTicks: 4 },
  };
  var DENSE = 120;
  function r1(n) {
    return (Math.round(n * 10) / 10).toString();
  }
  function niceTicks(lo, hi, target) {
    if (!isFinite(lo) || !isFinite(hi) || !isFinite(hi - lo)) return { min: 0, max: 100, ticks: [0, 25, 50, 75, 100] };
    if (!(hi > lo)) {
      var pad = Math.max(5, Math.abs(lo) * 0.05);
      lo -= pad;
      hi += pad;
    }
    var rough = (hi - lo) / target;
    var pow = Math.pow(10, Math.floor(Math.log10(rough)));
    var step = 10 * pow, steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * pow >= rough) { step = steps[i] * pow; break; }
    var min = Math.floor(lo / step) * step, max = Math.ceil(hi / step) * step, ticks = [];
    for (var k = 0; k <= target * 3; k++) {
      var v = min + k * step;
      if (v > max + step / 2) break;
      ticks.push(Math.round(v * 1e6) / 1e6);
    }
    return { min: min, max: max, ticks: ticks };
  }
  function xTickIndexes(n, count) {
    var out = [];
    if (n <= count) { for (var i = 0; i < n; i++) out.push(i); return out; }
    var step = 1;
    for (var k = 1; Math.floor((n - 1) / step) + 1 > count; k++) step = [1, 2, 5][k % 3] * Math.pow(10, Math.floor(k / 3));
    for (var x = 0; x < n; x += step) out.push(x);
    return out;
  }
  function formatTick(t) {
    return Number.isInteger(t) ? String(t) : t.toFixed(1);
  }
  function chartModel(its, baseline, slots) {
    var n = its.length, xn = Math.max(n, Math.min(slots || 0, 10000)), base = finite(baseline) ? baseline : null;
    var sMin = Infinity, sMax = -Infinity, scored = 0, kept = 0, best = base, bestName = null;
    for (var i = 0; i < n; i++) {
      var it = its[i];
      if (it.status === 'keep') kept++;
      if (!finite(it.avg_score)) continue;
      scored++;
      var v = it.avg_score;
      if (v < sMin) sMin = v;
      if (v > sMax) sMax = v;
      if (it.status === 'keep' && (best == null || v > best)) { best = v; bestName = it.iteration_name; }
    }
    var lo = Math.min(sMin, base == null ? Infinity : base), hi = Math.max(sMax, base == null ? -Infinity : base);
    if (lo === Infinity) { lo = 0; hi = 100; }
    var pad = (hi - lo) * 0.08, t = niceTicks(lo - pad, hi + pad, 5);
    var range = scored
      ? scored + ' of ' + n + ' iterations scored, from ' + formatScore(sMin) + ' to ' + formatScore(sMax)
      : n + ' iterations, none scored yet';
    var summary = range + '; ' + kept + ' kept. Baseline ' + formatScore(base) + '; best kept so far ' + formatScore(best) +
      (bestName != null ? ' (' + bestName + ')' : '') + '.';
    return { its: its, n: n, xn: xn, base: base, min: t.min, max: t.max, ticks: t.ticks, summary: summary };
  }
  function chartSvg(md, g, variant, tableLabel) {
    var n = md.n, xn = md.xn, base = md.base, its = md.its;
    var pw = g.w - g.m.left - g.m.right, ph = g.h - g.m.top - g.m.bottom;
    function yOf(v) { return g.m.top + ph - ((v - md.min) / (md.max - md.min)) * ph; }
    function xOf(i) { return xn === 1 ? g.m.left + pw / 2 : g.m.left + (i / (xn - 1)) * pw; }
    var line = '', pen = false, keep = '', discard = '', other = '', best = '', bestValue = base;
    if (bestValue != null) best = 'M' + r1(xn === 1 ? g.m.left : xOf(0)) + ' ' + r1(yOf(bestValue));
    for (var i = 0; i < n; i++) {
      var it = its[i];
      if (!finite(it.avg_score)) { pen = false; continue; }
      var x = r1(xOf(i)), y = r1(yOf(it.avg_score));
      line += (pen ? 'L' : 'M') + x + ' ' + y;
      pen = true;
      var marker = 'M' + x + ' ' + y + 'h0';
      if (it.status === 'keep') {
        keep += marker;
        if (bestValue == null) { bestValue = it.avg_score; best = 'M' + x + ' ' + y; }
        else if (it.avg_score > bestValue) { bestValue = it.avg_score; best += 'H' + x + 'V' + y; }
      } else if (it.status === 'discard') discard += marker;
      else other += marker;
    }
    if (best) best += 'H' + r1(xn === 1 ? g.m.left + pw : xOf(Math.max(0, n - 1)));
    var lastOrder = n > 0 ? its[n - 1].order : null;
    function tickLabel(i) {
      var it = its[i];
      if (it) return it.order != null ? String(it.order) : String(i + 1);
      return String(lastOrder != null ? lastOrder + (i - n + 1) : i + 1);
    }
    var axisY = g.m.top + ph, marks = [];
    md.ticks.forEach(function (t) {
      marks.push(svg('line', { class: 'grid', x1: g.m.left, x2: g.w - g.m.right, y1: r1(yOf(t)), y2: r1(yOf(t)) }));
      marks.push(svg('text', { x: g.m.left - 8, y: r1(yOf(t) + 4), 'text-anchor': 'end' }, [formatTick(t)]));
    });
    marks.push(svg('line', { class: 'axis', x1: g.m.left, x2: g.w - g.m.right, y1: axisY, y2: axisY }));
    xTickIndexes(xn, g.xTicks).forEach(function (i) {
      var x = r1(xOf(i)), anchor = xn === 1 ? 'middle' : i === 0 ? 'start' : i === xn - 1 ? 'end' : 'middle';
      marks.push(svg('line', { class: 'axis', x1: x, x2: x, y1: axisY, y2: axisY + 5 }));
      marks.push(svg('text', { x: x, y: axisY + 19, 'text-anchor': anchor }, [tickLabel(i)]));
    });
    marks.push(svg('text', { class: 'axis-title', x: g.m.left + pw / 2, y: g.h - 5, 'text-anchor': 'middle' }, ['Iteration (order)']));
    marks.push(svg('text', { class: 'axis-title', x: 13, y: g.m.top + ph / 2, 'text-anchor': 'middle', transform: 'rotate(-90 13 ' + (g.m.top + ph / 2) + ')' }, ['Score']));
    if (best) marks.push(svg('path', { class: 's-best', d: best }));
    if (base != null) marks.push(svg('path', { class: 's-base', d: 'M' + g.m.left + ' ' + r1(yOf(base)) + 'H' + (g.w - g.m.right) }));
    if (line) marks.push(svg('path', { class: 's-score', d: line }));
    if (discard) marks.push(svg('path', { class: 'm-discard', d: discard }));
    if (other) marks.push(svg('path', { class: 'm-other', d: other }));
    if (keep) marks.push(svg('path', { class: 'm-keep', d: keep }));
    return svg('svg', {
      class: 'chart chart-' + variant + (xn > DENSE ? ' dense' : ''),
      viewBox: '0 0 ' + g.w + ' ' + g.h,
      role: 'img',
      'aria-labelledby': 'chart-title-' + variant + ' chart-desc-' + variant,
    }, [
      svg('title', { id: 'chart-title-' + variant }, ['Average score per iteration']),
      svg('desc', { id: 'chart-desc-' + variant }, [md.summary + ' Every value is listed in the ' + tableLabel + ' table below.']),
      svg('g', { 'aria-hidden': 'true' }, marks),
    ]);
  }
  function legend(baseline) {
    function item(cls, label) { return el('li', null, [el('span', { class: cls }), label]); }
    return el('ul', { class: 'legend', 'aria-hidden': 'true' }, [
      item('sw', 'Average score'),
      item('sw sw-keep', 'Kept'),
      item('sw sw-discard', 'Discarded'),
      item('sw sw-best', 'Best so far'),
      baseline != null ? item('sw sw-base', 'Baseline ' + formatScore(baseline)) : null,
    ]);
  }
  function renderChart(job, its) {
    var section = document.getElementById('chart');
    if (!section) return;
    if (its.length === 0) {
      setSectionBody(section, [el('p', { class: 'empty' }, [
        'No iterations yet' + (job.baseline_score != null ? DOT + 'baseline ' + formatScore(job.baseline_score) : '') + '.',
      ])]);
      return;
    }
    var md = chartModel(its, job.baseline_score, isTerminal(job.status) ? null : job.num_iterations);
    var svgs = [chartSvg(md, GEOMETRY.wide, 'wide', 'Iterations'), chartSvg(md, GEOMETRY.narrow, 'narrow', 'Iterations')];
    var figure = one('figure.chart', section);
    if (figure) {
      // Keep the figure and its caption (a link someone may have focused); replace the drawings.
      every('svg.chart, ul.legend', figure).forEach(function (old) { figure.removeChild(old); });
      var caption = one('figcaption', figure);
      figure.insertBefore(svgs[0], caption);
      figure.insertBefore(svgs[1], caption);
      figure.insertBefore(legend(job.baseline_score), caption);
      return;
    }
    setSectionBody(section, [el('figure', { class: 'chart' }, svgs.concat([
      legend(job.baseline_score),
      el('figcaption', null, [
        'Average score of each iteration by order. The ',
        el('a', { href: '#iterations' }, ['Iterations table']),
        ' lists every value.',
      ]),
    ]))]);
  }

  // ---- the iterations table (src/views/html/sections/iterations.tsx) -----------------------------

  var TALL_ROWS = 25;
  function row(it, baseline, isBest) {
    var delta = it.avg_score != null && baseline != null ? it.avg_score - baseline : null;
    return el('tr', { class: isBest ? 'is-best' : null }, [
      el('td', { class: 'num' }, [it.order != null ? String(it.order) : DASH]),
      el('th', { scope: 'row', class: 'name', dir: 'auto' }, [
        String(it.iteration_name),
        isBest ? ' ' : null,
        isBest ? el('span', { class: 'tag tag-best' }, ['best']) : null,
      ]),
      el('td', { class: 'num' }, [formatScore(it.avg_score)]),
      el('td', { class: 'num dir-' + direction(delta) }, [formatDelta(delta)]),
      el('td', null, [
        it.status
          ? el('span', { class: 'pill pill-' + it.status }, [ITERATION_STATUS[it.status] || String(it.status)])
          : el('span', { class: 'muted' }, [DASH]),
      ]),
      el('td', { class: 'desc', dir: 'auto' }, [it.description ? String(it.description) : el('span', { class: 'muted' }, [DASH])]),
    ]);
  }
  function renderIterations(job, its) {
    var section = document.getElementById('iterations');
    if (!section) return;
    if (its.length === 0) {
      setSectionBody(section, [el('p', { class: 'empty' }, ['No iterations have been recorded yet.'])]);
      return;
    }
    var best = bestKept(its), rows = its.map(function (it) { return row(it, job.baseline_score, it === best); });
    var tbody = one('table.data tbody', section), wrap = one('.table-wrap', section);
    if (tbody && wrap) {
      // Keep the scrolling box (and the reader's place in it); replace the rows.
      fill(clear(tbody), null, rows);
      wrap.classList.toggle('tall', its.length > TALL_ROWS);
      return;
    }
    function col(label, cls) { return el('th', { scope: 'col', class: cls }, [label]); }
    setSectionBody(section, [el('div', {
      class: its.length > TALL_ROWS ? 'table-wrap tall' : 'table-wrap', role: 'region', 'aria-label': 'Iterations table', tabindex: '0',
    }, [el('table', { class: 'data' }, [
      el('caption', { class: 'sr-only' }, [
        "Each iteration's order, name, average score, change against the baseline, whether it was kept, and what it tried.",
      ]),
      el('thead', null, [el('tr', null, [
        col('#', 'num'), col('Name'), col('Score', 'num'), col('\u0394 vs baseline', 'num'), col('Status'), col('Description'),
      ])]),
      el('tbody', null, rows),
    ])])]);
  }

  // ---- the live status line and announcements ----------------------------------------------

  var label = one('#live-label'), state = one('#live-state'), announcer = one('#live-announce'), refresh = one('#live-refresh');
  var bestAttr = root.getAttribute('data-best');
  var lastData = 0, connected = false, droppedAt = 0, retryAt = 0, shownBest = bestAttr ? parseFloat(bestAttr) : null, paused = false, finishing = false, source = null;
  var retryMs = 30000;
  var reconnectTimer = 0, ticker = 0;

  function ago(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 1) return 'just now';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    return Math.floor(s / 3600) + ' h ago';
  }
  /** The words after "Live": "Live · updated 4 s ago ·", then the reload link and the pause button. */
  function setState(text) {
    if (state) state.textContent = DOT.slice(1) + text + DOT.slice(0, -1);
  }
  function tick() {
    if (paused || finishing) return;
    if (retryAt) return setState('updates refused for now, retrying in ' + Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)) + ' s');
    // A stream that drops and comes back within its retry hint is normal; say so only when it stays away.
    if (!connected && droppedAt && Date.now() - droppedAt > 20000) setState('reconnecting\u2026');
    else if (lastData) setState('updated ' + ago(Date.now() - lastData));
  }
  function announce(text) {
    // Cleared first, so the same words said twice are announced twice.
    if (!announcer) return;
    announcer.textContent = '';
    setTimeout(function () { announcer.textContent = text; }, 50);
  }
  function noteBest(best, points, name) {
    if (!finite(best)) return;
    if (shownBest == null || !finite(shownBest) || best > shownBest + 1e-9) {
      announce('New best score: ' + formatScore(best) + (finite(points) ? ', ' + formatDelta(points) + ' points against the baseline' : '') +
        (name ? ' (' + name + ')' : '') + '.');
    }
    shownBest = best;
  }

  // ---- data ----------------------------------------------------------------------------------

  var pending = null, fetching = false;

  function validJob(job) {
    return job && typeof job === 'object' && String(job.id).toLowerCase() === jobId && Array.isArray(job.iterations) &&
      typeof job.created_at === 'string' && typeof job.updated_at === 'string';
  }
  function apply(job, v) {
    var now = Date.now(), its = sorted(job.iterations);
    renderHeader(job, now);
    renderSummary(job);
    renderChart(job, its);
    renderIterations(job, its);
    // A new version came from the upstream, so a "saved copy" warning no longer holds.
    every('.banner-warn').forEach(function (b) { b.parentNode.removeChild(b); });
    version = v;
    root.setAttribute('data-version', v);
  }
  /** The job's JSON for summary s; retried while a cache in between still has the older copy. */
  function load(s, attempt) {
    fetching = true;
    fetch(jsonUrl, { cache: 'no-cache', credentials: 'omit', headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) throw new Error('status ' + res.status);
        return res.json();
      })
      .then(function (job) {
        if (!validJob(job)) throw new Error('not this job');
        if (isTerminal(job.status)) return finish(job.status);
        var current = job.updated_at === s.updated_at && (!s.iterations || job.iterations.length === s.iterations.done);
        if (!current && attempt < 6) return later(s, attempt + 1);
        apply(job, s.version);
        done();
      })
      .catch(function () {
        if (attempt < 6) later(s, attempt + 1);
        else done();
      });
  }
  function later(s, attempt) {
    setTimeout(function () { load(pending || s, attempt); }, Math.min(8000, 1000 * attempt));
  }
  function done() {
    fetching = false;
    var next = pending;
    pending = null;
    if (next && next.version !== version) { fetching = true; load(next, 0); }
  }
  function onSummary(s) {
    if (!s || typeof s !== 'object' || typeof s.version !== 'string') return;
    lastData = Date.now();
    tick();
    if (isTerminal(s.status)) return finish(s.status);
    noteBest(s.best_score, s.improvement, s.best_iteration && s.best_iteration.name);
    if (s.version === version) return;
    quickSummary(s);
    pending = s;
    if (!fetching) { pending = null; load(s, 0); }
  }

  // ---- finishing: one reload to the final page -------------------------------------------------

  function finish(status) {
    if (finishing) return;
    finishing = true;
    disconnect();
    clearInterval(ticker);
    root.classList.add('is-paused');
    if (toggle.parentNode) toggle.parentNode.removeChild(toggle);
    if (label) label.textContent = STATUS[status] ? STATUS[status] + '.' : 'Finished.';
    if (state) state.textContent = 'Loading the final report\u2026';
    announce('The job has finished' + (STATUS[status] ? ' (' + STATUS[status].toLowerCase() + ')' : '') + '. Loading the final report.');
    // Reload once the JSON says so too, so the reload does not land on a copy still cached as running.
    var tries = 0;
    (function check() {
      fetch(jsonUrl, { cache: 'no-cache', credentials: 'omit', headers: { Accept: 'application/json' } })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (job) {
          if ((job && isTerminal(job.status)) || ++tries >= 8) location.reload();
          else setTimeout(check, 2000);
        })
        .catch(function () {
          if (++tries >= 8) location.reload();
          else setTimeout(check, 2000);
        });
    })();
  }

  // ---- the stream ------------------------------------------------------------------------------

  function connect() {
    clearTimeout(reconnectTimer);
    retryAt = 0;
    if (paused || finishing) return;
    source = new EventSource(eventsUrl);
    source.addEventListener('job', function (e) {
      retryMs = 30000;
      var s = null;
      try { s = JSON.parse(e.data); } catch (err) { return; }
      onSummary(s);
    });
    source.addEventListener('end', function (e) {
      var s = null;
      try { s = JSON.parse(e.data); } catch (err) { s = null; }
      finish(s && typeof s.status === 'string' ? s.status : null);
    });
    source.onopen = function () { connected = true; droppedAt = 0; tick(); };
    source.onerror = function () {
      if (!source || finishing) return;
      if (connected) droppedAt = Date.now();
      connected = false;
      if (source.readyState === EventSource.CLOSED) {
        // Refused (over a cap, or gone): try again later, less often each time.
        disconnect();
        retryAt = Date.now() + retryMs;
        tick();
        reconnectTimer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 300000);
      } else tick();
    };
  }
  function disconnect() {
    if (source) { source.close(); source = null; }
    connected = false;
    clearTimeout(reconnectTimer);
  }

  // ---- taking over the banner -------------------------------------------------------------------

  var toggle = el('button', { type: 'button', class: 'live-toggle' }, ['Pause live updates']);
  toggle.addEventListener('click', function () {
    paused = !paused;
    toggle.textContent = paused ? 'Resume live updates' : 'Pause live updates';
    root.classList.toggle('is-paused', paused);
    if (paused) { disconnect(); setState('paused'); } else { setState('connecting\u2026'); connect(); }
  });
  if (label) label.textContent = 'Live';
  setState('connecting\u2026');
  if (refresh) refresh.textContent = 'Reload the full page';
  var holder = refresh ? refresh.parentNode : state && state.parentNode;
  if (holder) holder.appendChild(toggle);
  ticker = setInterval(tick, 1000);
  connect();
})();
`;

/**
 * The script as pages carry it: the source above without its indentation, comment lines and
 * blank lines (a quarter smaller; no string or regex in it spans lines or starts with //).
 */
export const LIVE_SCRIPT = SOURCE.split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('//') && !(line.startsWith('/**') && line.endsWith('*/')))
  .join('\n');

// Inside <script> the HTML parser only looks for "</script" (and, after "<!--", "<script"): a
// script with no "<" before a letter, "/", "!" or "?" can never end early or be read as markup
// by any parser, so it goes into the page as it is (raw) and its hash matches.
if (/<[a-zA-Z/!?]/.test(LIVE_SCRIPT)) {
  throw new Error(
    'src/views/html/live.ts: the live script must not contain "<" followed by a letter, /, ! or ?',
  );
}

let hashPromise: Promise<string> | null = null;

/** The CSP source for the live script, e.g. 'sha256-…'; computed once per isolate. */
export function liveScriptHash(): Promise<string> {
  hashPromise ??= (async () => {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(LIVE_SCRIPT));
    let bin = '';
    for (const b of new Uint8Array(digest)) bin += String.fromCharCode(b);
    return `'sha256-${btoa(bin)}'`;
  })();
  return hashPromise;
}
