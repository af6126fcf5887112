// Draws the map panels (map.rs) with ECharts: the stored boundaries of the places below a
// place (/api/v1/boundaries), filled by their lights (embedded for the first level,
// /api/v1/map for the others); a click on a place drills down to the places below it, or
// opens its page when there are none. No inline script (the CSP forbids it); without
// ECharts the panel says so and the page's tables carry the same figures.
(function () {
  "use strict";
  // The pages' light palette (charts.js, app.css), lightened so names stay readable.
  var fills = {
    green: "rgba(26,127,55,0.45)",
    yellow: "rgba(191,135,0,0.45)",
    red1: "rgba(198,40,40,0.28)",
    red: "rgba(198,40,40,0.62)",
    grey: "rgba(110,119,129,0.15)"
  };
  var lightClasses = ["green", "yellow", "red", "grey"];
  var countClasses = ["green", "red1", "red", "grey"];

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function fill(text, vars) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) {
      return vars[k] != null ? vars[k] : m;
    });
  }
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) throw new Error(body.message || String(r.status));
          return body;
        });
      });
  }
  // By the count of lagging items: none, 1–2, 3 or more; by an indicator: its light.
  function classOf(place, byCount) {
    if (place.light === "grey") return "grey";
    if (!byCount) return place.light;
    return place.red === 0 ? "green" : place.red < 3 ? "red1" : "red";
  }
  var icons = { green: "●", yellow: "▲", red: "■", grey: "○" };
  function shortLabel(place, byCount) {
    if (place.light === "grey") return icons.grey;
    return byCount ? String(place.red) : icons[place.light] || "";
  }
  function para(parent, text, cls) {
    var p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    parent.appendChild(p);
    return p;
  }

  function setup(el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-map")); } catch (e) { return; }
    var panel = el.closest(".map-panel") || el.parentNode;
    var note = panel.querySelector("[data-map-note]");
    var nav = panel.querySelector("[data-map-nav]");
    var legend = panel.querySelector("[data-map-legend]");
    var select = panel.querySelector("[data-map-by]");
    var t = spec.text;
    if (typeof window.echarts === "undefined" || !window.fetch) {
      el.hidden = true;
      para(note, t.no_echarts);
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    window.addEventListener("resize", function () { chart.resize(); });
    var indicator = spec.indicator || (select ? select.value : "") || "";
    var shapes = {};
    var stack = [];
    var current = null;

    function boundaries(parent) {
      if (!shapes[parent]) {
        shapes[parent] = getJson("/api/v1/boundaries?parent=" + encodeURIComponent(parent));
      }
      return shapes[parent];
    }
    function lights(parent) {
      var q = "/api/v1/map?parent=" + encodeURIComponent(parent) + "&year=" + spec.year;
      if (spec.period) q += "&period=" + encodeURIComponent(spec.period);
      if (indicator) q += "&indicator=" + encodeURIComponent(indicator);
      return getJson(q);
    }
    function showLegend() {
      var classes = indicator ? lightClasses : countClasses;
      var words = indicator ? t.legend_light : t.legend_count;
      legend.textContent = "";
      classes.forEach(function (cls, i) {
        var li = document.createElement("li");
        var sw = document.createElement("span");
        sw.className = "swatch map-" + cls;
        li.appendChild(sw);
        li.appendChild(document.createTextNode(words[i]));
        legend.appendChild(li);
      });
    }
    function showNotes(level, extra) {
      note.textContent = "";
      var approximate = level.geo.sources.some(function (s) { return s.approximate; });
      if (approximate) para(note, t.approximate, "approximate");
      level.geo.sources.forEach(function (s) {
        para(note, t.source + s.source + (s.licence ? t.licence + s.licence : ""));
      });
      if (level.geo.missing.length && level.geo.features.length) {
        para(note, fill(t.some_missing, {
          list: level.geo.missing.map(function (m) { return m.name; }).join("、")
        }));
      }
      if (extra) extra(note);
    }
    function showNav() {
      nav.textContent = "";
      if (!stack.length) return;
      var up = stack[stack.length - 1];
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = fill(t.back, { name: up.geo.parent_name });
      b.addEventListener("click", function () {
        draw(stack.pop());
      });
      nav.appendChild(b);
    }
    function draw(level, extra) {
      current = level;
      var byCount = !indicator;
      var name = "youxiang-" + level.geo.parent;
      window.echarts.registerMap(name, level.geo);
      var byCode = {};
      level.lights.places.forEach(function (p) { byCode[p.code] = p; });
      var data = level.geo.features.map(function (f) {
        var p = byCode[f.id] || { code: f.id, name: f.properties.name, light: "grey", red: 0, label: "", has_children: false };
        return { name: f.id, place: p, itemStyle: { areaColor: fills[classOf(p, byCount)] } };
      });
      var narrow = el.clientWidth < 560;
      var approximate = level.geo.sources.some(function (s) { return s.approximate; });
      el.hidden = false;
      chart.setOption({
        // The label on the map itself, so that no copy of it loses it.
        title: approximate ? {
          text: t.approximate, left: 8, top: 6,
          textStyle: { fontSize: narrow ? 11 : 13, fontWeight: "bold", color: "#7d4e00" }
        } : { show: false },
        tooltip: {
          formatter: function (x) {
            var p = x.data && x.data.place;
            return p ? esc(p.name) + ":" + esc(p.label) : "";
          }
        },
        series: [{
          type: "map", map: name, nameProperty: "code", roam: false, selectedMode: false,
          aspectScale: 0.87, top: approximate ? 30 : 10, bottom: 10, left: 10, right: 10,
          data: data,
          // Where names would overlap (the small streets of the old town) one is hidden;
          // the tooltip and the table below have every place.
          labelLayout: { hideOverlap: true },
          label: {
            show: true, fontSize: narrow ? 10 : 11, color: "#1f2328", lineHeight: narrow ? 12 : 14,
            formatter: function (x) {
              var p = x.data && x.data.place;
              if (!p) return "";
              // On a phone the words do not fit: the symbol (or the count) stands for them.
              return narrow ? p.name + " " + shortLabel(p, byCount) : p.name + "\n" + p.label;
            }
          },
          itemStyle: { borderColor: "#ffffff", borderWidth: 1.2 },
          emphasis: {
            label: { show: true },
            itemStyle: { areaColor: "rgba(11,92,173,0.30)" }
          }
        }]
      }, true);
      chart.resize();
      showNotes(level, extra);
      showNav();
    }
    function load(parent, lightsKnown) {
      return Promise.all([boundaries(parent), lightsKnown ? Promise.resolve(lightsKnown) : lights(parent)])
        .then(function (r) { return { geo: r[0], lights: r[1] }; });
    }
    function failed(e) {
      note.textContent = "";
      para(note, fill(t.failed, { why: e && e.message ? e.message : String(e) }));
    }
    function open(place) {
      window.location.href = fill(spec.link, { code: encodeURIComponent(place.code) });
    }
    chart.on("click", function (e) {
      var p = e.data && e.data.place;
      if (!p) return;
      if (!p.has_children) { open(p); return; }
      load(p.code).then(function (level) {
        if (!level.geo.features.length) {
          // Nothing to drill into: say so, and offer the place's own page.
          showNotes(current, function (box) {
            var line = para(box, fill(t.no_children, { name: p.name }) + " ");
            var a = document.createElement("a");
            a.href = fill(spec.link, { code: encodeURIComponent(p.code) });
            a.textContent = fill(t.open, { name: p.name });
            line.appendChild(a);
          });
          return;
        }
        stack.push(current);
        draw(level);
      }).catch(failed);
    });
    if (select) {
      select.addEventListener("change", function () {
        indicator = select.value;
        showLegend();
        if (!current) return;
        var level = current;
        lights(level.geo.parent).then(function (l) {
          draw({ geo: level.geo, lights: l });
        }).catch(failed);
      });
    }
    para(note, t.loading);
    var first = indicator === (spec.indicator || "") ? spec.lights : null;
    load(spec.parent, first).then(function (level) {
      if (!level.geo.features.length) {
        // Nothing to draw: the note alone, without the controls of an empty map.
        el.hidden = true;
        legend.hidden = true;
        if (select) select.parentNode.hidden = true;
        chart.dispose();
        note.textContent = "";
        para(note, fill(t.no_boundaries, { name: spec.parent_name }));
        return;
      }
      showLegend();
      draw(level);
    }).catch(failed);
  }

  function init() {
    var nodes = document.querySelectorAll("[data-map]");
    for (var i = 0; i < nodes.length; i++) setup(nodes[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
