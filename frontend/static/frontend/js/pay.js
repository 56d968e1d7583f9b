/* Pay page: confirm a held booking's (or event registration's) PaymentIntent through the API's
   .../pay/ endpoint (config.pay_url). */
window.LuohuApi.page(function (api, t, config) {
  "use strict";
  var form = document.getElementById("pay-form");
  var message = document.getElementById("pay-message");
  if (!form) { return; }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    try {
      var result = await api.post(config.pay_url, { payment_method: form.elements.payment_method.value });
      var booking = result.data || {};
      document.getElementById("pay-status").textContent = t("booking_status." + booking.status);
      if (booking.status === "confirmed") {
        form.remove();
        api.announce(message, t("pay.done"), "success", {
          href: config.my_bookings_url, label: config.back_label || t("nav.my_bookings"),
        });
      } else {
        button.disabled = false;
        api.announce(message, t("pay.failed"), "error");
      }
    } catch (err) {
      if (!(err instanceof api.ApiError)) { throw err; }
      button.disabled = false;
      api.announce(message, err.detail || api.messageFor(err), "error");
    }
    message.focus();
  });
});
