/* The organiser form's repeat builder: frequency, weekdays, an end (a date or a number of times)
 * and skipped dates become the RFC 5545 RRULE and exdates the API takes (events/recurrence.py).
 * No build step; organiser.js reads window.LuohuRepeat.exdates() when it sends the form.
 * The RRULE text box stays under "Advanced" for rules the builder does not express; editing it
 * by hand leaves the builder alone until a builder control changes again. */
(function () {
  "use strict";
  var box = document.getElementById("repeat-builder");
  if (!box) { return; }
  var t = window.LuohuApi.t;
  var rruleInput = document.getElementById("e-rrule");
  var startsInput = document.getElementById("e-starts_at");
  var freq = document.getElementById("r-freq");
  var daysBox = document.getElementById("r-days");
  var endBox = document.getElementById("r-end");
  var until = document.getElementById("r-until");
  var count = document.getElementById("r-count");
  var skipBox = document.getElementById("r-skip-box");
  var skipDate = document.getElementById("r-skip");
  var skipList = document.getElementById("r-skip-list");
  var summary = document.getElementById("r-summary");
  var DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
  var skipped = [];  // "YYYY-MM-DD" dates

  function dayBoxes() { return DAYS.map(function (d) { return document.getElementById("r-day-" + d); }); }
  function endKind() {
    var checked = box.querySelector('input[name="r-end-kind"]:checked');
    return checked ? checked.value : "never";
  }
  function startTime() { return (startsInput.value.split("T")[1] || "00:00").slice(0, 5); }
  function startDate() { return startsInput.value.split("T")[0] || ""; }

  /** UNTIL in UTC (RFC 5545 with a zoned start): the end of the chosen Beijing day. */
  function untilUtc(date) {
    var end = new Date(date + "T23:59:59+08:00");
    return end.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  }

  function build() {
    if (!freq.value) { return ""; }
    var parts = ["FREQ=" + freq.value];
    if (freq.value === "WEEKLY") {
      var days = DAYS.filter(function (d, i) { return dayBoxes()[i].checked; });
      if (days.length) { parts.push("BYDAY=" + days.join(",")); }
    }
    var kind = endKind();
    if (kind === "until" && until.value) { parts.push("UNTIL=" + untilUtc(until.value)); }
    if (kind === "count" && count.value) { parts.push("COUNT=" + Number(count.value)); }
    return parts.join(";");
  }

  function renderSkipped() {
    skipList.replaceChildren();
    skipped.sort().forEach(function (date) {
      var item = document.createElement("li");
      item.dataset.date = date;
      item.append(date + " ");
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button secondary small";
      remove.textContent = t("repeat.remove");
      remove.setAttribute("aria-label", t("repeat.remove_date", { date: date }));
      remove.addEventListener("click", function () {
        skipped = skipped.filter(function (d) { return d !== date; });
        renderSkipped();
        skipDate.focus();
      });
      item.appendChild(remove);
      skipList.appendChild(item);
    });
  }

  function sync(fromBuilder) {
    var on = Boolean(freq.value);
    daysBox.hidden = freq.value !== "WEEKLY";
    endBox.hidden = !on;
    skipBox.hidden = !on;
    until.disabled = endKind() !== "until";
    count.disabled = endKind() !== "count";
    if (fromBuilder) { rruleInput.value = build(); }
    summary.textContent = rruleInput.value ? "RRULE: " + rruleInput.value : t("repeat.once");
  }

  /** Fill the builder from the rule the event has (edit page). */
  function load() {
    var text = rruleInput.value.trim().toUpperCase();
    if (!text) { return; }
    var parts = {};
    text.split(";").forEach(function (p) { var kv = p.split("="); parts[kv[0]] = kv[1]; });
    if (["DAILY", "WEEKLY", "MONTHLY"].indexOf(parts.FREQ) === -1) { return; }
    freq.value = parts.FREQ;
    (parts.BYDAY || "").split(",").forEach(function (d) {
      var input = document.getElementById("r-day-" + d);
      if (input) { input.checked = true; }
    });
    if (parts.COUNT) {
      box.querySelector('input[name="r-end-kind"][value="count"]').checked = true;
      count.value = parts.COUNT;
    } else if (parts.UNTIL) {
      box.querySelector('input[name="r-end-kind"][value="until"]').checked = true;
      var u = parts.UNTIL;
      var utc = new Date(Date.UTC(+u.slice(0, 4), +u.slice(4, 6) - 1, +u.slice(6, 8), +u.slice(9, 11) || 0, +u.slice(11, 13) || 0));
      until.value = new Date(utc.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10);
    }
  }

  var initial = document.getElementById("event-exdates");
  if (initial) {
    JSON.parse(initial.textContent).forEach(function (value) { skipped.push(String(value).slice(0, 10)); });
  }
  load();
  renderSkipped();
  sync(false);

  box.addEventListener("change", function (event) {
    if (event.target === skipDate) { return; }
    sync(true);
  });
  box.addEventListener("input", function (event) {
    if (event.target === until || event.target === count) { sync(true); }
  });
  rruleInput.addEventListener("input", function () { sync(false); });
  document.getElementById("r-skip-add").addEventListener("click", function () {
    var date = skipDate.value;
    if (date && skipped.indexOf(date) === -1) { skipped.push(date); }
    skipDate.value = "";
    renderSkipped();
  });
  // A weekly rule starts on the start's weekday by default (as RFC 5545 does without BYDAY).
  freq.addEventListener("change", function () {
    if (freq.value === "WEEKLY" && startDate() && !dayBoxes().some(function (b) { return b.checked; })) {
      var day = (new Date(startDate() + "T12:00:00+08:00").getUTCDay() + 6) % 7;
      dayBoxes()[day].checked = true;
      sync(true);
    }
  });

  window.LuohuRepeat = {
    /** Skipped occurrences as the API wants them: the date at the start's time, Beijing. */
    exdates: function () {
      if (!rruleInput.value) { return []; }
      return skipped.map(function (date) { return date + "T" + startTime() + ":00+08:00"; });
    },
  };
})();
