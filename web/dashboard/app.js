// The logstream dashboard: polls the JSON API of the process that serves it
// once a second and draws the pipeline's stages (rates, totals, lag), the
// per-host level counts per window (uPlot, the top hosts only, so a thousand
// hosts stay readable), the alerts as they fire with their top log templates
// and sample lines, and the dead letters by reason. Plain JS, no build step;
// every text that comes from the logs goes into the page as text, never as
// HTML.
"use strict";

(function () {
  const POLL_MS = 1000;
  const TOP_HOSTS = 10;            // series on the chart and rows in the table
  const KEEP_WINDOWS = 180;        // distinct window starts kept (30 min of 10 s windows)
  const WINDOWS_LIMIT = 10000;     // rows per /api/v1/windows request
  const ALERTS_LIMIT = 50;
  const DEAD_LETTERS_LIMIT = 200;
  const SPARK_POINTS = 60;         // a minute of headline rates per stage
  const LEVELS = ["FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"];
  const PALETTE = ["#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                   "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

  // What each stage shows: its headline rate, its other rates, its totals.
  // [field, label, formatter]; a stage or field not listed is shown as is.
  const STAGES = {
    bucket: {
      what: "objects published",
      rate: ["lines_per_s", "lines/s"],
      rates: [["objects_per_s", "objects/s"]],
      totals: [["objects", "objects"], ["bytes", "bytes", fmtBytes]],
    },
    ingest: {
      what: "objects → records",
      rate: ["lines_per_s", "lines/s"],
      rates: [["objects_per_s", "objects/s"], ["records_per_s", "records/s"],
              ["bytes_per_s", "bytes/s", fmtBytes]],
      totals: [["objects", "objects"], ["lines", "lines"], ["records", "records"],
               ["dead_letters", "dead letters"], ["bytes", "bytes", fmtBytes]],
    },
    log: {
      what: "topic logs",
      rate: ["records_per_s", "records/s"],
      rates: [],
      totals: [["records", "records"]],
    },
    process: {
      what: "windows and rules",
      rate: ["records_per_s", "records/s"],
      rates: [["alerts_per_s", "alerts/s"]],
      totals: [["records", "records"], ["late", "late"], ["windows", "windows"],
               ["alerts", "alerts"]],
    },
    notify: {
      what: "alert sinks",
      rate: ["delivered_per_s", "delivered/s"],
      rates: [],
      totals: [["delivered", "delivered"], ["failed", "failed"], ["retried", "retried"],
               ["parked", "parked"]],
    },
  };

  const $ = (sel, root) => (root || document).querySelector(sel);

  // el("div.a.b", {title: "x"}, child, "text", ...): a new element.
  function el(spec, attrs, ...children) {
    const [tag, ...classes] = spec.split(".");
    const e = document.createElement(tag || "div");
    if (classes.length) e.className = classes.join(" ");
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  // ---------------------------------------------------------------- formats

  function fmtNum(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 1 : 2) + " G";
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 1 : 2) + " M";
    if (a >= 1e4) return Math.round(v).toLocaleString("en-US");
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  function fmtBytes(v) {
    if (v === null || v === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(Math.round(v)) : v.toFixed(Math.abs(v) >= 100 ? 0 : 1)) + " " + units[i];
  }

  function fmtDuration(s) {
    if (s === null || s === undefined) return "";
    s = Math.floor(s);
    const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24,
          m = Math.floor(s / 60) % 60, sec = s % 60;
    if (d) return `${d}d ${h}h`;
    if (h) return `${h}h ${m}m`;
    if (m) return `${m}m ${sec}s`;
    return `${sec}s`;
  }

  // Times come as ms since the epoch or as RFC 3339 text; both give ms.
  function toMs(t) {
    if (typeof t === "number") return t;
    if (typeof t === "string") {
      const ms = Date.parse(t);
      return Number.isNaN(ms) ? null : ms;
    }
    return null;
  }

  // "2026-11-24 00:00:20.123" (UTC); ms dropped when zero.
  function fmtTime(t) {
    const ms = toMs(t);
    if (ms === null) return String(t);
    let s = new Date(ms).toISOString().replace("T", " ").replace("Z", "");
    if (s.endsWith(".000")) s = s.slice(0, -4);
    return s;
  }

  function fmtSpan(start, end) {
    const a = fmtTime(start), b = fmtTime(end);
    // The end's date is dropped when it is the start's.
    return a.slice(0, 10) === b.slice(0, 10) ? `${a} – ${b.slice(11)} UTC` : `${a} – ${b} UTC`;
  }

  // ----------------------------------------------------------------- stages

  const stageBoxes = new Map();  // name -> {box, history: [rate...]}
  let stageOrder = "";

  function stageSpec(name, stage) {
    const known = STAGES[name];
    if (known) return known;
    const rates = Object.keys(stage.rates || {});
    return {
      what: "",
      rate: rates.length ? [rates[0], rates[0].replace(/_per_s$/, "/s")] : null,
      rates: rates.slice(1).map((r) => [r, r.replace(/_per_s$/, "/s")]),
      totals: Object.keys(stage.totals || {}).map((t) => [t, t.replace(/_/g, " ")]),
    };
  }

  function buildFlow(stages) {
    const flow = $("#flow");
    flow.replaceChildren();
    stageBoxes.clear();
    stages.forEach((stage, i) => {
      if (i) flow.append(el("div.arrow", {"aria-hidden": "true"}, "→"));
      const spec = stageSpec(stage.name, stage);
      const box = el("div.stage", {id: "stage-" + stage.name, "data-state": "idle"},
        el("div.stage-head", null, el("span.name", null, stage.name),
           el("span.state", null, "")),
        el("div.what.muted", null, spec.what),
        el("div.rate", null, el("span.value", null, "–"), " ",
           el("span.unit", null, spec.rate ? spec.rate[1] : "")),
        el("canvas.spark", {width: 160, height: 28, "aria-hidden": "true"}),
        el("dl.rates"),
        el("dl.totals"),
        el("div.lag", {hidden: ""}, "lag ", el("span.value", null, "–")));
      flow.append(box);
      stageBoxes.set(stage.name, {box, spec, history: []});
    });
  }

  function fillDl(dl, pairs, values) {
    const items = [];
    for (const [field, label, fmt] of pairs) {
      if (!values || !(field in values)) continue;
      const v = values[field];
      items.push(el("div", {"data-field": field},
        el("dt", null, label), el("dd", null, (fmt || fmtNum)(v))));
    }
    dl.replaceChildren(...items);
  }

  function drawSpark(canvas, history) {
    // Drawn at the canvas's own size in device pixels, so lines stay sharp.
    const ratio = window.devicePixelRatio || 1;
    const cw = Math.round(canvas.clientWidth * ratio), ch = Math.round(canvas.clientHeight * ratio);
    if (cw && ch && (canvas.width !== cw || canvas.height !== ch)) {
      canvas.width = cw;
      canvas.height = ch;
    }
    const ctx = canvas.getContext("2d");
    const w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    if (history.length < 2) return;
    const max = Math.max(...history, 1e-9);
    const step = w / (SPARK_POINTS - 1);
    const x0 = w - (history.length - 1) * step;
    ctx.beginPath();
    history.forEach((v, i) => {
      const x = x0 + i * step, y = h - 2 - (v / max) * (h - 4);
      if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.strokeStyle = "#3b82f6";
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.lineTo(w, h);
    ctx.lineTo(x0, h);
    ctx.closePath();
    ctx.fillStyle = "rgba(59,130,246,0.12)";
    ctx.fill();
  }

  function renderStatus(status) {
    const stages = Array.isArray(status.stages) ? status.stages : [];
    const order = stages.map((s) => s.name).join(",");
    if (order !== stageOrder) {
      buildFlow(stages);
      stageOrder = order;
    }
    $("#command").textContent = status.command ? "logstream " + status.command : "";
    $("#uptime").textContent = status.uptime_s !== undefined ? "up " + fmtDuration(status.uptime_s) : "";
    for (const stage of stages) {
      const s = stageBoxes.get(stage.name);
      if (!s) continue;
      const {box, spec, history} = s;
      const rates = stage.rates || {};
      const rate = spec.rate ? rates[spec.rate[0]] : undefined;
      $(".rate .value", box).textContent = fmtNum(rate);
      if (typeof rate === "number") {
        history.push(rate);
        if (history.length > SPARK_POINTS) history.shift();
        drawSpark($(".spark", box), history);
      }
      fillDl($(".rates", box), spec.rates, rates);
      fillDl($(".totals", box), spec.totals, stage.totals);
      const lagBox = $(".lag", box);
      const hasLag = typeof stage.lag === "number";
      lagBox.hidden = !hasLag;
      if (hasLag) $(".value", lagBox).textContent = fmtNum(stage.lag);
      // flowing: moving now; stalled: behind but not moving; idle: nothing to do.
      let state = "idle";
      if (rate > 0) state = "flowing";
      else if (hasLag && stage.lag > 0) state = "stalled";
      box.dataset.state = state;
      $(".state", box).textContent = state;
      box.classList.toggle("behind", hasLag && stage.lag > 0);
    }
  }

  // ---------------------------------------------------------------- windows

  // Rows of /api/v1/windows merged by (window start, source, level): the
  // request asks again for the last windows (rows of a window arrive per
  // source, each when that source's watermark passes it), and a row seen
  // twice replaces itself.
  const win = {
    since: null,              // the next request's since (ms), null: from the start
    size: 10000,              // window length seen in the rows (ms)
    starts: new Map(),        // window start ms -> Map(source -> {LEVEL: count})
    hosts: new Map(),         // source -> {LEVEL: count over the kept windows}
    version: 0,               // bumped on every change, so the chart redraws only then
  };

  function addCount(source, level, delta) {
    let h = win.hosts.get(source);
    if (!h) win.hosts.set(source, (h = {all: 0}));
    h[level] = (h[level] || 0) + delta;
    h.all += delta;
  }

  function mergeWindowRows(rows) {
    let maxEnd = null;
    for (const r of rows) {
      const start = toMs(r.window_start), end = toMs(r.window_end);
      if (start === null || end === null || !r.source || !r.level) continue;
      if (end > start) win.size = end - start;
      maxEnd = maxEnd === null ? end : Math.max(maxEnd, end);
      let cells = win.starts.get(start);
      if (!cells) win.starts.set(start, (cells = new Map()));
      let c = cells.get(r.source);
      if (!c) cells.set(r.source, (c = {}));
      const old = c[r.level] || 0;
      if (old === r.count) continue;
      c[r.level] = r.count;
      addCount(r.source, r.level, r.count - old);
      win.version++;
    }
    // Keep the newest KEEP_WINDOWS window starts.
    if (win.starts.size > KEEP_WINDOWS) {
      const starts = [...win.starts.keys()].sort((a, b) => a - b);
      for (const start of starts.slice(0, starts.length - KEEP_WINDOWS)) {
        for (const [source, c] of win.starts.get(start)) {
          for (const [level, n] of Object.entries(c)) addCount(source, level, -n);
          const h = win.hosts.get(source);
          if (h && h.all <= 0) win.hosts.delete(source);
        }
        win.starts.delete(start);
      }
      win.version++;
    }
    if (maxEnd === null) return;
    // Ask again for the last two windows: other sources' rows of them may
    // come later. (The API answers the newest rows when more match than the
    // limit, so a page opened late starts from the present.)
    const overlap = Math.min(Math.max(2 * win.size, 10000), 120000);
    const next = maxEnd - overlap;
    win.since = win.since === null ? next : Math.max(win.since, next);
  }

  function windowsUrl() {
    const q = new URLSearchParams({limit: WINDOWS_LIMIT});
    if (win.since !== null) q.set("since", win.since);
    return "/api/v1/windows?" + q;
  }

  // ------------------------------------------------------------------ chart

  let plot = null;
  let plotHosts = "";
  let drawnVersion = -1;

  function chartLevel() {
    return $("#chart-level").value;
  }

  function topHosts(level, n) {
    return [...win.hosts.entries()]
      .filter(([, c]) => (c[level] || 0) > 0)
      .sort((a, b) => (b[1][level] || 0) - (a[1][level] || 0) || (a[0] < b[0] ? -1 : 1))
      .slice(0, n);
  }

  // uPlot's data: x = window starts (s), one series per host: the host's
  // count of `level` in each window, 0 where it had none, null after its
  // newest window (not final yet for that host).
  function chartData(hosts, level) {
    const starts = [...win.starts.keys()].sort((a, b) => a - b);
    const xs = starts.map((s) => s / 1000);
    const series = hosts.map((host) => {
      let last = -Infinity;
      for (const s of starts) if (win.starts.get(s).has(host)) last = s;
      return starts.map((s) => {
        const c = win.starts.get(s).get(host);
        if (c) return c[level] || 0;
        return s > last ? null : 0;
      });
    });
    return [xs, ...series];
  }

  function chartWidth() {
    return Math.max(300, $("#chart").clientWidth);
  }

  // Tick labels of the time axis: 24-hour UTC times, the date under the
  // first tick and wherever the date changes.
  function timeTicks(u, splits) {
    let day = null;
    return splits.map((s) => {
      const t = fmtTime(s * 1000);
      const d = t.slice(0, 10);
      const label = t.length > 16 && t.endsWith(":00") ? t.slice(11, 16) : t.slice(11);
      if (d === day) return label;
      day = d;
      return label + "\n" + d;
    });
  }

  function makePlot(hosts, level, data) {
    const chart = $("#chart");
    if (plot) plot.destroy();
    chart.replaceChildren();
    const opts = {
      width: chartWidth(),
      height: 280,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      scales: {x: {time: true}, y: {range: (u, min, max) => [0, Math.max(1, max * 1.1)]}},
      legend: {live: true},
      cursor: {points: {size: 6}},
      series: [{label: "window (UTC)", value: (u, v) => (v === null ? "–" : fmtTime(v * 1000))}].concat(hosts.map((h, i) => ({
        label: h,
        stroke: PALETTE[i % PALETTE.length],
        width: 1.6,
        points: {show: data[0].length < 60, size: 4},
      }))),
      axes: [
        {stroke: "#555", grid: {stroke: "#eee"}, values: timeTicks, space: 70},
        {stroke: "#555", grid: {stroke: "#eee"}, label: `${level} per window`, size: 60},
      ],
    };
    plot = new uPlot(opts, data, chart);
  }

  function renderChart() {
    const level = chartLevel();
    const key = level + "|" + win.version;
    if (key === drawnVersion) return;
    drawnVersion = key;
    const top = topHosts(level, TOP_HOSTS);
    const hosts = top.map(([h]) => h);

    // The table of the top hosts.
    $("#top-hosts .level-name").textContent = level;
    const starts = [...win.starts.keys()];
    $("#top-hosts .span").textContent = starts.length
      ? fmtDuration((Math.max(...starts) - Math.min(...starts) + win.size) / 1000) : "–";
    $("#top-hosts tbody").replaceChildren(...top.map(([host, c], i) => el("tr", {"data-host": host},
      el("td", null, el("span.swatch", {style: `background:${PALETTE[i % PALETTE.length]}`}), host),
      el("td.num", null, fmtNum(c.FATAL || 0)),
      el("td.num", null, fmtNum(c.ERROR || 0)),
      el("td.num", null, fmtNum(c.WARN || 0)),
      el("td.num", null, fmtNum(c.all)))));
    $("#hosts-summary").textContent = win.hosts.size
      ? `${win.hosts.size.toLocaleString("en-US")} hosts, ${win.starts.size} windows of ${fmtDuration(win.size / 1000)}`
      + (win.hosts.size > TOP_HOSTS ? `; the top ${Math.min(TOP_HOSTS, hosts.length)} by ${level} are drawn` : "")
      : "";

    $("#chart").dataset.windows = win.starts.size;
    if (!win.starts.size) return;
    if (!hosts.length) {
      if (plot) { plot.destroy(); plot = null; plotHosts = ""; }
      $("#chart").replaceChildren(el("p.empty", null, `No ${level} line in the windows kept.`));
      return;
    }
    const data = chartData(hosts, level);
    const sig = level + "|" + hosts.join("\n");
    if (!plot || sig !== plotHosts) {
      makePlot(hosts, level, data);
      plotHosts = sig;
    } else {
      plot.setData(data);
    }
  }

  // ----------------------------------------------------------------- alerts

  const seenAlerts = new Set();
  let alertsSig = null;

  function sampleLine(s) {
    return el("li.sample", null,
      el("code.loc", {title: "object@offset"}, `${s.object}@${s.offset}`), " ",
      el("span.time", null, fmtTime(s.time)), " ",
      el("span.lvl.lvl-" + String(s.level || "").toLowerCase(), null, s.level || ""), " ",
      el("span.msg", null, s.message || ""));
  }

  // One of the window's most frequent log templates: which error it is.
  function templateLine(t) {
    return el("li.template", {title: `template ${t.id}`},
      el("span.times", null, `${fmtNum(t.count)}×`), " ",
      el("code.text", null, t.template || ""));
  }

  function renderAlerts(body, totalFired) {
    const alerts = Array.isArray(body.alerts) ? body.alerts : [];
    const section = $("#alerts");
    const sig = alerts.map((a) => a.id).join("\n");
    if (sig !== alertsSig) {
      const first = alertsSig === null;
      alertsSig = sig;
      const items = alerts.map((a) => {
        const fresh = !first && !seenAlerts.has(a.id);
        const item = el("article.alert" + (fresh ? ".fresh" : ""), {"data-id": a.id},
          el("div.alert-head", null,
            el("span.rule", null, a.rule), " ",
            el("span.key", null, a.key), " ",
            el("span.count", {title: "count ≥ threshold"}, `${fmtNum(a.count)} ≥ ${fmtNum(a.threshold)}`),
            el("span.when.muted", null, fmtSpan(a.window_start, a.window_end))),
          el("ul.templates", null, ...(a.templates || []).slice(0, 3).map(templateLine)),
          el("ol.samples", null, ...(a.samples || []).map(sampleLine)));
        return item;
      });
      for (const a of alerts) seenAlerts.add(a.id);
      $(".list", section).replaceChildren(...items);
      $(".empty", section).hidden = alerts.length > 0;
    }
    const shown = alerts.length;
    $(".count", section).textContent = totalFired !== undefined
      ? `${fmtNum(totalFired)} fired` + (shown < totalFired ? `, newest ${shown} shown` : "")
      : shown ? `${shown} shown` : "";
  }

  // ----------------------------------------------------------- dead letters

  let deadSig = null;

  function renderDeadLetters(body) {
    const byReason = body.by_reason || {};
    const letters = Array.isArray(body.dead_letters) ? body.dead_letters : [];
    const sig = JSON.stringify(byReason) + "|" + (letters.length ? JSON.stringify(letters[0]) : "");
    if (sig === deadSig) return;
    deadSig = sig;
    // by_reason counts by kind ("unparsable", ...); each dead letter has its
    // kind and its own reason ("unknown level 'NOTICE' ...").
    const example = new Map();
    for (const d of letters) {
      const key = d.kind !== undefined ? d.kind : d.reason;
      if (!example.has(key)) example.set(key, d);
    }
    const reasons = Object.entries(byReason).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const section = $("#dead-letters");
    $("tbody", section).replaceChildren(...reasons.map(([reason, n]) => {
      const d = example.get(reason);
      return el("tr.reason", {"data-reason": reason},
        el("td.num", null, fmtNum(n)),
        el("td.reason-text", null, reason),
        el("td.example", null, ...(d
          ? [el("code.loc", null, `${d.object}@${d.offset}`),
             d.reason && d.reason !== reason ? el("div.why", null, d.reason) : null,
             el("div.line", {title: d.line}, d.line || "(no line)")]
          : [el("span.muted", null, "–")])));
    }));
    const total = reasons.reduce((s, [, n]) => s + n, 0);
    $(".empty", section).hidden = reasons.length > 0;
    $("table", section).hidden = reasons.length === 0;
    $(".count", section).textContent = total ? `${fmtNum(total)} in ${reasons.length} reason${reasons.length > 1 ? "s" : ""}` : "";
  }

  // ---------------------------------------------------------------- polling

  async function getJson(url) {
    const r = await fetch(url, {cache: "no-store"});
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
  }

  function setConn(state, text) {
    const c = $("#conn");
    c.dataset.state = state;
    c.textContent = text;
  }

  let failures = 0;

  async function poll() {
    const started = Date.now();
    const [status, alerts, windows, dead] = await Promise.allSettled([
      getJson("/api/v1/status"),
      getJson("/api/v1/alerts?limit=" + ALERTS_LIMIT),
      getJson(windowsUrl()),
      getJson("/api/v1/dead-letters?limit=" + DEAD_LETTERS_LIMIT),
    ]);
    const errors = [];
    let fired;
    if (status.status === "fulfilled") {
      renderStatus(status.value);
      const p = (status.value.stages || []).find((s) => s.name === "process");
      if (p && p.totals) fired = p.totals.alerts;
    } else errors.push(status.reason);
    if (alerts.status === "fulfilled") renderAlerts(alerts.value, fired); else errors.push(alerts.reason);
    if (windows.status === "fulfilled") {
      mergeWindowRows(Array.isArray(windows.value.windows) ? windows.value.windows : []);
      renderChart();
    } else errors.push(windows.reason);
    if (dead.status === "fulfilled") renderDeadLetters(dead.value); else errors.push(dead.reason);

    if (errors.length === 4) {
      failures++;
      setConn("down", `no answer (${failures}×), retrying`);
    } else if (errors.length) {
      failures = 0;
      setConn("partial", "live, " + errors.map((e) => e.message).join("; "));
    } else {
      failures = 0;
      setConn("live", "live · " + new Date().toISOString().slice(11, 19) + " UTC");
    }
    setTimeout(poll, Math.max(100, POLL_MS - (Date.now() - started)));
  }

  function init() {
    $("#chart-level").addEventListener("change", renderChart);
    let width = 0;
    new ResizeObserver(() => {
      const w = chartWidth();
      if (plot && w !== width) plot.setSize({width: w, height: 280});
      width = w;
    }).observe($("#chart"));
    poll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
