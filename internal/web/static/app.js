// imaginebot playground: posts the form with fetch, shows each job at
// once, and applies the live updates of /events to the job cards. Plain
// JavaScript, no framework; the page works without it (plain forms).
"use strict";
(function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var jobs = document.getElementById("jobs");
  var tpl = document.getElementById("job-template");
  var noJobs = document.getElementById("no-jobs");
  var form = document.getElementById("imagine");
  var formError = document.getElementById("form-error");
  var conn = document.getElementById("connection");
  if (!jobs || !tpl) {
    return;
  }

  function nonce() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  function role(el, name) {
    return el.querySelector('[data-role="' + name + '"]');
  }

  function card(id) {
    var el = document.getElementById("job-" + id);
    if (!el) {
      el = tpl.content.firstElementChild.cloneNode(true);
      el.id = "job-" + id;
      el.dataset.job = id;
      jobs.insertBefore(el, jobs.firstChild);
      if (noJobs) {
        noJobs.hidden = true;
      }
    }
    return el;
  }

  function setSrc(img, url) {
    if (img.getAttribute("src") !== url) {
      img.src = url;
    }
  }

  function button(a) {
    if (a.download) {
      var l = document.createElement("a");
      l.className = "button";
      l.href = a.url;
      l.download = a.name;
      l.textContent = a.label;
      return l;
    }
    var f = document.createElement("form");
    f.method = "post";
    f.action = a.url;
    var h = document.createElement("input");
    h.type = "hidden";
    h.name = "csrf";
    h.value = csrf;
    var b = document.createElement("button");
    b.type = "submit";
    b.dataset.kind = a.kind;
    b.textContent = a.label;
    f.appendChild(h);
    f.appendChild(b);
    return f;
  }

  // render applies a job's view to its card, creating it if needed. The
  // first <img> shows the previews, then the first image of the result.
  function render(v) {
    var el = card(v.id);
    el.dataset.state = v.state;
    role(el, "prompt").textContent = v.prompt || "";
    var line = role(el, "line");
    line.textContent = v.line || "";
    line.classList.toggle("error", !!v.failed);
    role(el, "progress").value = v.progress || 0;
    var box = role(el, "images");
    var imgs = box.getElementsByTagName("img");
    if (imgs.length === 0) {
      box.appendChild(document.createElement("img"));
    }
    if (v.images && v.images.length) {
      v.images.forEach(function (im, i) {
        var img = imgs[i];
        if (!img) {
          img = box.appendChild(document.createElement("img"));
        }
        img.alt = im.alt;
        img.width = im.width;
        img.height = im.height;
        setSrc(img, im.url);
      });
    } else if (v.preview) {
      setSrc(imgs[0], v.preview);
    }
    role(el, "caption").textContent = v.caption || "";
    var acts = role(el, "actions");
    acts.replaceChildren.apply(acts, (v.actions || []).map(button));
    return el;
  }

  // post sends a form with fetch; it returns the JSON answer, or shows the
  // refusal in errEl and returns null.
  function post(url, body, errEl) {
    errEl.textContent = "";
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (d) {
        if (!r.ok) {
          errEl.textContent = d.error || r.statusText;
          return null;
        }
        return d;
      });
    }).catch(function (e) {
      errEl.textContent = String(e);
      return null;
    });
  }

  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var t0 = performance.now();
      var fd = new FormData(form);
      fd.set("nonce", nonce());
      var btn = form.querySelector('button[type="submit"]');
      btn.disabled = true;
      post("/imagine", fd, formError).then(function (v) {
        btn.disabled = false;
        if (v && v.id) {
          render(v);
          // For measurements: from submit to the job's place shown.
          document.body.dataset.submitToShownMs = String(performance.now() - t0);
        }
      });
    });
  }

  jobs.addEventListener("submit", function (ev) {
    var f = ev.target;
    var el = f.closest(".job");
    if (!el) {
      return;
    }
    ev.preventDefault();
    var fd = new FormData(f);
    fd.set("nonce", nonce());
    post(f.action, fd, role(el, "error")).then(function (v) {
      if (v && v.id) {
        render(v);
      }
    });
  });

  // The live updates. The browser retries a dropped stream by itself, but
  // not one the server refused (429, say): then the EventSource is CLOSED
  // and a fresh one is opened after a delay that doubles up to a minute.
  if (window.EventSource) {
    var delay = 2000;
    var listen = function () {
      var es = new EventSource("/events");
      es.addEventListener("job", function (e) {
        render(JSON.parse(e.data));
      });
      es.onopen = function () { conn.hidden = true; delay = 2000; };
      es.onerror = function () {
        conn.hidden = false;
        if (es.readyState === EventSource.CLOSED) {
          setTimeout(listen, delay);
          delay = Math.min(delay * 2, 60000);
        }
      };
    };
    listen();
  }
})();
