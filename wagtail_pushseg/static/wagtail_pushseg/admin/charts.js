// Draws every <canvas data-pushseg-chart="<id of a json_script>"> with Chart.js, and lets
// live views redraw a chart: window.pushsegCharts.update("progress-chart", config).
(function () {
  "use strict";
  // Two parts of one page may each load the chart scripts: keep the first set of charts.
  if (window.pushsegCharts) return;
  var charts = {};

  // Chart.js puts its own minimumFractionDigits (from the tick step) under a scale's
  // ticks.format; a maximum below it makes Intl.NumberFormat throw and the chart stay blank.
  // Pin the minimum wherever a config sets only the maximum.
  function safeFormats(config) {
    var scales = (config.options && config.options.scales) || {};
    Object.keys(scales).forEach(function (key) {
      var format = scales[key].ticks && scales[key].ticks.format;
      if (format && format.maximumFractionDigits !== undefined
          && format.minimumFractionDigits === undefined) {
        format.minimumFractionDigits = 0;
      }
    });
    return config;
  }

  function draw(canvas, config) {
    config = safeFormats(config);
    if (charts[canvas.id]) {
      var chart = charts[canvas.id];
      chart.data = config.data;
      chart.options = config.options;
      chart.update("none");
      return chart;
    }
    charts[canvas.id] = new window.Chart(canvas, config);
    return charts[canvas.id];
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-pushseg-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.pushsegChart);
      if (source) draw(canvas, JSON.parse(source.textContent));
    });
  }

  window.pushsegCharts = {
    charts: charts,
    update: function (id, config) {
      var canvas = document.getElementById(id);
      return canvas ? draw(canvas, config) : null;
    },
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
