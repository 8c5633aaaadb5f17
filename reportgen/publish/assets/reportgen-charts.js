// Draws every chart of a page from the Vega-Lite spec embedded beside its container.
// The spec is JSON in a non-executable <script type="application/json"> element, so pages
// draw offline and when opened from disk; vegaEmbed comes from the site's own vega bundle.
(function () {
  "use strict";
  function drawCharts() {
    var specs = document.querySelectorAll("script.reportgen-spec");
    Array.prototype.forEach.call(specs, function (node) {
      var target = document.getElementById(node.getAttribute("data-target"));
      if (!target || target.getAttribute("data-drawn")) return;
      target.setAttribute("data-drawn", "pending");
      window
        .vegaEmbed(target, JSON.parse(node.textContent), { actions: false, renderer: "svg" })
        .then(function () { target.setAttribute("data-drawn", "yes"); })
        .catch(function (error) {
          target.setAttribute("data-drawn", "failed");
          target.textContent = "This chart could not be drawn: " + error;
          console.error(error);
        });
    });
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(drawCharts);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
})();
