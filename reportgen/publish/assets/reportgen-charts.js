// Draws every chart of a page from the Vega-Lite spec embedded beside its container.
// The spec is JSON in a non-executable <script type="application/json"> element, so pages
// draw offline and when opened from disk; vegaEmbed comes from the site's own vega bundle.
// Charts follow the reader's colour scheme: Material's slate scheme on the site (its
// data-md-color-scheme attribute, redrawn when the reader toggles it), the system's dark mode in
// a tearsheet. Series colours never change with the scheme: only text, grid and axis colours do.
(function () {
  "use strict";
  var DARK = {
    axis: { labelColor: "#c9cdd3", titleColor: "#dde0e4", gridColor: "#3b4150", domainColor: "#6b7280", tickColor: "#6b7280" },
    legend: { labelColor: "#c9cdd3", titleColor: "#dde0e4" },
    header: { labelColor: "#dde0e4", titleColor: "#dde0e4" },
    title: { color: "#dde0e4", subtitleColor: "#c9cdd3" },
    text: { color: "#dde0e4" }
  };

  function dark() {
    var scheme = document.body && document.body.getAttribute("data-md-color-scheme");
    if (scheme) return scheme === "slate";
    return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
  }

  function merged(base, extra) {
    var out = {};
    Object.keys(base || {}).forEach(function (key) { out[key] = base[key]; });
    Object.keys(extra).forEach(function (key) {
      var value = extra[key];
      out[key] = value && typeof value === "object" && !Array.isArray(value) ? merged(out[key], value) : value;
    });
    return out;
  }

  function themed(spec) {
    if (!dark()) return spec;
    var copy = merged(spec, {});
    copy.config = merged(spec.config, DARK);
    return copy;
  }

  function drawCharts(again) {
    var specs = document.querySelectorAll("script.reportgen-spec");
    Array.prototype.forEach.call(specs, function (node) {
      var target = document.getElementById(node.getAttribute("data-target"));
      if (!target || (target.getAttribute("data-drawn") && !again)) return;
      target.setAttribute("data-drawn", "pending");
      target.setAttribute("data-scheme", dark() ? "dark" : "light");
      window
        .vegaEmbed(target, themed(JSON.parse(node.textContent)), { actions: false, renderer: "svg" })
        .then(function () { target.setAttribute("data-drawn", "yes"); })
        .catch(function (error) {
          target.setAttribute("data-drawn", "failed");
          target.textContent = "This chart could not be drawn: " + error;
          console.error(error);
        });
    });
  }

  function watchScheme() {
    var scheme = dark();
    function redrawOnChange() {
      if (dark() !== scheme) {
        scheme = dark();
        drawCharts(true);
      }
    }
    if (window.MutationObserver && document.body) {
      new MutationObserver(redrawOnChange).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
    }
    if (window.matchMedia) {
      var query = window.matchMedia("(prefers-color-scheme: dark)");
      if (query.addEventListener) query.addEventListener("change", redrawOnChange);
    }
  }

  function start() {
    drawCharts(false);
    watchScheme();
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { drawCharts(false); });
    watchScheme();
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
