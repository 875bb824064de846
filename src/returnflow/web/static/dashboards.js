/* The dashboards (issue 14, R9.3): draw each [data-figure] with plotly.js (served from the
   installed package) and follow a clicked point's drill-down link (its customdata). */
(function () {
  "use strict";
  function draw(el) {
    var figure = JSON.parse(el.getAttribute("data-figure"));
    var config = {
      displaylogo: false,
      responsive: true,
      locale: document.documentElement.lang === "zh-CN" ? "zh-CN" : "en",
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
  // the chart toolbar's words on Chinese pages (issue 16: no English on a Chinese page)
  window.Plotly.register({
    moduleType: "locale",
    name: "zh-CN",
    dictionary: {
      "Autoscale": "自动缩放", "Compare data on hover": "悬停时比较数据",
      "Download plot": "下载图表", "Download plot as a PNG": "下载图表（PNG）",
      "Pan": "平移", "Reset axes": "重置坐标轴", "Reset view": "重置视图",
      "Show closest data on hover": "悬停时显示最近的数据",
      "Toggle Spike Lines": "显示/隐藏辅助线", "Zoom": "缩放", "Zoom in": "放大",
      "Zoom out": "缩小"
    },
    format: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月",
        "十月", "十一月", "十二月"],
      shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月",
        "11月", "12月"],
      date: "%Y-%m-%d"
    }
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-figure]"), draw);
})();
