// imaginebot admin dashboard: applies the live sections of /admin/events
// (HTML rendered by the server) and posts the dashboard's forms with
// fetch, showing the outcome at the top. Plain JavaScript, no framework;
// without it the page works with plain forms and reloads.
"use strict";
(function () {
  var dash = document.getElementById("dash");
  if (!dash) {
    return;
  }
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var notice = document.getElementById("dash-notice");
  var error = document.getElementById("dash-error");
  var conn = document.getElementById("dash-connection");
  var sections = ["queue", "backends", "charts", "blocks", "gallery"];

  function show(ok, text) {
    notice.textContent = ok ? text : "";
    error.textContent = ok ? "" : text;
  }

  dash.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (f.tagName !== "FORM" || f.getAttribute("action").indexOf("/admin/") !== 0) {
      return;
    }
    ev.preventDefault();
    var btn = f.querySelector('button[type="submit"]');
    if (btn) {
      btn.disabled = true;
    }
    show(true, dash.dataset.working || "");
    dash.dataset.pending = String((Number(dash.dataset.pending) || 0) + 1);
    fetch(f.getAttribute("action"), {
      method: "POST",
      body: new FormData(f),
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (d) {
        show(r.ok, r.ok ? (d.message || "") : (d.error || r.statusText));
      });
    }).catch(function (e) {
      show(false, String(e));
    }).then(function () {
      if (btn) {
        btn.disabled = false;
      }
      dash.dataset.pending = String(Number(dash.dataset.pending) - 1);
    });
  });

  if (window.EventSource) {
    var es = new EventSource(dash.dataset.live);
    sections.forEach(function (name) {
      var el = document.getElementById("dash-" + name);
      es.addEventListener(name, function (e) {
        // The server renders it with html/template: text is escaped.
        el.innerHTML = e.data;
        dash.dataset.updates = String((Number(dash.dataset.updates) || 0) + 1);
      });
    });
    es.onopen = function () { conn.hidden = true; };
    es.onerror = function () { conn.hidden = false; };
  }
})();
