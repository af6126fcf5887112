// Initialises the ECharts charts of a page from their data-chart attribute (JSON). No
// inline script: the CSP forbids it. Without ECharts the data tables remain.
(function () {
  "use strict";
  var palette = { green: "#1a7f37", yellow: "#9a6700", red: "#c62828", grey: "#6e7781", accent: "#0b5cad" };
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function init() {
    if (typeof window.echarts === "undefined") return;
    var nodes = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i], spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { continue; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(spec));
      window.addEventListener("resize", chart.resize);
    }
  }
  function option(s) {
    if (s.kind === "trend") {
      return {
        color: [palette.accent, palette.grey, palette.grey],
        tooltip: { trigger: "axis" },
        legend: { data: s.legend },
        grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: s.periods },
        yAxis: { type: "value", name: s.unit, scale: true },
        series: [
          { name: s.legend[0], type: "line", data: s.actual, connectNulls: true },
          { name: s.legend[1], type: "line", step: "end", data: s.targets, lineStyle: { width: 2 }, connectNulls: true },
          { name: s.legend[2], type: "line", data: s.schedule, lineStyle: { type: "dashed" }, symbol: "none", connectNulls: true }
        ]
      };
    }
    if (s.kind === "bars") {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 110, right: 30, top: 10, bottom: 30 },
        xAxis: { type: "value", name: s.unit },
        yAxis: { type: "category", data: s.names, inverse: true },
        series: [{ type: "bar", data: s.values.map(function (v, i) {
          return { value: v, itemStyle: { color: palette[s.lights[i]] || palette.grey } };
        }) }]
      };
    }
    if (s.kind === "map") {
      return {
        // ECharts renders a formatter's string as HTML: place names are escaped.
        tooltip: { formatter: function (p) { return esc(p.data.name) + ":" + esc(p.data.text); } },
        grid: { left: 50, right: 20, top: 10, bottom: 30 },
        xAxis: { type: "value", scale: true, name: "经度 °E" },
        yAxis: { type: "value", scale: true, name: "纬度 °N" },
        series: [{ type: "scatter", symbolSize: 22, label: { show: true, formatter: "{b}", position: "top" },
          data: s.points.map(function (p) {
            return { name: p.name, value: [p.lon, p.lat], text: p.label, itemStyle: { color: palette[p.light] || palette.grey } };
          }) }]
      };
    }
    return {};
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
