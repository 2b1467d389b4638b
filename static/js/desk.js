/* The staff workspace's small helpers, no library: SLA countdowns that tick, and keyboard shortcuts
   (j/k move, o or Enter open, c claim, r reply, ? lists them). The words come translated from the
   page (meta desk-words), so the countdown reads as the server's labels do. */
(function () {
  "use strict";

  var words = {};
  var SOON_SECONDS = 3600;

  function format(template, values) {
    return template.replace(/%\((\w+)\)[sd]/g, function (_, key) { return String(values[key]); });
  }

  function span(seconds) {
    var minutes = Math.max(1, Math.floor(Math.abs(seconds) / 60));
    if (minutes < 60) return format(words.minutes, { minutes: minutes });
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 24) {
      return minutes ? format(words.hoursMinutes, { hours: hours, minutes: minutes }) : format(words.hours, { hours: hours });
    }
    var days = Math.floor(hours / 24);
    hours = hours % 24;
    return hours ? format(words.daysHours, { days: days, hours: hours }) : format(words.days, { days: days });
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (clock) {
      var due = Date.parse(clock.getAttribute("data-due"));
      if (isNaN(due)) return;
      var remaining = (due - now) / 1000;
      var state = remaining < 0 ? "overdue" : remaining <= SOON_SECONDS ? "soon" : "ok";
      var label = remaining < 0 ? format(words.overdue, { span: span(remaining) }) : format(words.dueIn, { span: span(remaining) });
      if (clock.classList.contains("sla-" + state) === false) {
        clock.classList.remove("sla-overdue", "sla-soon", "sla-ok");
        clock.classList.add("sla-" + state);
      }
      var target = clock.querySelector(".sla-clock-label") || clock;
      if (target.textContent !== label) target.textContent = label;
    });
  }

  function typing(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-rows tr[data-open-url]"));
  }

  function current() {
    return document.querySelector("#queue-rows tr.is-current");
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = all[Math.min(all.length - 1, Math.max(0, index === -1 ? 0 : index + step))];
    all.forEach(function (row) { row.classList.remove("is-current"); });
    next.classList.add("is-current");
    var link = next.querySelector(".row-link");
    if (link) link.focus();
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function post(url) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    var token = document.createElement("input");
    token.type = "hidden";
    token.name = "csrfmiddlewaretoken";
    token.value = csrfToken();
    form.appendChild(token);
    document.body.appendChild(form);
    form.submit();
  }

  function replyBox() {
    return document.getElementById("reply_text");
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return;
    var row = current();
    var key = event.key;
    if (key === "?") {
      if (dialog && dialog.showModal) { dialog.showModal(); event.preventDefault(); }
    } else if (key === "j" || key === "k") {
      move(key === "j" ? 1 : -1);
      event.preventDefault();
    } else if ((key === "o" || key === "Enter") && row) {
      if (key === "Enter" && event.target.closest && event.target.closest("a, button")) return;
      window.location.href = row.getAttribute("data-open-url");
      event.preventDefault();
    } else if (key === "c") {
      var claim = document.querySelector("#action-claim button[type=submit]");
      if (claim) { claim.click(); event.preventDefault(); }
      else if (row && row.getAttribute("data-claim-url")) { post(row.getAttribute("data-claim-url")); event.preventDefault(); }
    } else if (key === "r") {
      var box = replyBox();
      if (box) { box.focus(); event.preventDefault(); }
      else if (row) { window.location.href = row.getAttribute("data-open-url") + "#reply"; event.preventDefault(); }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.querySelector('meta[name="desk-words"]');
    if (source) {
      try { words = JSON.parse(source.getAttribute("content")); } catch (error) { words = {}; }
    }
    if (words.dueIn) {
      tick();
      // Labels count minutes: a tick each 15 s keeps them right without busy work. Reduced motion
      // turns off the highlight animation (CSS), not the text, which is what the clock says.
      window.setInterval(tick, 15000);
      document.body.addEventListener("htmx:afterSettle", tick);
    }
    document.addEventListener("keydown", onKey);
    if (window.location.hash === "#reply" && replyBox()) replyBox().focus();
  });
})();
