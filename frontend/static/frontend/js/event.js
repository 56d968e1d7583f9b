/* Event page: register (or join the waiting list) and cancel a registration, through the API. */
window.LuohuApi.page(function (api, t, config) {
  "use strict";
  var message = document.getElementById("event-message");
  var state = document.getElementById("registration-state");

  function swap(button, id, label, registrationId) {
    var next = document.createElement("button");
    next.type = "button";
    next.id = id;
    next.className = id === "register" ? "button" : "button secondary";
    next.textContent = label;
    if (registrationId) { next.dataset.registration = String(registrationId); }
    button.replaceWith(next);
    bind();
    next.focus();
  }

  async function register(button) {
    button.disabled = true;
    try {
      var result = await api.post(config.registrations_url, { party_size: 1 }, { idempotencyKey: api.keyFor(button) });
      var registration = result.data || {};
      if (registration.status === "held" && registration.payment_url) {
        window.location.assign(registration.payment_url);  /* a paid event: pay to keep the place */
        return;
      }
      var text = registration.status === "waitlisted"
        ? t("event.waitlisted_position", { n: registration.position })
        : t("event.registered");
      // Said once, in the live region, with the way to find it again (My bookings).
      state.textContent = "";
      api.announce(message, text, "success", { href: config.my_bookings_url, label: t("nav.my_bookings") });
      swap(button, "unregister", t("event.unregister"), registration.id);
    } catch (err) {
      if (!(err instanceof api.ApiError)) { throw err; }
      api.forgetKey(button);
      button.disabled = false;
      api.announce(message, err.code === "not_authenticated" ? t("error.not_authenticated") : api.messageFor(err), "error");
    }
  }

  async function unregister(button) {
    button.disabled = true;
    try {
      await api.post(config.registration_cancel_url.replace("{id}", button.dataset.registration), {});
      state.textContent = "";
      api.announce(message, t("event.cancelled_registration"), "success");
      swap(button, "register", t("event.register"));
    } catch (err) {
      if (!(err instanceof api.ApiError)) { throw err; }
      button.disabled = false;
      api.announce(message, api.messageFor(err), "error");
    }
  }

  function bind() {
    var registerButton = document.getElementById("register");
    var unregisterButton = document.getElementById("unregister");
    if (registerButton && !registerButton.dataset.bound) {
      registerButton.dataset.bound = "1";
      registerButton.addEventListener("click", function () { register(registerButton); });
    }
    if (unregisterButton && !unregisterButton.dataset.bound) {
      unregisterButton.dataset.bound = "1";
      unregisterButton.addEventListener("click", function () { unregister(unregisterButton); });
    }
  }
  bind();
});
