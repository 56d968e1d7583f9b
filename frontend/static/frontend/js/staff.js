/* Staff page: check in by code or from the list (POST /api/v1/checkins/ with the signed code),
 * mark a no-show and waive a strike, all through the API. */
window.LuohuApi.page(function (api, t, config) {
  "use strict";
  var message = document.getElementById("staff-message");

  function row(bookingId) {
    return document.querySelector('tr[data-booking="' + bookingId + '"]');
  }

  function setStatus(bookingId, key) {
    var tr = row(bookingId);
    if (!tr) { return; }
    tr.dataset.status = key;
    tr.querySelector('[data-role="status"]').textContent = t("booking_status." + key);
  }

  async function checkIn(code, button) {
    if (button) { button.disabled = true; }
    try {
      var result = await api.post(config.checkins_url, { code: code });
      var data = result.data || {};
      var booking = data.booking || {};
      if (data.allowed === false) {
        api.announce(message, t("staff.refused", { reason: t("checkin_reason." + data.reason) }), "error");
        if (button) { button.disabled = false; }
        return;
      }
      var id = booking.id || (button && button.closest("tr").dataset.booking);
      setStatus(id, "checked_in");
      var tr = row(id);
      if (tr) { tr.querySelectorAll('[data-action="checkin"], [data-action="no-show"]').forEach(function (b) { b.remove(); }); }
      api.announce(message, t("staff.checked_in", {
        name: booking.resident || (tr ? tr.children[2].textContent : ""),
        time: tr ? tr.children[0].textContent : "",
      }), "success");
    } catch (err) {
      if (!(err instanceof api.ApiError)) { throw err; }
      var reason = err.body && err.body.reason;
      api.announce(message, reason ? t("staff.refused", { reason: t("checkin_reason." + reason) }) : api.messageFor(err), "error");
      if (button) { button.disabled = false; }
    }
    message.focus();
  }

  document.getElementById("checkin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("checkin-code");
    var code = input.value.trim();
    if (code) {
      checkIn(code, null).then(function () { input.value = ""; });
    }
  });

  document.addEventListener("click", async function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var tr = button.closest("tr");
    var action = button.dataset.action;
    if (action === "checkin") {
      checkIn(button.dataset.code, button);
      return;
    }
    button.disabled = true;
    try {
      if (action === "no-show") {
        var result = await api.post(config.bookings_url + tr.dataset.booking + "/no-show/", {});
        setStatus(tr.dataset.booking, (result.data && result.data.status) || "no_show");
        // A no-show cannot check in any more: the row offers neither action now.
        tr.querySelectorAll('[data-action="checkin"], [data-action="no-show"], [data-role="checkin-opens"]')
          .forEach(function (b) { b.remove(); });
        api.announce(message, t("staff.no_show"), "success");
      } else if (action === "waive") {
        await api.post(config.strikes_url + button.dataset.strike + "/waive/", {});
        button.remove();
        api.announce(message, t("staff.waived"), "success");
      }
    } catch (err) {
      if (!(err instanceof api.ApiError)) { throw err; }
      button.disabled = false;
      api.announce(message, api.messageFor(err), "error");
    }
    message.focus();
  });
});
