/* Zoho Store Sync: on a user's first visit, tell the server the browser's time zone (a page that needs it carries
   the #detect-time-zone form), then reload so dates show in local time. Changeable later on the profile page. */
(function () {
  "use strict";
  var form = document.getElementById("detect-time-zone");
  if (!form || !window.fetch || !window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) { return; }
  form.elements.time_zone.value = zone;
  fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (answer) {
      if (answer && answer.changed && answer.time_zone !== "UTC") { window.location.reload(); }
    })
    .catch(function () { /* the profile page still lets the user choose */ });
})();
