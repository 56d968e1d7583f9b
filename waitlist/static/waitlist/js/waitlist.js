/* Waiting lists on the pages, through the API only (no inline script: CSP).
 * - Venue grid: a full slot gets a "join the waiting list" button (also after the grid
 *   refreshes itself); one click queues for one person.
 * - My bookings: the caller's live entries, with their place in line, and offers with accept /
 *   decline and a countdown to the offer's expiry. */
(function () {
  "use strict";
  var api = window.LuohuApi;
  if (!api) { return; }

  function fill(text, params) {
    return String(text || "").replace(/\{(\w+)\}/g, function (match, name) {
      return params[name] !== undefined ? String(params[name]) : match;
    });
  }

  // --- the venue grid ---------------------------------------------------------------------
  var grid = document.getElementById("grid");
  var gridStrings = document.getElementById("waitlist-grid-strings");
  if (grid && gridStrings && !grid.dataset.waitlistReady) {
    grid.dataset.waitlistReady = "1";
    var s = gridStrings.dataset;
    var region = document.getElementById("booking-message");

    var decorate = function () {
      // A cell the grid re-rendered as free (or mine) loses its queue button.
      grid.querySelectorAll(".slot-queue").forEach(function (button) {
        var cell = button.previousElementSibling;
        if (!cell || !cell.matches(".slot.taken, .slot.full")) { button.remove(); }
      });
      grid.querySelectorAll(".slot.taken[data-slot], .slot.full[data-slot]").forEach(function (cell) {
        var next = cell.nextElementSibling;
        if (next && next.classList.contains("slot-queue")) { return; }
        var button = document.createElement("button");
        button.type = "button";
        button.className = "slot-queue button secondary";
        button.dataset.waitlistSlot = cell.dataset.slot;
        button.textContent = s.queue;
        button.setAttribute("aria-label", s.queueLabel);
        cell.after(button);
      });
    };
    decorate();
    new MutationObserver(decorate).observe(grid, { childList: true, subtree: true });

    grid.addEventListener("click", async function (event) {
      var button = event.target.closest("[data-waitlist-slot]");
      if (!button) { return; }
      button.disabled = true;
      try {
        var result = await api.post("/api/v1/slots/" + button.dataset.waitlistSlot + "/waitlist/",
          { party_size: 1 }, { idempotencyKey: api.keyFor(button) });
        api.announce(region, fill(s.queued, { position: result.data.position }), "success",
          { href: "/me/bookings/#waitlist-section", label: s.link });
      } catch (error) {
        api.announce(region, api.messageFor(error), "error");
      } finally {
        button.disabled = false;
      }
    });
  }

  // --- my bookings --------------------------------------------------------------------------
  var section = document.getElementById("waitlist-section");
  if (!section || section.dataset.waitlistReady) { return; }
  section.dataset.waitlistReady = "1";
  var m = section.dataset;
  var list = document.getElementById("waitlist-entries");
  var message = document.getElementById("waitlist-message");
  var timers = [];

  function countdown(node, expiresAt, buttons) {
    var tick = function () {
      var left = Math.max(0, Math.floor((new Date(expiresAt).getTime() - Date.now()) / 1000));
      if (left === 0) {
        node.textContent = m.expired;
        buttons.forEach(function (b) { b.disabled = true; });
        return false;
      }
      node.textContent = fill(m.left, { minutes: Math.floor(left / 60), seconds: left % 60 });
      return true;
    };
    if (tick()) {
      var id = setInterval(function () { if (!tick()) { clearInterval(id); } }, 1000);
      timers.push(id);
    }
  }

  function actionButton(label, action, entry, secondary) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = secondary ? "button secondary" : "button";
    button.textContent = label;
    button.dataset.action = action;
    button.dataset.entry = entry.id;
    return button;
  }

  function render(entries) {
    timers.forEach(clearInterval);
    timers = [];
    list.replaceChildren();
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.className = "card waitlist-" + entry.status;
      item.id = "waitlist-" + entry.id;
      var title = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = entry.venue_name + " · " + entry.resource_name;
      title.append(strong, " " + api.formatMoment(entry.starts_at) + " · " +
        fill(m.people, { n: entry.party_size }));
      var state = document.createElement("p");
      var actions = document.createElement("p");
      actions.className = "actions";
      if (entry.status === "offered") {
        state.textContent = fill(m.offered, { time: api.formatMoment(entry.offer_expires_at) });
        var left = document.createElement("p");
        left.className = "countdown";
        left.setAttribute("aria-live", "off");
        var accept = actionButton(m.accept, "accept", entry, false);
        var decline = actionButton(m.decline, "decline", entry, true);
        actions.append(accept, " ", decline);
        item.append(title, state, left, actions);
        countdown(left, entry.offer_expires_at, [accept, decline]);
      } else {
        state.textContent = fill(m.waiting, { position: entry.position });
        actions.append(actionButton(m.withdraw, "withdraw", entry, true));
        item.append(title, state, actions);
      }
      list.append(item);
    });
    section.hidden = entries.length === 0;
  }

  async function load() {
    try {
      var waiting = await api.get("/api/v1/waitlist/?status=waiting&page_size=100");
      var offered = await api.get("/api/v1/waitlist/?status=offered&page_size=100");
      render(offered.data.results.concat(waiting.data.results));
    } catch (error) {
      section.hidden = false;
      api.announce(message, api.messageFor(error), "error");
    }
  }

  list.addEventListener("click", async function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var action = button.dataset.action;
    button.disabled = true;
    try {
      var result = await api.post("/api/v1/waitlist/" + button.dataset.entry + "/" + action + "/",
        {}, { idempotencyKey: api.keyFor(button) });
      if (action === "accept" && result.data.payment_url) {
        api.announce(message, m.acceptedPay, "success",
          { href: result.data.payment_url, label: m.pay });
      } else {
        var done = { accept: "accepted", decline: "declined", withdraw: "withdrawn" }[action];
        api.announce(message, m[done], "success");
      }
    } catch (error) {
      api.announce(message, api.messageFor(error), "error");
    }
    await load();
  });

  load();
})();
