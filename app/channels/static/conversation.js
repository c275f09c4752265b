/* The conversation page: new messages appear without a reload (polls the page's JSON every 2 s). */
(function () {
  "use strict";
  var url = document.body.getAttribute("data-conversation");
  var list = document.getElementById("dialogue");
  if (!url || !list) return;
  function last() {
    var items = list.querySelectorAll("li[data-id]");
    return items.length ? parseInt(items[items.length - 1].getAttribute("data-id"), 10) : 0;
  }
  function add(m) {
    var li = document.createElement("li"), label = document.createElement("label");
    var box = document.createElement("input"), who = document.createElement("b");
    var at = document.createElement("span"), text = document.createElement("span");
    li.setAttribute("data-id", m.id); li.setAttribute("data-from", m.from);
    box.type = "checkbox"; box.name = "message"; box.value = m.id;
    who.textContent = m.name || "Customer"; at.className = "muted"; at.textContent = m.at;
    text.className = "text"; text.textContent = m.text;
    label.append(box, " ", who, " ", at, " ", text); li.append(label); list.append(li);
  }
  setInterval(function () {
    fetch(url + "?after=" + last(), { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) { (data.messages || []).forEach(add); }).catch(function () {});
  }, 2000);
})();
