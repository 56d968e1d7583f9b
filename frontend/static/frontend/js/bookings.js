/* My bookings: cancel (two steps, no modal), pay a held booking, and the personal feed links. */
window.LuohuApi.page(function (api, t, config) {
  "use strict";
  var message = document.getElementById("bookings-message");

  function card(el) { return el.closest("[data-booking]"); }

  function askToCancel(button) {
    var item = card(button);
    var box = item.querySelector('[data-role="cancel-box"]');
    if (box.querySelector('[data-action="confirm-cancel"]')) { return; }
    var question = document.createElement("p");
    question.className = "message info";
    question.textContent = item.dataset.late === "1" ? t("cancel.confirm_late") + " " + t("cancel.confirm") : t("cancel.confirm");
    var yes = document.createElement("button");
    yes.type = "button";
    yes.className = "button danger";
    yes.dataset.action = "confirm-cancel";
    yes.textContent = t("cancel.yes");
    var no = document.createElement("button");
    no.type = "button";
    no.className = "button secondary";
    no.dataset.action = "keep";
    no.textContent = t("cancel.keep");
    var actions = document.createElement("p");
    actions.className = "actions";
    actions.append(yes, no);
    button.hidden = true;
    box.append(question, actions);
    yes.focus();
  }

  function keep(button) {
    var box = card(button).querySelector('[data-role="cancel-box"]');
    box.querySelector(".message").remove();
    box.querySelector(".actions").remove();
    var cancel = box.querySelector('[data-action="cancel"]');
    cancel.hidden = false;
    cancel.focus();
  }

  async function cancel(button) {
    var item = card(button);
    if (button.getAttribute("aria-busy") === "true") { return; }
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    try {
      var result = await api.post(config.bookings_url + item.dataset.booking + "/cancel/", {});
      var booking = result.data || {};
      item.dataset.status = booking.status || "cancelled";
      item.querySelector('[data-role="status"]').textContent = t("status.cancelled");
      item.querySelector('[data-role="cancel-box"]').remove();
      var qr = item.querySelector('[data-role="qr"]');
      if (qr) { qr.remove(); }
      var text = booking.late_cancellation ? t("cancel.done_late") : t("cancel.done");
      if (item.dataset.paid && (!booking.late_cancellation || item.dataset.refundLate === "1")) {
        text += (/[。）]$/.test(text) ? "" : " ") + t("cancel.refund", { amount: item.dataset.paid });
      }
      api.announce(message, text, "success");
      message.focus();
    } catch (err) {
      if (!(err instanceof api.ApiError)) { throw err; }
      button.disabled = false;
      button.removeAttribute("aria-busy");
      api.announce(message, api.messageFor(err), "error");
    }
  }

  async function pay(button) {
    var item = card(button);
    try {
      var result = await api.get(config.bookings_url + item.dataset.booking + "/");
      if (result.data && result.data.payment_url) {
        window.location.assign(result.data.payment_url);
      } else {
        api.announce(message, t("error.payment_unavailable"), "error");
      }
    } catch (err) {
      api.announce(message, api.messageFor(err), "error");
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button || !card(button)) { return; }
    var action = button.dataset.action;
    if (action === "cancel") { askToCancel(button); }
    else if (action === "confirm-cancel") { cancel(button); }
    else if (action === "keep") { keep(button); }
    else if (action === "pay") { pay(button); }
  });

  /* The personal feed: https and webcal:// links, copy, and rotation of the secret token. */
  var box = document.getElementById("feed-box");
  var loading = document.getElementById("feed-loading");
  var httpsInput = document.getElementById("feed-https");
  var webcal = document.getElementById("feed-webcal");

  function feedUrl(data) {
    var url = data.token_url || data.url || data.https_url || "";
    if (!url && data.token) { url = "/calendar/me/" + data.token + ".ics"; }
    if (url && url.charAt(0) === "/") { url = window.location.origin + url; }
    return url;
  }

  function showFeed(data) {
    var url = feedUrl(data);
    httpsInput.value = url;
    webcal.href = data.webcal_url || url.replace(/^https?:\/\//, "webcal://");
    box.hidden = false;
    loading.hidden = true;
  }

  async function loadFeed() {
    try {
      var result = await api.get(config.calendar_url);
      showFeed(result.data || {});
    } catch (err) {
      loading.textContent = api.messageFor(err);
    }
  }

  document.getElementById("feed-copy").addEventListener("click", async function () {
    httpsInput.select();
    try {
      await navigator.clipboard.writeText(httpsInput.value);
    } catch (err) {
      document.execCommand("copy");
    }
    api.announce(message, t("feed.copied"), "success");
  });

  document.getElementById("feed-rotate").addEventListener("click", async function (event) {
    var button = event.currentTarget;
    button.disabled = true;
    try {
      var result = await api.post(config.rotate_url, {});
      showFeed(result.data || {});
      api.announce(message, t("feed.rotated"), "success");
    } catch (err) {
      api.announce(message, api.messageFor(err), "error");
    } finally {
      button.disabled = false;
    }
  });

  message.tabIndex = -1;
  loadFeed();
});
