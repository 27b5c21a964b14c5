// The indicator dashboard: draws each chart box with Apache ECharts (static/vendor/echarts) from the
// numbers in <script type="application/json" id="dashboard-data">. Each box keeps its table of the same
// numbers in a <details>: open without JavaScript; here it closes once the chart is drawn, and opening it
// shows the table in place of the chart.
//
// Names and titles are user data: ECharts puts a tooltip's formatter result into the page as HTML,
// so every formatter here is either a template (which ECharts escapes) or escapes with text() what
// it adds; a title such as <a href=x>bad</a> shows as those characters, never as a link.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var specs = JSON.parse(source.textContent);
  var PALETTE = ["#0b6bcb", "#2e7d32", "#f9a825", "#8e24aa", "#00897b", "#c62828", "#9aa5b1"];
  var KIND_COLOURS = ["#0b6bcb", "#2e7d32", "#f9a825"];
  var VILLAGE_COLOUR = "rgba(198, 40, 40, 0.35)";
  var ROW_PX = 30;
  var drawn = [];

  function narrow() { return window.innerWidth < 640; }

  // Text for a tooltip's HTML: < > & " ' as entities.
  function text(value) { return window.echarts.format.encodeHTML(String(value)); }

  function shown(value, percent) {
    if (value === null || value === undefined) { return "—"; }
    return percent ? value + "%" : String(value);
  }

  function bar(spec) {
    return {
      color: ["#0b6bcb"],
      grid: { left: 4, right: 56, top: 4, bottom: 4, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        valueFormatter: function (value) { return shown(value, spec.percent); }
      },
      xAxis: {
        type: "value",
        max: spec.percent ? 100 : null,
        minInterval: 1,
        axisLabel: { formatter: spec.percent ? "{value}%" : "{value}", hideOverlap: true }
      },
      yAxis: {
        type: "category",
        inverse: true,
        data: spec.names,
        axisLabel: { width: narrow() ? 76 : 140, overflow: "truncate" }
      },
      series: [{
        type: "bar",
        data: spec.values,
        barMaxWidth: 20,
        label: {
          show: true,
          position: "right",
          formatter: function (p) { return shown(p.value, spec.percent); }
        }
      }]
    };
  }

  function pie(spec) {
    var small = narrow();
    return {
      color: PALETTE,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [{
        type: "pie",
        radius: small ? ["28%", "50%"] : ["32%", "56%"],
        center: ["50%", small ? "38%" : "42%"],
        avoidLabelOverlap: true,
        label: { show: !small, formatter: "{b}\n{c}" },
        data: spec.names.map(function (name, i) { return { name: name, value: spec.values[i] }; })
      }]
    };
  }

  function scatter(spec) {
    return {
      color: KIND_COLOURS.concat([VILLAGE_COLOUR]),
      legend: { top: 0 },
      grid: { left: 8, right: 20, top: narrow() ? 84 : 48, bottom: 28, containLabel: true },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data;
          var lines = text(p.seriesName) + "<br>" + text(d[2]);
          if (d.length > 3) { lines += "<br>" + text(spec.households) + ": " + text(d[3]); }
          return lines;
        }
      },
      xAxis: { type: "value", scale: true, name: spec.x, nameLocation: "middle", nameGap: 24,
               axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", scale: true, name: spec.y },
      series: spec.series.map(function (s) {
        return {
          name: s.name,
          type: "scatter",
          data: s.points,
          z: s.villages ? 1 : 2,
          symbolSize: s.villages ? function (d) { return 6 + 4 * Math.sqrt(d[3]); } : 7,
          itemStyle: s.villages ? { color: VILLAGE_COLOUR, borderColor: "#c62828" } : { opacity: 0.8 }
        };
      })
    };
  }

  function height(spec, rows) {
    if (spec.kind === "bar") { return Math.max(120, rows * ROW_PX + 40); }
    if (spec.kind === "pie") { return narrow() ? 340 : 380; }
    return narrow() ? 440 : 500;
  }

  var MAKERS = { bar: bar, pie: pie, scatter: scatter };

  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var spec = specs[box.getAttribute("data-chart")];
    if (!spec) { return; }
    box.style.height = height(spec, Number(box.getAttribute("data-rows")) || spec.names && spec.names.length || 0) + "px";
    box.classList.add("ready");
    var chart = window.echarts.init(box);
    chart.setOption(MAKERS[spec.kind](spec));
    drawn.push(chart);
    var table = box.parentNode.querySelector("details.chart-table");
    if (table) {
      table.open = false;
      table.addEventListener("toggle", function () { if (!table.open) { chart.resize(); } });
    }
  });

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { drawn.forEach(function (chart) { chart.resize(); }); }, 150);
  });
})();
