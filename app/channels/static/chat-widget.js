/* Linedesk site chat widget: no framework, no cookies. Embed with
 *   <script src="https://DESK/channels/chat/widget.js" data-customer="ID.SIGNATURE" async></script>
 * (data-customer optional; without it the visitor gives an email address). Protocol: app/channels/chat.py. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script.src.replace(/\/channels\/chat\/widget\.js.*$/, "");
  var signed = script.getAttribute("data-customer") || "";
  var store = "linedesk-chat:" + base;
  var state = JSON.parse(localStorage.getItem(store) || "null");
  var after = 0, polling = false, sent = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;  // never innerHTML: everything shown is text
    return node;
  }

  var root = el("div", { id: "linedesk-chat", style: "position:fixed;right:16px;bottom:16px;width:320px;" +
    "font:14px/1.4 system-ui,sans-serif;z-index:2147483647" });
  var open = el("button", { type: "button", "data-ld": "open", style: "float:right;padding:10px 16px;border:0;" +
    "border-radius:20px;background:#1a73e8;color:#fff;cursor:pointer" }, "Chat with support");
  var panel = el("div", { "data-ld": "panel", hidden: "", style: "background:#fff;border:1px solid #ccc;" +
    "border-radius:8px;box-shadow:0 4px 16px rgba(0,0,0,.15);padding:10px" });
  var list = el("div", { "data-ld": "messages", style: "height:240px;overflow-y:auto;margin-bottom:8px" });
  var email = el("input", { type: "email", "data-ld": "email", placeholder: "Your email",
    style: "width:100%;box-sizing:border-box;margin-bottom:6px;padding:6px" });
  var text = el("textarea", { "data-ld": "text", placeholder: "Your message", rows: "2",
    style: "width:100%;box-sizing:border-box;padding:6px" });
  var send = el("button", { type: "button", "data-ld": "send", style: "margin-top:6px;padding:6px 14px" }, "Send");
  var error = el("div", { "data-ld": "error", role: "alert", style: "color:#b3261e;font-size:12px" });
  panel.append(list, email, text, send, error);
  root.append(panel, open);
  if (signed || state) email.hidden = true;

  function show(message) {
    var who = message.from === "visitor" ? "You" : (message.name || "Support");
    var row = el("div", { "data-ld": "message", "data-from": message.from,
      style: "margin:4px 0;text-align:" + (message.from === "visitor" ? "right" : "left") });
    row.append(el("b", {}, who + ": "), el("span", {}, message.text));
    list.append(row);
    list.scrollTop = list.scrollHeight;
  }

  function call(method, path, body) {
    return fetch(base + "/channels/chat" + path, {
      method: method, headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) throw new Error(data.error || r.status); return data; });
    });
  }

  function who() { return signed ? { customer: signed } : { email: state ? state.email : email.value.trim() }; }

  function poll() {
    if (polling || !state) return;
    polling = true;
    var q = "?key=" + encodeURIComponent(state.key) + "&identity=" + encodeURIComponent(state.identity) + "&after=" + after;
    call("GET", "/" + state.dialogue + "/events" + q).then(function (data) {
      data.messages.forEach(function (m) { after = Math.max(after, m.id); show(m); });
      polling = false; poll();
    }).catch(function () { polling = false; setTimeout(poll, 3000); });
  }

  function start() {
    if (state) return Promise.resolve(state);
    return call("POST", "/start", who()).then(function (data) {
      state = { dialogue: data.dialogue, key: data.key, identity: data.identity, email: who().email };
      localStorage.setItem(store, JSON.stringify(state));
      email.hidden = true;
      return state;
    });
  }

  send.addEventListener("click", function () {
    var words = text.value.trim();
    if (!words) return;
    error.textContent = "";
    start().then(function () {
      var body = Object.assign({ key: state.key, text: words, id: Date.now() + "-" + (sent++) }, who());
      return call("POST", "/" + state.dialogue + "/messages", body);
    }).then(function () { text.value = ""; poll(); })
      .catch(function (e) { error.textContent = e.message; });
  });
  open.addEventListener("click", function () { panel.hidden = !panel.hidden; if (!panel.hidden) poll(); });
  (document.body ? Promise.resolve() : new Promise(function (r) { addEventListener("DOMContentLoaded", r); }))
    .then(function () { document.body.append(root); });
})();
