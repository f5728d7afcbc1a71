/* Live queue: one websocket (/ws/v1/) authenticated with a single-use ticket from the console;
   on any queue event the list is fetched again from the server, which decides what this person
   may see. No business logic here: the server renders every row.
   hx-boost swaps page bodies without reloading scripts, so this follows page changes itself. */
(function () {
  "use strict";
  var QUEUE_EVENTS = { "signal.routed": "new", "signal.claimed": "claimed", "signal.updated": "updated" };
  var live = null;

  function csrf() { return document.querySelector('meta[name="csrf-token"]').content; }

  function setStatus(state) {
    document.body.dataset.live = state;
    var el = document.getElementById("live-status");
    if (el && el.dataset[state]) { el.textContent = el.dataset[state]; }
  }

  function announce(root, what) {
    var text = what === "new" ? root.dataset.newText : what === "claimed" ? root.dataset.claimedText : "";
    var el = document.getElementById("live-announce");
    if (el && text) { el.textContent = text; }
  }

  function refresh(state) {
    clearTimeout(state.timer);
    // Coalesce bursts (an admin hears every team) into one request.
    state.timer = setTimeout(function () {
      if (state.stopped || !document.getElementById("queue-list")) { return; }
      htmx.ajax("GET", state.root.dataset.listUrl, { target: "#queue-list", swap: "outerHTML" }).then(function () {
        document.body.dataset.refreshed = String(Date.now());
      });
    }, 150);
  }

  function retry(state) {
    if (state.stopped) { return; }
    setStatus("offline");
    setTimeout(function () { connect(state); }, state.delay);
    state.delay = Math.min(state.delay * 2, 30000);
  }

  function connect(state) {
    if (state.stopped) { return; }
    setStatus("connecting");
    fetch(state.root.dataset.ticketUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
      .then(function (r) { if (!r.ok) { throw new Error("ticket " + r.status); } return r.json(); })
      .then(function (body) {
        if (state.stopped) { return; }
        var scheme = location.protocol === "https:" ? "wss:" : "ws:";
        var socket = new WebSocket(scheme + "//" + location.host + "/ws/v1/?ticket=" + encodeURIComponent(body.ticket));
        state.socket = socket;
        socket.onmessage = function (message) {
          var event;
          try { event = JSON.parse(message.data); } catch (e) { return; }
          if (event.type === "welcome") {
            state.delay = 1000;
            setStatus("connected");
            refresh(state); // catch up on what happened while the socket was away
          } else if (QUEUE_EVENTS[event.type]) {
            announce(state.root, QUEUE_EVENTS[event.type]);
            refresh(state);
          }
        };
        socket.onclose = function () { state.socket = null; retry(state); };
      })
      .catch(function () { retry(state); });
  }

  function stop() {
    if (!live) { return; }
    live.stopped = true;
    clearTimeout(live.timer);
    if (live.socket) { live.socket.close(); }
    live = null;
    document.body.dataset.live = "off";
  }

  function start() {
    var root = document.querySelector("[data-live-queue]");
    if (live && live.root === root) { return; }
    stop();
    if (!root || !window.WebSocket || !window.htmx) { return; }
    live = { root: root, socket: null, stopped: false, delay: 1000, timer: null };
    connect(live);
  }

  setInterval(function () {
    if (live && live.socket && live.socket.readyState === 1) { live.socket.send('{"type":"ping"}'); }
  }, 25000);
  document.addEventListener("htmx:afterSettle", start);
  start();
})();
