/* Organiser console: the event form is sent as JSON to /api/v1/events/ (POST to create, PATCH
 * to edit); publish/postpone/cancel are sub-resources. Validation errors come back as
 * {"code","detail","fields"} and are shown under their fields. */
window.LuohuApi.page(function (api, t, config) {
  "use strict";
  var form = document.getElementById("event-form");
  var message = document.getElementById("organiser-message");
  var statusLabel = document.getElementById("event-status");
  // API field names that differ from the form's input names.
  var FIELD_ALIASES = { venue_id: "venue", organisation_id: "organisation" };

  function value(name) {
    var input = form.elements.namedItem(name);
    return input ? input.value.trim() : "";
  }

  /** A datetime-local value is Beijing wall time: send it with its +08:00 offset. */
  function beijing(name) {
    var raw = value(name);
    return raw ? raw + ":00+08:00" : null;
  }

  function payload() {
    var data = {
      title_zh: value("title_zh"),
      title_en: value("title_en"),
      category: value("category"),
      venue: value("venue") ? Number(value("venue")) : null,
      location_zh: value("location_zh"),
      location_en: value("location_en"),
      starts_at: beijing("starts_at"),
      ends_at: beijing("ends_at"),
      rrule: value("rrule"),
      exdates: window.LuohuRepeat ? window.LuohuRepeat.exdates() : [],
      capacity: value("capacity") ? Number(value("capacity")) : null,
      waitlist_enabled: form.elements.namedItem("waitlist_enabled").checked,
      registration_opens_at: beijing("registration_opens_at"),
      registration_closes_at: beijing("registration_closes_at"),
      price: value("price") || "0.00",
      description_zh: value("description_zh"),
      description_en: value("description_en"),
    };
    if (!config.event) {
      data.organisation = Number(value("organisation"));
    }
    return data;
  }

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      var described = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id.slice(-6) !== "-error";
      });
      if (described.length) { el.setAttribute("aria-describedby", described.join(" ")); }
      else { el.removeAttribute("aria-describedby"); }
    });
  }

  function showFieldErrors(fields) {
    var first = null;
    Object.keys(fields || {}).forEach(function (name) {
      var inputName = FIELD_ALIASES[name] || name;
      var input = form.elements.namedItem(inputName);
      if (!input || !input.id) { return; }
      var messages = [].concat(fields[name]);
      var error = document.createElement("p");
      error.className = "field-error";
      error.id = input.id + "-error";
      error.textContent = messages.join(" ");
      input.closest(".field").appendChild(error);
      input.setAttribute("aria-invalid", "true");
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + error.id);
      if (!first) { first = input; }
    });
    return first;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var button = document.getElementById("save-event");
    if (button.disabled) { return; }
    button.disabled = true;
    clearErrors();
    try {
      if (config.event) {
        var result = await api.patch(config.events_url + config.event + "/", payload());
        updateStatus(result.data);
        api.announce(message, t("organiser.saved"), "success");
        message.focus();
      } else {
        var created = await api.post(config.events_url, payload(), { idempotencyKey: api.keyFor(form) });
        window.location.assign(config.console_url + "events/" + created.data.id + "/?created=1");
        return;
      }
    } catch (err) {
      if (!(err instanceof api.ApiError)) { throw err; }
      api.forgetKey(form);
      var first = showFieldErrors(err.body.fields);
      api.announce(message, err.detail || api.messageFor(err), "error");
      (first || message).focus();
    } finally {
      button.disabled = false;
    }
  });

  function updateStatus(data) {
    if (!data || !data.status) { return; }
    if (statusLabel) { statusLabel.textContent = t("event_status." + data.status); }
  }

  /* Which commands an event's state allows is decided by the server (events.lifecycle, the rule
   * the API enforces): after a command the page is loaded again, with only the allowed buttons. */
  function reloadWith(done) {
    var url = new URL(window.location.href);
    url.searchParams.delete("created");
    url.searchParams.set("done", done);
    window.location.assign(url.pathname + url.search);
  }

  var confirmBox = document.getElementById("cancel-confirm");

  document.querySelectorAll("[data-command]").forEach(function (button) {
    button.addEventListener("click", async function () {
      var command = button.dataset.command;
      if (command === "cancel" && button.dataset.confirmed !== "1") {
        button.dataset.confirmed = "1";
        // Shown next to the button (not at the top of the form), so it is on screen on a phone.
        var box = confirmBox || message;
        api.announce(box, t("organiser.confirm_cancel") + " " + t("organiser.click_again"), "info");
        box.scrollIntoView({ block: "nearest" });
        return;
      }
      button.disabled = true;
      var reason = document.getElementById("e-reason");
      var body = reason && reason.value.trim() ? { reason: reason.value.trim() } : {};
      try {
        var result = await api.post(config.events_url + config.event + "/" + command + "/", body);
        updateStatus(result.data);
        var done = command === "publish" && result.data && result.data.status === "pending_approval"
          ? "submitted" : command + (command === "cancel" ? "led" : command === "publish" ? "ed" : "d");
        reloadWith(done);
        return;
      } catch (err) {
        if (!(err instanceof api.ApiError)) { throw err; }
        var target = command === "cancel" && confirmBox ? confirmBox : message;
        api.announce(target, err.detail || api.messageFor(err), "error");
        target.focus();
      }
      button.disabled = false;
      delete button.dataset.confirmed;
    });
  });

  var DONE = ["submitted", "published", "postponed", "cancelled"];
  var done = new URLSearchParams(window.location.search).get("done");
  if (DONE.indexOf(done) !== -1) {
    api.announce(message, t("organiser." + done), "success");
    message.focus();
  }
  if (new URLSearchParams(window.location.search).get("created") === "1") {
    api.announce(message, t("organiser.saved"), "success");
  }
});
