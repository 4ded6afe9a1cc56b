/* global document, window, EventSource, ResizeObserver, uPlot */
// The dashboard page: keeps the sections the server sends over server-sent events and renders
// each one when it changes. Everything that came from orders is set with textContent.
'use strict';

(() => {
  const state = {};
  const $ = (id) => document.getElementById(id);

  // ---- formatting: units always shown, UTC throughout --------------------------------------------
  const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const rateFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  const scoreFmt = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 3 });
  const usd = (n) => usdFmt.format(n);
  // Key figures stay readable at a glance when they grow: $11.5M, 2.4M (the exact value is the tooltip).
  const usdCompactFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 2 });
  const intCompactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });
  const bigUsd = (n) => (Math.abs(n) >= 1e6 ? usdCompactFmt.format(n) : usd(n));
  const bigInt = (n) => (Math.abs(n) >= 1e6 ? intCompactFmt.format(n) : intFmt.format(n));
  const int = (n) => intFmt.format(n);
  const pct = (f) => `${(f * 100).toFixed(f >= 0.1 ? 0 : 1)}%`;
  const pad = (n) => String(n).padStart(2, '0');
  const utcTime = (ms) => {
    const d = new Date(ms);
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  };
  const utcDateTime = (ms) => {
    if (!Number.isFinite(ms)) return '–';
    const d = new Date(ms);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${utcTime(ms)}`;
  };
  const ago = (ms) => {
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
  };

  // ---- DOM helpers: text only, never markup from data ---------------------------------------------
  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === 'text') node.textContent = v;
      else if (k === 'className') node.className = v;
      else if (k === 'title') node.title = v;
      else node.setAttribute(k, v);
    }
    for (const child of children) node.append(child);
    return node;
  }
  const td = (text, className = '') => el('td', { text, className });
  /** Chips separated by spaces, so that copied text reads "velocity high-value". */
  const spaced = (nodes) => nodes.flatMap((node, i) => (i === 0 ? [node] : [' ', node]));
  function runLink(batchId, url) {
    // Links come from the server's own Temporal UI setting; refuse anything that is not http(s).
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return document.createTextNode(batchId);
    return el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: batchId, title: 'open this batch run in the Temporal Web UI', className: 'batch' });
  }
  function setText(id, text) {
    $(id).textContent = text;
  }
  /** A key figure: the number large, its unit small beside it. */
  function setKpi(id, value, unit = '', exact = '') {
    $(id).title = exact;
    $(id).replaceChildren(document.createTextNode(value), ...(unit ? [' ', el('span', { className: 'unit', text: unit })] : []));
  }
  function showEmpty(id, empty) {
    $(id).hidden = !empty;
  }
  const SEVERITIES = new Set(['low', 'medium', 'high', 'critical']);

  // ---- sections ------------------------------------------------------------------------------------
  function renderTotals(t) {
    setKpi('kpi-revenue', bigUsd(t.revenueUsd), '', usd(t.revenueUsd));
    setText('kpi-revenue-sub', t.orders > 0 ? `${usd(t.revenueUsd / t.orders)} per order` : 'no orders yet');
    setKpi('kpi-orders', bigInt(t.orders), '', int(t.orders));
    setText('kpi-orders-sub', `${int(t.items)} items`);
    // The rate counts orders by arrival (gold parts that appeared recently), not by order date.
    if (t.recentOrdersPerMin == null) {
      setKpi('kpi-rate', '–');
      setText('kpi-rate-sub', 'measuring…');
    } else {
      setKpi('kpi-rate', rateFmt.format(t.recentOrdersPerMin), 'orders/min');
      setText('kpi-rate-sub', `${usd(t.recentRevenuePerMin)}/min`);
    }
    setText('kpi-rate-window', t.rateMinutes > 0 && t.rateMinutes < 5 ? `(arrived, latest ${rateFmt.format(t.rateMinutes)} min)` : '(arrived, latest 5 min)');
    const future = $('series-future');
    future.hidden = !(t.futureOrders > 0);
    future.textContent = t.futureOrders > 0 ? `${int(t.futureOrders)} order${t.futureOrders === 1 ? '' : 's'} dated in the future (${usd(t.futureRevenueUsd)}) left out of the chart and the rate: a data-quality finding` : '';
    setKpi('kpi-alerts', int(t.alerts));
    $('kpi-alerts').classList.toggle('bad', t.alerts > 0);
    setText('kpi-alerts-sub', `${int(t.batches)} batches checked`);
  }

  let chart;
  /** The range the user picked, or 'auto' (the server's choice for the data). */
  let chosenRange = 'auto';
  const BUCKET_NAMES = { 60000: 'minute', 300000: '5 min', 900000: '15 min', 3600000: 'hour', 21600000: '6 h', 86400000: 'day', 604800000: 'week' };
  const bucketName = (ms) => BUCKET_NAMES[ms] ?? `${Math.round(ms / 60000)} min`;

  /**
   * Tick labels with as many decimals as the step between ticks needs, so that small values do
   * not read "1, 1, 1, 0, 0, 0" (rounded fractions).
   */
  function tickLabels(vals, format) {
    const step = vals.length > 1 ? Math.abs(vals[1] - vals[0]) : 1;
    const digits = step >= 1 || step === 0 ? 0 : Math.min(3, Math.ceil(-Math.log10(step) - 1e-9));
    return vals.map((v) => format(v, digits));
  }
  const countTick = (v, digits) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const usdTick = (v, digits) => (Math.abs(v) >= 1e4 ? usdCompactFmt.format(v) : `$${v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`);
  /** Orders are counts: whole-number steps only. */
  const COUNT_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 2.5e4, 5e4, 1e5, 2e5, 2.5e5, 5e5, 1e6, 2e6, 5e6, 1e7];
  const TIME_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2592000, 7776000, 31536000];

  function chartOptions(width, bucketMs, spanMs) {
    const per = bucketName(bucketMs);
    const withDate = spanMs > 86400000;
    return {
      width,
      height: 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true }, orders: { auto: true, range: (u, min, max) => [0, Math.max(1, max * 1.1)] }, usd: { auto: true, range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      series: [
        { label: 'UTC', value: (u, ts) => (ts == null ? '–' : utcDateTime(ts * 1000)) },
        { label: 'Orders', scale: 'orders', stroke: '#2f63d8', width: 2, value: (u, v) => (v == null ? '–' : `${int(v)} orders/${per}`), points: { show: false } },
        { label: 'Revenue', scale: 'usd', stroke: '#16885e', fill: 'rgba(22,136,94,0.08)', width: 1.5, value: (u, v) => (v == null ? '–' : `${usd(v)}/${per}`), points: { show: false } },
      ],
      axes: [
        // Ticks on whole buckets only: the data is per bucket.
        { stroke: '#687083', grid: { stroke: '#eef1f5' }, space: withDate ? 90 : 60, incrs: TIME_STEPS.filter((s) => s * 1000 >= bucketMs), values: (u, splits) => splits.map((ts) => (withDate ? utcDateTime(ts * 1000).slice(5) : utcTime(ts * 1000))) },
        { scale: 'orders', stroke: '#2f63d8', grid: { stroke: '#eef1f5' }, size: 56, incrs: COUNT_STEPS, values: (u, vals) => tickLabels(vals, countTick), label: `orders/${per}` },
        { scale: 'usd', side: 1, stroke: '#16885e', grid: { show: false }, size: 70, values: (u, vals) => tickLabels(vals, usdTick), label: `$/${per}` },
      ],
    };
  }
  function renderSeries(view) {
    for (const button of document.querySelectorAll('#series-ranges button')) button.setAttribute('aria-pressed', String(button.dataset.range === chosenRange));
    const range = chosenRange === 'auto' ? view.auto : chosenRange;
    const s = view.ranges[range];
    const empty = s.minutes.length === 0;
    showEmpty('volume-empty', empty);
    setText('volume-empty', view.anyPast ? 'no orders in this range' : 'no orders yet');
    $('volume-chart').hidden = empty;
    $('volume-chart').dataset.range = range;
    setText('series-title', `Orders and revenue per ${bucketName(s.bucketMs)}`);
    const last = s.minutes.length > 0 ? s.minutes[s.minutes.length - 1] : view.nowMinute;
    const spanMs = s.minutes.length > 0 ? last + s.bucketMs - s.minutes[0] : 0;
    const show = spanMs > 86400000 ? utcDateTime : utcTime;
    setText('series-range', empty ? '' : `${show(s.minutes[0])} – ${show(last + s.bucketMs)} UTC (now), ${chosenRange === 'auto' ? `auto: ${range}` : range}, per ${bucketName(s.bucketMs)}`);
    if (empty) return;
    const data = [s.minutes.map((m) => m / 1000), s.orders, s.revenueUsd];
    const box = $('volume-chart');
    // Labels and tick steps depend on the bucket and the span: a new chart when they change.
    const shape = `${s.bucketMs}/${spanMs > 86400000}`;
    if (!chart || chart.shape !== shape) {
      chart?.destroy();
      chart = new uPlot(chartOptions(box.clientWidth || 800, s.bucketMs, spanMs), data, box);
      chart.shape = shape;
      resizer ??= new ResizeObserver(() => chart?.setSize({ width: box.clientWidth, height: 260 }));
      resizer.observe(box);
    } else {
      chart.setData(data);
    }
    window.dashboard.chart = chart;
  }
  let resizer;
  for (const button of document.querySelectorAll('#series-ranges button')) {
    button.addEventListener('click', () => {
      chosenRange = button.dataset.range;
      if (state.series) renderSeries(state.series);
    });
  }

  function renderCategories(rows) {
    const list = $('categories');
    const max = rows.reduce((m, r) => Math.max(m, r.revenueUsd), 0);
    list.replaceChildren(
      ...rows.map((r) => {
        const fill = el('div', { className: 'fill' });
        fill.style.width = `${max > 0 ? (r.revenueUsd / max) * 100 : 0}%`;
        return el('li', { 'data-testid': 'category-row', 'data-category': r.category }, [
          el('span', { className: 'name', text: r.category, title: r.category }),
          el('div', { className: 'track', title: `${pct(r.share)} of revenue` }, [fill]),
          el('span', { className: 'revenue', text: usd(r.revenueUsd) }),
          el('span', { className: 'orders', text: `${int(r.orders)} orders` }),
        ]);
      }),
    );
    showEmpty('categories-empty', rows.length === 0);
    setText('categories-note', rows.length === 0 ? '' : `${rows.length} categories, revenue in USD`);
  }

  function renderCustomers(c) {
    $('customers').replaceChildren(
      ...c.top.map((r, i) =>
        el('tr', { 'data-testid': 'customer-row', 'data-customer': r.customerId }, [
          td(String(i + 1), 'num'),
          td(r.customerId, 'customer'),
          td(r.segment || '–'),
          td(int(r.orders), 'num'),
          td(int(r.items), 'num'),
          td(usd(r.spendUsd), 'num spend'),
          td(utcDateTime(r.lastOrderTs)),
        ]),
      ),
    );
    showEmpty('customers-empty', c.top.length === 0);
    setText('customers-note', c.count === 0 ? '' : `top ${c.top.length} of ${int(c.count)} by spend`);
  }

  const seenAlerts = new Set();
  let alertsRendered = false;
  function renderAlerts(a) {
    $('alerts').replaceChildren(
      ...a.rows.map((r) => {
        const severity = String(r.severity).toLowerCase();
        const tr = el('tr', { 'data-testid': 'alert-row', 'data-alert': r.alertId }, [
          td(utcDateTime(r.windowEnd)),
          td(r.customerId, 'customer'),
          el('td', { className: 'wrap' }, spaced(r.rules.map((rule) => el('span', { className: 'rule', text: rule })))),
          el('td', {}, [el('span', { className: SEVERITIES.has(severity) ? `badge ${severity}` : 'badge', text: r.severity })]),
          td(scoreFmt.format(r.score), 'num'),
          td(int(r.orderCount), 'num'),
          el('td', {}, [runLink(r.batchId, r.batchUrl)]),
        ]);
        if (alertsRendered && !seenAlerts.has(r.alertId)) tr.classList.add('fresh');
        seenAlerts.add(r.alertId);
        return tr;
      }),
    );
    alertsRendered = true;
    showEmpty('alerts-empty', a.rows.length === 0);
    setText('alerts-note', a.count === 0 ? '' : a.count > a.rows.length ? `newest ${a.rows.length} of ${int(a.count)}` : `${int(a.count)} in total, newest first`);
  }

  function renderQuality(q) {
    $('quality').replaceChildren(
      ...q.rows.map((r) =>
        el('tr', { 'data-testid': 'quality-row', 'data-batch': r.batchId }, [
          el('td', {}, [runLink(r.batchId, r.batchUrl)]),
          td(r.latestMinute == null ? '–' : utcDateTime(r.latestMinute)),
          td(int(r.rows), 'num'),
          td(int(r.checks), 'num'),
          td(int(r.issues), 'num'),
          el(
            'td',
            { className: 'wrap' },
            r.breached.length === 0
              ? [el('span', { className: 'clean', text: 'none' })]
              : spaced(r.breached.map((b) =>
                  el('span', {
                    className: 'rule breach',
                    text: `${b.check}${b.field ? ` (${b.field})` : ''}: ${int(b.count)} of ${int(b.total)}`,
                    title: `rate ${pct(b.rate)}${b.maxRate == null ? '' : `, allowed ${pct(b.maxRate)}`}`,
                  }),
                )),
          ),
        ]),
      ),
    );
    showEmpty('quality-empty', q.rows.length === 0);
    setText('quality-note', q.batches === 0 ? '' : `${int(q.breachedBatches)} of ${int(q.batches)} batches breached a check, newest first`);
  }

  function renderHealth(h) {
    const t = h.temporal;
    const runs = [];
    if (t.reachable) {
      setText('health-running', int(t.running));
      setText('health-failed', int(t.failed));
      setText('health-blocked', int(t.blocked));
      setText('health-completed', int(t.completed));
      $('health-failed').className = t.failed > 0 ? 'bad' : '';
      $('health-blocked').className = t.blocked > 0 ? 'warn' : '';
      setText('health-temporal', t.failed + t.blocked === 0 ? 'no failed or blocked batches' : '');
      $('health-temporal').className = 'note';
      for (const f of t.failedBatches) runs.push(el('li', { 'data-testid': 'failed-batch' }, [el('span', { className: 'tag failed', text: f.status }), runLink(f.batchId, f.batchUrl)]));
      for (const b of t.blockedBatches) {
        runs.push(el('li', { 'data-testid': 'blocked-batch' }, [el('span', { className: 'tag blocked', text: 'blocked' }), runLink(b.batchId, b.batchUrl), document.createTextNode(` by ${b.blockedBy}`)]));
      }
      setKpi('kpi-running', int(t.running), 'batches');
      setText('kpi-running-sub', `${int(t.failed)} failed · ${int(t.blocked)} blocked`);
    } else {
      for (const id of ['health-running', 'health-failed', 'health-blocked', 'health-completed', 'kpi-running']) setText(id, '–');
      setText('health-temporal', 'Temporal not reachable: batch runs unknown');
      $('health-temporal').title = t.error;
      $('health-temporal').className = 'note bad';
      setText('kpi-running-sub', 'Temporal not reachable');
    }
    $('health-runs').replaceChildren(...runs);

    const lag = h.lag;
    if (lag.available) {
      setKpi('kpi-lag', int(lag.total), 'records');
      setText('kpi-lag-sub', `${lag.partitions.length} partitions`);
      $('health-lag').replaceChildren(...lag.partitions.map((p) => el('span', { text: `p${p.partition}: ${int(p.lag)}` })));
    } else {
      setText('kpi-lag', '–');
      setText('kpi-lag-sub', 'bridge not reporting');
      $('health-lag').replaceChildren(el('span', { className: 'muted', text: 'no lag figures: the bridge is not running or has not reported yet', title: lag.error }));
    }
  }

  // ---- liveness ------------------------------------------------------------------------------------
  let connected = false;
  let lastTick = null;
  function renderStatus() {
    const box = $('status');
    const lake = state.status;
    let text;
    let mode;
    box.title = '';
    if (!connected) {
      mode = 'connecting';
      text = lastTick ? `reconnecting… (last update ${ago(lastTick)})` : 'connecting…';
    } else if (lake && !lake.ok) {
      mode = 'error';
      text = `cannot read the lake: ${lake.error ?? 'unknown error'}`;
    } else if (lake && lake.catchingUp) {
      mode = 'stale';
      text = 'reading the lake… figures still growing';
    } else if (lake && lake.unreadableCount > 0) {
      mode = 'stale';
      text = `live · ${int(lake.unreadableCount)} unreadable lake object${lake.unreadableCount === 1 ? '' : 's'} skipped`;
      box.title = lake.unreadable.map((u) => `${u.key}: ${u.error}`).join('\n');
    } else if (lastTick && Date.now() - lastTick > 15_000) {
      mode = 'stale';
      text = `no update for ${ago(lastTick).replace(' ago', '')}`;
    } else {
      mode = 'live';
      text = lastTick ? `live · updated ${ago(lastTick)}` : 'live';
    }
    box.dataset.state = mode;
    setText('status-text', text);
  }

  const RENDER = {
    totals: renderTotals,
    series: renderSeries,
    categories: renderCategories,
    customers: renderCustomers,
    alerts: renderAlerts,
    quality: renderQuality,
    health: renderHealth,
    status: renderStatus,
  };

  function apply(sections) {
    for (const [name, value] of Object.entries(sections)) {
      state[name] = value;
      const render = RENDER[name];
      if (!render) continue;
      try {
        render(value);
      } catch (error) {
        window.console.error(`rendering ${name} failed`, error);
      }
    }
    window.dashboard.updates += 1;
  }

  window.dashboard = { state, chart: undefined, updates: 0 };

  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    connected = true;
    renderStatus();
  });
  events.addEventListener('error', () => {
    connected = false;
    renderStatus();
  });
  events.addEventListener('update', (e) => apply(JSON.parse(e.data)));
  events.addEventListener('tick', (e) => {
    lastTick = JSON.parse(e.data);
    renderStatus();
  });
  window.setInterval(renderStatus, 1000);
})();
