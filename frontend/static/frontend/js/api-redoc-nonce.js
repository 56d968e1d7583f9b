/* Runs before Redoc's bundle. The style elements the bundle makes while it loads (before
 * Redoc.init can hand it the nonce) get this response's CSP nonce as they are inserted, so
 * the policy allows them; and the sidebar's "by Redocly" logo, an image on Redocly's CDN, is
 * never requested (the docs use this site's files only). */
(function () {
  "use strict";
  var nonce = document.currentScript.nonce;
  var CDN = /^https:\/\/cdn\.redoc\.ly\//;

  function withNonce(node) {
    if (node && node.nodeName === "STYLE" && !node.nonce) {
      node.setAttribute("nonce", nonce);
    }
    return node;
  }
  var appendChild = Node.prototype.appendChild;
  Node.prototype.appendChild = function (node) {
    return appendChild.call(this, withNonce(node));
  };
  var insertBefore = Node.prototype.insertBefore;
  Node.prototype.insertBefore = function (node, before) {
    return insertBefore.call(this, withNonce(node), before);
  };

  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this.nodeName === "IMG" && name === "src" && CDN.test(String(value))) {
      return undefined;
    }
    return setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      if (!CDN.test(String(value))) {
        src.set.call(this, value);
      }
    },
  });
})();
