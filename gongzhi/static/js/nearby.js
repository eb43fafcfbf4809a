/* Nearby duplicates while an appeal is typed (appeals/_nearby.html): asks POST /api/v1/appeals/similar/ when the
   inputs named title, content, region, longitude or latitude change (debounced), lists what it finds, and lets a
   resident co-sign (附议) one of them without leaving the form: nothing typed is lost. */
(function () {
  "use strict";
  var FIELDS = ["title", "content", "region", "longitude", "latitude"];

  function csrf(form) {
    var input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; }).replace("%%", "%");
  }

  function setup(box) {
    var form = box.closest("form");
    var list = box.querySelector(".nearby-list");
    var timer = null, last = "", seq = 0;

    function draft() {
      var d = {};
      FIELDS.forEach(function (name) {
        var value = "";
        if (box.dataset.staff && box.dataset.exclude) {
          value = box.dataset[name] || "";
        } else if (form && form.elements[name]) {
          value = form.elements[name].value || "";
        }
        d[name] = value.trim();
      });
      if (!d.region) { delete d.region; }
      if (!d.latitude || !d.longitude) { delete d.latitude; delete d.longitude; }
      return d;
    }

    function item(row, body) {
      var li = document.createElement("li");
      li.className = "nearby-item";
      li.dataset.id = row.id;
      var title = document.createElement(box.dataset.staff ? "a" : "strong");
      title.textContent = row.title;
      if (box.dataset.staff) { title.href = "/appeals/" + row.id + "/"; }
      var meta = document.createElement("div");
      meta.className = "small muted";
      var where = row.distance_m === null ? box.dataset.tCommunity : fmt(box.dataset.tMeters, {m: row.distance_m});
      meta.textContent = [row.number || "", where, fmt(box.dataset.tSimilar, {p: Math.round(row.similarity * 100)})]
        .filter(Boolean).join(" · ");
      li.appendChild(title);
      li.appendChild(meta);
      if (box.dataset.staff) { return li; }
      if (box.dataset.canCosign) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn small";
        button.textContent = box.dataset.tCosign;
        button.addEventListener("click", function () { cosign(row, body, li, button); });
        li.appendChild(button);
      } else {
        var link = document.createElement("a");
        link.className = "btn small secondary";
        link.href = box.dataset.login;
        link.textContent = box.dataset.tLogin;
        li.appendChild(link);
      }
      return li;
    }

    function cosign(row, body, li, button) {
      button.disabled = true;
      var old = li.querySelector(".error");
      if (old) { old.remove(); }
      fetch(box.dataset.cosignUrl.replace("/0/", "/" + row.id + "/"), {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(form), "Accept": "application/json"},
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (data) { return {ok: r.ok, data: data}; });
      }).then(function (res) {
        if (!res.ok) { throw new Error(res.data.detail || box.dataset.tError); }
        var done = document.createElement("p");
        done.className = "alert ok small";
        done.setAttribute("role", "status");
        done.textContent = box.dataset.tDone;
        button.replaceWith(done);
      }).catch(function (err) {
        button.disabled = false;
        var p = document.createElement("p");
        p.className = "alert error small";
        p.setAttribute("role", "alert");
        p.textContent = err.message || box.dataset.tError;
        li.appendChild(p);
      });
    }

    function ask() {
      var body = draft();
      var key = JSON.stringify(body);
      if (key === last) { return; }
      last = key;
      if ((body.title + body.content).length < 4 || (!body.region && !body.latitude)) {
        box.hidden = true;
        return;
      }
      var mine = ++seq;
      fetch(box.dataset.url, {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(form), "Accept": "application/json"},
        body: key
      }).then(function (r) { return r.ok ? r.json() : []; }).then(function (rows) {
        if (mine !== seq) { return; }
        rows = rows.filter(function (row) { return String(row.id) !== box.dataset.exclude; });
        list.textContent = "";
        rows.forEach(function (row) { list.appendChild(item(row, body)); });
        box.hidden = rows.length === 0;
      }).catch(function () { box.hidden = true; });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(ask, 600);
    }

    if (box.dataset.staff && box.dataset.exclude) {
      ask();
      return;
    }
    if (!form) { return; }
    // shown where the eye is: right under the place field (or the text), not below the attachments
    var anchor = form.elements.region || form.elements.content;
    var field = anchor && anchor.closest && anchor.closest(".field");
    if (field) { field.after(box); }
    form.addEventListener("input", function (e) { if (FIELDS.indexOf(e.target.name) >= 0) { later(); } });
    form.addEventListener("change", function (e) { if (FIELDS.indexOf(e.target.name) >= 0) { later(); } });
    later();  // a form shown again after an error already holds text
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-nearby]"), setup);
  });
})();
