/* The Redoc API docs page: start Redoc with this response's CSP nonce (the nonce of this very
 * script element), which Redoc puts on the style elements it creates from then on. */
(function () {
  "use strict";
  var script = document.currentScript;
  // The bundle adds perfect-scrollbar's stylesheet while it loads, before it can know the nonce,
  // so the policy blocked it: put it back with the nonce. Only the bundle has run on this page
  // so far, and the page itself holds no data.
  document.querySelectorAll("head > style:not([nonce])").forEach(function (blocked) {
    var style = document.createElement("style");
    style.setAttribute("nonce", script.nonce);
    style.textContent = blocked.textContent;
    blocked.replaceWith(style);
  });
  window.Redoc.init(script.dataset.specUrl, { nonce: script.nonce }, document.getElementById("redoc-container"));
})();
