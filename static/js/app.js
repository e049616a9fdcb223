/* Zoho Store Sync: a little plain JavaScript on top of pages that work without it.
   Copy buttons, the sync option's sections, the mapping window's rows, confirmations, and progress polling. */
(function () {
  "use strict";

  function copyText(text, button) {
    function done() { button.textContent = "Copied"; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else { fallbackCopy(text); done(); }
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text; area.setAttribute("readonly", ""); area.style.position = "absolute"; area.style.left = "-9999px";
    document.body.appendChild(area); area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (button) { copyText(document.getElementById(button.dataset.copy).textContent.trim(), button); }
  });

  // Confirmation for forms that undo something (the page still works without it).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // The Zoho API console link follows the chosen data center.
  var consoles = document.getElementById("zoho-consoles");
  var dcSelect = document.getElementById("id_data_center");
  var consoleLink = document.getElementById("zoho-console-link");
  if (consoles && dcSelect && consoleLink) {
    var urls = JSON.parse(consoles.textContent || "{}");
    dcSelect.addEventListener("change", function () { if (urls[dcSelect.value]) { consoleLink.href = urls[dcSelect.value]; } });
  }

  // "Don't Sync any Customer data" hides the API credential sections (DecoNetwork shows them for the other options).
  var options = document.querySelectorAll("input[name=sync_option]");
  function showForOption() {
    var checked = document.querySelector("input[name=sync_option]:checked");
    var none = checked && checked.value === "none";
    document.querySelectorAll("[data-hide-when-none]").forEach(function (el) { el.hidden = none; });
    document.querySelectorAll("[data-show-when-none]").forEach(function (el) { el.hidden = !none; });
  }
  if (options.length) {
    options.forEach(function (input) { input.addEventListener("change", showForOption); });
    showForOption();
  }

  // Mapping window: "Add new field" and "Delete" without a round trip.
  var rows = document.querySelector("[data-mapping-rows]");
  var template = document.getElementById("mapping-row-template");
  function renumber() {
    rows.querySelectorAll("tr").forEach(function (tr, i) {
      tr.querySelectorAll("[data-row-label]").forEach(function (el) {
        el.setAttribute("aria-label", el.dataset.rowLabel + (el.dataset.rowLabel === "Delete row" ? " " : ", row ") + (i + 1));
      });
    });
  }
  // A row's fixed value is typed only when "Fixed value…" is chosen (without JavaScript it always shows).
  function showFixedValue(select) {
    var input = select.parentNode.querySelector(".fixed-value");
    if (input) { input.hidden = select.value !== "="; }
  }
  if (rows) {
    rows.querySelectorAll("select[name=store_field]").forEach(showFixedValue);
    rows.addEventListener("change", function (event) {
      if (event.target.matches("select[name=store_field]")) { showFixedValue(event.target); }
    });
  }
  if (rows && template) {
    document.addEventListener("click", function (event) {
      if (event.target.closest("[data-add-row]")) {
        event.preventDefault();
        rows.appendChild(template.content.cloneNode(true));
        showFixedValue(rows.querySelector("tr:last-child select[name=store_field]"));
        renumber();
        rows.querySelector("tr:last-child select").focus();
      } else if (event.target.closest("[data-delete-row]")) {
        event.preventDefault();
        event.target.closest("tr").remove();
        renumber();
      }
    });
  }

  function poll(url, every, onData) {
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && onData(data) !== false) { window.setTimeout(tick, every); } })
        .catch(function () { window.setTimeout(tick, every * 3); });
    }
    window.setTimeout(tick, every);
  }

  // A run's progress bar, fed by the running sync or reset; the page reloads for the final report.
  document.querySelectorAll("[data-progress-url]").forEach(function (box) {
    var bar = box.querySelector("progress");
    poll(box.dataset.progressUrl, 1500, function (data) {
      if (data.total) { bar.max = data.total; bar.value = data.done; }
      ["done", "total", "percent", "phase_label", "waiting"].forEach(function (name) {
        var field = box.querySelector("[data-field=" + name + "]");
        if (field) { field.textContent = data[name]; field.hidden = name === "waiting" && !data[name]; }
      });
      if (data.finished) { window.location.reload(); return false; }
    });
  });

  // Dashboard: follow a connection's newest run until it appears and finishes, then show it.
  document.querySelectorAll("[data-status-url]").forEach(function (card) {
    if (card.dataset.watch !== "1" && card.dataset.active !== "1") { return; }
    poll(card.dataset.statusUrl, 2000, function (data) {
      var changed = String(data.latest_run || 0) !== card.dataset.run;
      if (changed || (card.dataset.active === "1" && !data.active)) {
        window.location.reload(); return false;
      }
    });
  });
})();
