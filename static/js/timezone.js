/* Zoho Store Sync: on a user's first visit, tell the server the browser's time zone (pages carry the
   #detect-time-zone form while the user has none). From the next page on, dates show in local time; the user can
   change it on the profile page. No reload: it would disturb whatever the user started doing on this page. */
(function () {
  "use strict";
  var form = document.getElementById("detect-time-zone");
  if (!form || !window.fetch || !window.Intl) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) { return; }
  form.elements.time_zone.value = zone;
  fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
    .catch(function () { /* the profile page still lets the user choose */ });
})();
