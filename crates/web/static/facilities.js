// Draws the facilities page's map (facilities.rs): the towns' stored boundaries
// (/api/v1/boundaries) with the facilities as points coloured by status. No inline script
// (the CSP forbids it); without ECharts or boundaries the panel says so and the table
// below lists every facility.
(function () {
  "use strict";
  var colours = { open: "#1a7f37", planned: "#bf8700", closed: "#6e7781" };
  function note(panel, text) {
    var box = panel.querySelector("[data-map-note]");
    var p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
  }
  function setup(el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-facility-map")); } catch (e) { return; }
    var panel = el.closest(".map-panel") || el.parentNode;
    var t = spec.text;
    if (typeof window.echarts === "undefined" || !window.fetch) {
      note(panel, t.no_echarts);
      return;
    }
    fetch("/api/v1/boundaries?parent=" + encodeURIComponent(spec.district),
      { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.message || String(r.status));
          return body;
        });
      })
      .then(function (geo) {
        el.hidden = false;
        // Set here, not in the page: the content security policy allows no inline style.
        el.style.height = (el.clientWidth < 560 ? 320 : 420) + "px";
        var chart = window.echarts.init(el, null, { renderer: "svg" });
        window.addEventListener("resize", function () { chart.resize(); });
        var name = "youxiang-facilities-" + spec.district;
        var hasShapes = geo.features && geo.features.length;
        if (hasShapes) window.echarts.registerMap(name, geo);
        var approximate = (geo.sources || []).some(function (s) { return s.approximate; });
        if (approximate) note(panel, t.approximate);
        var series = ["open", "planned", "closed"].map(function (status) {
          return {
            name: t[status], type: "scatter", coordinateSystem: hasShapes ? "geo" : "cartesian2d",
            symbolSize: 7, itemStyle: { color: colours[status] },
            data: spec.points.filter(function (p) { return p.status === status; })
              .map(function (p) { return { name: p.name, value: p.value, kind: p.kind }; })
          };
        });
        var option = {
          tooltip: {
            formatter: function (x) {
              return x.data ? x.data.name + "(" + x.data.kind + "," + x.seriesName + ")" : "";
            }
          },
          legend: { bottom: 0 },
          series: series
        };
        if (hasShapes) {
          option.geo = {
            map: name, nameProperty: "code", roam: true, aspectScale: 0.87,
            top: 10, bottom: 30, left: 10, right: 10,
            label: { show: true, fontSize: 10, color: "#57606a", formatter: function (x) {
              var f = geo.features.filter(function (g) { return g.id === x.name; })[0];
              return f && f.properties ? f.properties.name : "";
            } },
            itemStyle: { areaColor: "#f6f8fa", borderColor: "#8c959f" }
          };
        } else {
          option.xAxis = { type: "value", scale: true };
          option.yAxis = { type: "value", scale: true };
        }
        chart.setOption(option);
      })
      .catch(function (e) { note(panel, t.failed + (e && e.message ? e.message : String(e))); });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-facility-map]"), setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
