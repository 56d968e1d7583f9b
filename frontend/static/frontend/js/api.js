/* The pages' one fetch wrapper: session cookie + CSRF header, an Idempotency-Key per click
 * target, and the API's error shape {"code", "detail", ...}. Every write of the pages goes
 * through here to /api/v1, so the pages share the API's validation and idempotency rules. */
(function () {
  "use strict";

  var strings = {};
  var stringsNode = document.getElementById("js-strings");
  if (stringsNode) {
    strings = JSON.parse(stringsNode.textContent);
  }

  /** Translate a key from the page's string table; {name} placeholders are filled from params. */
  function t(key, params) {
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (params) {
      text = text.replace(/\{(\w+)\}/g, function (match, name) {
        return params[name] !== undefined && params[name] !== null ? String(params[name]) : match;
      });
    }
    return text;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /** One key per click target: a double click, or a retry after a lost answer, reuses it. */
  function keyFor(target) {
    if (!target.dataset.idempotencyKey) {
      target.dataset.idempotencyKey = newKey();
    }
    return target.dataset.idempotencyKey;
  }

  function forgetKey(target) {
    delete target.dataset.idempotencyKey;
  }

  function ApiError(status, body, retryAfter) {
    this.name = "ApiError";
    this.status = status;
    this.body = body || {};
    this.code = this.body.code || "error";
    this.detail = this.body.detail || "";
    this.retryAfter = retryAfter;
    this.message = this.code + ": " + this.detail;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  /**
   * Send one API request. Resolves to {status, data}; rejects with ApiError carrying the error
   * shape. A 409 `in_progress` (the same key still running) is retried with the same key.
   */
  async function request(method, url, options) {
    options = options || {};
    var headers = { "Accept": "application/json", "X-CSRFToken": csrfToken() };
    var body;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    if (options.idempotencyKey) {
      headers["Idempotency-Key"] = options.idempotencyKey;
    }
    for (var attempt = 0; ; attempt++) {
      var response;
      try {
        response = await fetch(url, {
          method: method, headers: headers, body: body, credentials: "same-origin",
        });
      } catch (err) {
        throw new ApiError(0, { code: "network", detail: String(err) });
      }
      var data = null;
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") !== -1) {
        try { data = await response.json(); } catch (err) { data = null; }
      }
      if (response.ok) {
        return { status: response.status, data: data };
      }
      var retryAfter = parseInt(response.headers.get("Retry-After") || "0", 10) || 0;
      var error = new ApiError(
        response.status, data || { code: "http_" + response.status, detail: response.statusText },
        retryAfter
      );
      if (options.idempotencyKey && error.code === "in_progress" && attempt < 5) {
        await sleep(Math.max(retryAfter, 1) * 500);
        continue;
      }
      throw error;
    }
  }

  function formatMoment(iso) {
    if (!iso) { return ""; }
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return iso; }
    return date.toLocaleString(document.documentElement.lang || undefined, {
      timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hour12: false,
    });
  }

  /** A human message in the page's language for an API error, with the error's own context. */
  function messageFor(error) {
    var body = error.body || {};
    var key = "error." + error.code;
    if (error.code === "window_not_open" && body.opens_at) {
      return t("error.window_not_open_at", { time: formatMoment(body.opens_at) });
    }
    if (error.code === "suspended" && body.suspended_until) {
      return t("error.suspended_until", { time: formatMoment(body.suspended_until) });
    }
    if (error.code === "quota_exceeded" && body.limit) {
      return t("error.quota_exceeded." + body.limit, { max: body.max });
    }
    if (error.code === "throttled" && body.retry_after) {
      return t("error.throttled_wait", { seconds: body.retry_after });
    }
    if (Object.prototype.hasOwnProperty.call(strings, key)) {
      return t(key);
    }
    return error.detail || t("error.generic");
  }

  /** A link's href only if it stays on this site (a path or this origin), else null. */
  function sameSiteHref(href) {
    var url;
    try { url = new URL(String(href), window.location.href); } catch (err) { return null; }
    return url.origin === window.location.origin ? url.pathname + url.search + url.hash : null;
  }

  /**
   * Show a message in a page's aria-live region. kind: "success" | "error" | "info".
   * `link` ({href, label, className}) adds a link after the text. Text and label are always set
   * as text, never parsed as HTML: they may hold data (an event's title, a court's name).
   */
  function announce(region, text, kind, link) {
    if (!region) { return; }
    region.className = "live " + (kind || "info");
    region.textContent = text || "";
    var href = link ? sameSiteHref(link.href) : null;
    if (href) {
      var anchor = document.createElement("a");
      anchor.href = href;
      anchor.textContent = link.label;
      if (link.className) { anchor.className = link.className; }
      region.append(text ? " " : "", anchor);
    }
  }

  /**
   * Run a page's script: run(api, t, config) gets this client, its string lookup and the page's
   * settings, the #page-config JSON that frontend/_page_script.html renders with the script.
   */
  function page(run) {
    run(window.LuohuApi, t, JSON.parse(document.getElementById("page-config").textContent));
  }

  window.LuohuApi = {
    t: t,
    request: request,
    get: function (url) { return request("GET", url); },
    post: function (url, body, options) {
      options = options || {};
      return request("POST", url, { body: body === undefined ? {} : body, idempotencyKey: options.idempotencyKey });
    },
    patch: function (url, body) { return request("PATCH", url, { body: body }); },
    keyFor: keyFor,
    forgetKey: forgetKey,
    newKey: newKey,
    messageFor: messageFor,
    formatMoment: formatMoment,
    announce: announce,
    ApiError: ApiError,
    page: page,
  };
})();
