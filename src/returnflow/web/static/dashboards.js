/* The dashboards (issue 14, R9.3): draw each [data-figure] with plotly.js (served from the
   installed package) and follow a clicked point's drill-down link (its customdata). */
(function () {
  "use strict";
  function draw(el) {
    var figure = JSON.parse(el.getAttribute("data-figure"));
    var config = {
      displaylogo: false,
      responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
    };
    window.Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
      el.setAttribute("data-drawn", "true");
    });
    el.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      var target = point && point.customdata;
      if (typeof target === "string" && target.indexOf("/staff/analytics/requests?") === 0) {
        window.location.assign(target);
      }
    });
  }
  if (!window.Plotly) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("[data-figure]"), draw);
})();
