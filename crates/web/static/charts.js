// Initialises the ECharts charts of a page from their data-chart attribute (JSON). No
// inline script: the CSP forbids it. Without ECharts the data tables remain.
(function () {
  "use strict";
  var palette = { green: "#1a7f37", yellow: "#9a6700", red: "#c62828", grey: "#6e7781", accent: "#0b5cad", schedule: "#8250df" };
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
      chart.setOption(option(spec, el));
      window.addEventListener("resize", chart.resize);
    }
  }
  // Legend and axis labels must not collide on a phone: the legend goes under the plot
  // and the time axis thins its own labels (hideOverlap).
  function narrow(el) { return el.clientWidth < 560; }
  function withUnit(unit) {
    return function (v) { return v == null || v === "-" ? "—" : (Math.round(v * 100) / 100) + (unit ? " " + unit : ""); };
  }
  // A year-end point (the plan's targets, December's figure) sits on the tick of 1 January:
  // that tick is named for the year that ends there ("2024年末"), not the one that starts.
  function timeLabel(f) {
    return function (v) {
      var d = new Date(v), y = d.getFullYear(), m = d.getMonth() + 1, day = d.getDate();
      var t = m === 1 && day === 1 ? f.year_end : day === 1 ? f.month : f.day;
      return t.replace("{y}", m === 1 && day === 1 ? y - 1 : y).replace("{m}", m).replace("{d}", day);
    };
  }
  function option(s, el) {
    if (s.kind === "trend") {
      var small = narrow(el);
      // A line with nothing to draw (no target at this place, no schedule) has no legend entry.
      var drawn = [s.actual, s.plan, s.schedule];
      var legend = s.legend.filter(function (_, i) { return drawn[i].some(function (p) { return p[1] != null; }); });
      return {
        color: [palette.accent, palette.grey, palette.schedule],
        tooltip: { trigger: "axis", valueFormatter: withUnit(s.unit) },
        legend: { data: legend, bottom: 0, itemGap: small ? 8 : 16, textStyle: { fontSize: small ? 11 : 12 } },
        grid: { left: 8, right: small ? 12 : 24, top: 30, bottom: small ? 56 : 44, containLabel: true },
        xAxis: { type: "time", axisLabel: { formatter: timeLabel(s.time_format), hideOverlap: true, fontSize: small ? 10 : 12 } },
        yAxis: { type: "value", name: s.unit, scale: true, nameTextStyle: { align: "left" } },
        series: [
          { name: s.legend[0], type: "line", data: s.actual, symbolSize: 5, z: 3 },
          { name: s.legend[1], type: s.plan_line ? "line" : "scatter", data: s.plan, symbol: "emptyCircle", symbolSize: 7,
            lineStyle: { width: 1.5 }, tooltip: { valueFormatter: withUnit(s.unit) } },
          { name: s.legend[2], type: "line", data: s.schedule, lineStyle: { type: "dashed", width: 1.5 }, symbol: "none", connectNulls: false }
        ]
      };
    }
    if (s.kind === "bars") {
      var series = [{
        type: "bar", data: s.values.map(function (v, i) {
          return { value: v, itemStyle: { color: palette[s.lights[i]] || palette.grey } };
        }),
        label: { show: true, position: "right", formatter: function (p) { return s.labels[p.dataIndex]; } },
        markLine: s.target == null ? undefined : {
          symbol: "none", silent: true, lineStyle: { color: palette.accent, type: "solid", width: 2 },
          // The axis is inverted (first place on top): "start" is the top end.
          label: { formatter: s.target_label, position: "start" },
          data: [{ xAxis: s.target }]
        }
      }];
      if (s.min != null) {
        // A place without a figure is named at the axis' start, not left as a blank row.
        series.push({ type: "scatter", symbolSize: 0, silent: true, tooltip: { show: false },
          label: { show: true, position: "right", color: palette.grey, formatter: function (p) { return s.labels[p.data[1]]; } },
          data: s.values.map(function (v, i) { return v == null ? [s.min, i] : null; }).filter(function (d) { return d; }) });
      }
      if (s.targets && s.targets.some(function (t) { return t != null; })) {
        // Each place judged against its own target: a tick on its bar.
        series.push({ name: s.target_name, type: "scatter", symbol: "rect", symbolSize: [3, 16], z: 4,
          itemStyle: { color: palette.accent },
          data: s.targets.map(function (t, i) { return t == null ? null : [t, i]; }) });
      }
      return {
        title: s.min == null ? { text: s.empty, left: "center", top: "middle", textStyle: { fontSize: 14, fontWeight: "normal", color: palette.grey } } : undefined,
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: withUnit(s.unit) },
        grid: { left: 8, right: 70, top: 24, bottom: 28, containLabel: true },
        xAxis: { type: "value", name: s.min == null ? "" : s.axis_name, nameLocation: "middle", nameGap: 24,
          min: s.min == null ? undefined : s.min, max: s.max == null ? undefined : s.max },
        yAxis: { type: "category", data: s.names, inverse: true },
        series: series
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
