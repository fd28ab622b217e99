/**
 * Small SVG charts for the dashboard, drawn from the report's figures. Every text goes in
 * with textContent; sizes and positions are SVG attributes (no inline style: strict CSP).
 */

const SVG = "http://www.w3.org/2000/svg";

function node(name, attrs, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs || {})) {
    element.setAttribute(key, String(value));
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

function frame(container, width, height, label) {
  container.textContent = "";
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  container.appendChild(svg);
  return svg;
}

const percent = (rate) => `${Math.round(rate * 100)} %`;

/**
 * Understanding and handoff rates per day: two lines with a dot per day, 0 to 100 %.
 * `series` is the report's list of `{day, understanding_rate, handoff_rate, ...}`.
 */
export function rateChart(container, series) {
  const [width, height, left, right, top, bottom] = [900, 240, 44, 12, 10, 26];
  const svg = frame(container, width, height, "Understanding and handoff rates per day");
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i) => left + (series.length <= 1 ? plotW / 2 : (i * plotW) / (series.length - 1));
  const y = (rate) => top + plotH * (1 - Math.min(1, Math.max(0, rate)));
  for (const tick of [0, 0.5, 1]) {
    svg.appendChild(node("line", { class: "axis", x1: left, x2: width - right, y1: y(tick), y2: y(tick) }));
    svg.appendChild(node("text", { class: "tick", x: left - 6, y: y(tick) + 4, "text-anchor": "end" }, percent(tick)));
  }
  const labelled = series.length > 1 ? [0, series.length - 1] : [0];
  for (const i of labelled) {
    if (series[i]) {
      const anchor = series.length > 1 && i === series.length - 1 ? "end" : "start";
      svg.appendChild(node("text", { class: "tick", x: x(i), y: height - 6, "text-anchor": anchor }, series[i].day));
    }
  }
  // A day without conversations has no rate: the line breaks there rather than show 0 %.
  const lines = [
    ["understanding_rate", "understanding", "customer_turns"],
    ["handoff_rate", "handoff", "conversations"]
  ];
  for (const [field, kind, base] of lines) {
    const points = [];
    let path = "";
    let previous = -2;
    series.forEach((point, i) => {
      if (!(point[base] > 0)) {
        return;
      }
      const [px, py] = [x(i), y(point[field] || 0)];
      path += `${i === previous + 1 ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)} `;
      points.push([px, py]);
      previous = i;
    });
    for (const [px, py] of points) {
      svg.appendChild(node("circle", { class: kind, cx: px.toFixed(1), cy: py.toFixed(1), r: 3 }));
    }
    svg.appendChild(node("path", { class: `line ${kind}`, d: path.trim(), "data-series": kind, "data-points": points.length }));
  }
}

/** Effort scores 1 to 7, one group of bars per score, one bar per way the chat went. */
export function cesChart(container, byPath) {
  const paths = ["bot_only", "handed_off", "callback"];
  const [width, height, left, bottom, top] = [360, 200, 28, 24, 16];
  const svg = frame(container, width, height, "Effort score distribution by path");
  const counts = paths.map((path) => (byPath && byPath[path] && byPath[path].distribution) || [0, 0, 0, 0, 0, 0, 0]);
  const max = Math.max(1, ...counts.flat());
  const plotH = height - top - bottom;
  const group = (width - left) / 7;
  const barW = (group - 8) / paths.length;
  svg.appendChild(node("line", { class: "axis", x1: left, x2: width, y1: top + plotH, y2: top + plotH }));
  for (let score = 0; score < 7; score += 1) {
    const gx = left + score * group + 4;
    svg.appendChild(node("text", { class: "tick", x: gx + (group - 8) / 2, y: height - 6, "text-anchor": "middle" }, String(score + 1)));
    paths.forEach((path, p) => {
      const n = counts[p][score];
      const h = (n / max) * plotH;
      const bar = node("rect", {
        class: `bar bar-${path}`, x: gx + p * barW, y: top + plotH - h, width: Math.max(1, barW - 1), height: h,
        "data-score": score + 1, "data-path": path, "data-count": n
      });
      bar.appendChild(node("title", {}, `${n} × ${score + 1} (${path.replace("_", " ")})`));
      svg.appendChild(bar);
      if (n > 0) {
        svg.appendChild(node("text", { class: "value", x: gx + p * barW + barW / 2, y: top + plotH - h - 3, "text-anchor": "middle" }, String(n)));
      }
    });
  }
}

/**
 * Wait percentiles as horizontal bars: `rows` is a list of `{label, p50, p90}` in seconds
 * (null without data).
 */
export function waitChart(container, rows) {
  const [width, rowH, left, right] = [360, 54, 110, 96];
  const height = rows.length * rowH + 8;
  const svg = frame(container, width, height, "Wait percentiles in seconds");
  const max = Math.max(1, ...rows.flatMap((row) => [row.p50 || 0, row.p90 || 0]));
  const scale = (s) => ((width - left - right) * s) / max;
  rows.forEach((row, i) => {
    const y0 = 8 + i * rowH;
    svg.appendChild(node("text", { class: "tick", x: 0, y: y0 + 20 }, row.label));
    [["p50", row.p50, 0], ["p90", row.p90, 22]].forEach(([name, seconds, dy]) => {
      const w = seconds === null || seconds === undefined ? 0 : Math.max(2, scale(seconds));
      svg.appendChild(node("rect", { class: `bar bar-${name}`, x: left, y: y0 + dy + 4, width: w, height: 16, "data-seconds": seconds === null ? "" : seconds }));
      const text = seconds === null || seconds === undefined ? `${name}: no data` : `${name}: ${seconds} s`;
      svg.appendChild(node("text", { class: "value", x: left + w + 6, y: y0 + dy + 16 }, text));
    });
  });
}
