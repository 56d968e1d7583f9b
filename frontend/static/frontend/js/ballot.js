// Enter, change or withdraw a ballot entry through /api/v1 (frontend/views/ballots.py).
window.LuohuApi.page(function (api, t, config) {
  "use strict";
  var form = document.getElementById("ballot-form");
  var message = document.getElementById("ballot-message");
  if (!form) { return; }

  function show(text) { message.textContent = text; message.focus(); }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    // Ranked: the first choice's select first; a rank left empty is skipped.
    var choices = Array.from(form.querySelectorAll("select[data-rank]"))
      .filter(function (select) { return select.value !== ""; })
      .map(function (select) { return Number(select.value); });
    var body = { choices: choices, party_size: Number(form.querySelector("#ballot-party").value) };
    try {
      if (config.entry) {
        await api.patch("/api/v1/ballot-entries/" + config.entry + "/", body);
      } else {
        await api.post("/api/v1/ballots/" + config.round + "/entries/", body);
      }
      window.location.reload();
    } catch (err) {
      show(api.messageFor(err));
    }
  });

  var withdraw = document.getElementById("ballot-withdraw");
  if (withdraw) {
    withdraw.addEventListener("click", async function () {
      try {
        await api.post("/api/v1/ballot-entries/" + config.entry + "/withdraw/");
        window.location.reload();
      } catch (err) {
        show(api.messageFor(err));
      }
    });
  }
});
