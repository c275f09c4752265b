// Linedesk web panel: ticking ages, and changes by others shown without a reload (polling a small JSON).
// Google Identity Services calls this with the ID token; the page POSTs it with its CSRF token.
window.linedeskGoogleSignIn = function (response) {
  var form = document.getElementById("google-sign-in");
  form.elements.credential.value = response.credential;
  form.submit();
};

(function () {
  "use strict";
  var body = document.body;
  var serverNow = Date.parse(body.dataset.now || "") || Date.now();
  var loaded = Date.now();

  function span(seconds) {
    var m = Math.floor(seconds / 60);
    if (m >= 60) return Math.floor(m / 60) + " h " + (m % 60) + " min";
    if (m >= 1) return m + " min " + Math.floor(seconds % 60) + " s";
    return Math.floor(seconds) + " s";
  }
  function tick() {
    var now = serverNow + (Date.now() - loaded);
    document.querySelectorAll("time.age[data-since]").forEach(function (el) {
      el.textContent = span(Math.max(0, (now - Date.parse(el.dataset.since)) / 1000));
    });
  }
  tick();
  setInterval(tick, 1000);

  var url = body.dataset.poll, version = body.dataset.version;
  if (!url) return;
  function typing() {
    return Array.prototype.some.call(document.querySelectorAll("main textarea, .action input[type=text]"),
                                     function (el) { return el.value.trim() !== ""; });
  }
  function collision(others) {
    var box = document.getElementById("collision");
    if (!box || !others) return;
    box.textContent = others.map(function (o) {
      return o.name + (o.replying ? " is replying to" : " is viewing") + " this ticket.";
    }).join(" ");
    box.hidden = others.length === 0;
  }
  function poll() {
    var target = url + (url.indexOf("?") < 0 ? "?" : "&") + "replying=" + (typing() ? "1" : "0");
    fetch(target, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) collision(data.others);
        if (!data || !data.version || data.version === version) return;
        if (typing()) { document.getElementById("changed").hidden = false; }  // keep what is being written
        else { window.location.reload(); }
      })
      .catch(function () {});
  }
  setInterval(poll, parseInt(body.dataset.pollMs || "2000", 10));
})();
