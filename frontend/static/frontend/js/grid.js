/* The booking grid: every free slot is a real <button>; one click books it through the API,
 * then the grid refreshes in place from the availability endpoint. A double click sends the
 * same Idempotency-Key (one key per button), so it can never book twice. */
window.LuohuApi.page(function (api, t, config) {
  "use strict";
  var grid = document.getElementById("grid");
  var message = document.getElementById("booking-message");
  var mySlots = new Set(config.my_slot_ids);
  // Slots the server just refused as taken/full, with when: the availability answer may be up to
  // a second old (the server keeps the rendered grid briefly), so it could still show them free.
  var refusedAt = new Map();
  var REFUSAL_MEMORY_MS = 5000;

  function hhmm(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", {
      timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", hour12: false,
    });
  }

  function mmddhhmm(iso) {
    var d = new Date(iso);
    var parts = d.toLocaleString("en-GB", {
      timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit",
      minute: "2-digit", hour12: false,
    });
    // en-GB gives "dd/mm, hh:mm"; show "mm-dd hh:mm" like the server-rendered grid.
    var m = parts.match(/(\d\d)\/(\d\d),? (\d\d:\d\d)/);
    return m ? m[2] + "-" + m[1] + " " + m[3] : parts;
  }

  /** Build the element of one cell, matching the server-rendered _slot.html. */
  function renderCell(slot, resource) {
    var price = Number(slot.price || 0);
    var state;
    var refused = refusedAt.has(slot.id) && Date.now() - refusedAt.get(slot.id) < REFUSAL_MEMORY_MS;
    if (mySlots.has(slot.id)) { state = "mine"; }
    else if (slot.bookable && !refused) { state = "free"; }
    else if (slot.reason === "payment_unavailable") { state = "no-payment"; }
    else if (slot.reason === "window_not_open") { state = "not-open"; }
    else if (slot.reason === "ballot") { state = "ballot"; }
    else if (slot.reason === "past" || slot.reason === "closed") { state = slot.reason; }
    else { state = "full"; }
    var range = hhmm(slot.starts_at) + "–" + hhmm(slot.ends_at);
    var el;
    if (state === "free") {
      el = document.createElement("button");
      el.type = "button";
      el.className = "slot";
      el.dataset.resource = resource.name;
      el.dataset.time = range;
      var priceText = price === 0 ? (slot.public_benefit ? t("slot.public_benefit") : t("booking.free")) : "¥" + slot.price;
      if (!resource.exclusive) { priceText += " · " + t("booking.left", { n: slot.remaining }); }
      // The accessible name is the visible text plus the court and time (WCAG 2.5.3: the name
      // contains the label a speech user reads off the screen).
      var priceEl = document.createElement("span");
      priceEl.className = "price";
      priceEl.textContent = priceText;
      var where = document.createElement("span");
      where.className = "visually-hidden";
      where.textContent = ", " + resource.name + " " + range;
      el.append(t("booking.book") + " ", priceEl, where);
    } else if (state === "ballot") {
      // Allocated by a ballot round: its page has the timetable and the entry form.
      el = document.createElement("a");
      el.className = "slot ballot";
      el.href = "/ballots/" + slot.ballot + "/";
      el.textContent = t("slot.ballot");
    } else {
      el = document.createElement("span");
      var labels = {
        mine: t("booking.mine"), "not-open": t("slot.opens"), past: "—", closed: t("slot.closed"),
        full: resource.exclusive ? t("booking.taken") : t("booking.full"),
      };
      el.className = "slot " + (state === "full" ? "taken" : state);
      el.textContent = state === "no-payment" ? "¥" + slot.price : labels[state];
      if (state === "no-payment") {
        // A paid slot while online payment is off: the price and why it cannot be booked here.
        var why = document.createElement("span");
        why.className = "price";
        why.textContent = t("slot.no_payment");
        el.appendChild(why);
      }
      if (state === "not-open" && slot.opens_at) {
        var when = document.createElement("span");
        when.className = "price";
        when.textContent = mmddhhmm(slot.opens_at);
        el.appendChild(when);
      }
    }
    el.dataset.slot = String(slot.id);
    el.dataset.state = state;
    return el;
  }

  /** Fetch the day's availability and replace the cells whose state changed. */
  async function refresh(focusSlotId) {
    var result;
    try {
      result = await api.get(config.availability_url);
    } catch (err) {
      return;  // the message already says what happened; the grid stays as it was
    }
    (result.data.resources || []).forEach(function (resource) {
      (resource.slots || []).forEach(function (slot) {
        var old = grid.querySelector('[data-slot="' + slot.id + '"]');
        if (!old) { return; }
        var fresh = renderCell(slot, resource);
        if (old.isEqualNode(fresh)) { return; }
        var hadFocus = document.activeElement === old || slot.id === focusSlotId;
        if (old.tagName === "BUTTON" && old.getAttribute("aria-busy") === "true" && slot.id !== focusSlotId) {
          return;  // its own request is still running
        }
        if (hadFocus && fresh.tagName !== "BUTTON") { fresh.tabIndex = -1; }
        old.replaceWith(fresh);
        if (hadFocus) { fresh.focus(); }
      });
    });
  }

  function signInMessage() {
    var next = encodeURIComponent(window.location.pathname + window.location.search);
    api.announce(message, t("error.not_authenticated"), "info", {
      href: config.login_url + "?next=" + next, label: t("booking.sign_in"),
    });
  }

  async function book(button) {
    if (button.getAttribute("aria-busy") === "true") {
      return;  // the first click of a double click is still on its way
    }
    if (!config.authenticated) {
      signInMessage();
      return;
    }
    var slotId = Number(button.dataset.slot);
    var key = api.keyFor(button);
    // The button's own content (label and price), put back if the booking is refused.
    var label = Array.prototype.map.call(button.childNodes, function (node) { return node.cloneNode(true); });
    button.setAttribute("aria-busy", "true");
    button.textContent = t("booking.booking");
    api.announce(message, t("booking.booking"), "info");
    try {
      var result = await api.post(config.bookings_url, { slot: slotId, party_size: 1 }, { idempotencyKey: key });
      var booking = result.data;
      mySlots.add(slotId);
      if (booking.status === "held" && booking.payment_url) {
        api.announce(message, t("booking.held", { time: api.formatMoment(booking.hold_expires_at) }), "info", {
          href: booking.payment_url, label: t("booking.pay_now"), className: "button",
        });
        window.location.assign(booking.payment_url);
      } else {
        api.announce(message, t("booking.booked", { resource: button.dataset.resource, time: grid.dataset.dayLabel + " " + button.dataset.time }), "success", {
          href: config.my_bookings_url, label: t("nav.my_bookings"),
        });
      }
      button.removeAttribute("aria-busy");
      await refresh(slotId);
    } catch (err) {
      if (!(err instanceof api.ApiError)) { throw err; }
      if (err.code !== "network") {
        api.forgetKey(button);  // a final answer: a later click is a new attempt
      }
      button.removeAttribute("aria-busy");
      button.replaceChildren.apply(button, label);
      if (err.code === "not_authenticated" || err.code === "authentication_failed") {
        signInMessage();
      } else {
        api.announce(message, api.messageFor(err), "error");
      }
      if (["slot_taken", "slot_full", "slot_unavailable", "past", "closed", "already_booked"].indexOf(err.code) !== -1) {
        if (err.code === "already_booked") { mySlots.add(slotId); }
        else if (err.code === "slot_taken" || err.code === "slot_full") { refusedAt.set(slotId, Date.now()); }
        await refresh(slotId);
      }
    }
  }

  grid.addEventListener("click", function (event) {
    var button = event.target.closest("button.slot");
    if (button && grid.contains(button)) {
      book(button);
    }
  });

  window.LuohuGrid = { refresh: refresh };
});
