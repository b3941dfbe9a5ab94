// Inlined at the top of the page: sends the opened page's first API requests at once, while the
// libraries load (a quarter of a second on a busy machine), instead of after them. They are the very
// requests the page makes (same URL, same token, same purpose), each taken once by api.js; nothing
// else is asked, and without a token nothing is sent.
(function () {
  "use strict";
  var early = (window.cityhubEarly = {});
  var store = window.sessionStorage;
  var token = store.getItem("cityhub.token");
  if (!token) return;
  var purpose;
  try {
    var stated = JSON.parse(store.getItem("cityhub.purpose") || "null") || {};
    var number = (stated.case_number || "").trim();
    purpose = number ? "case:" + number : stated.code || undefined;
  } catch (e) {
    purpose = undefined;
  }
  // as api.js builds a query: keys in order, empty values left out
  function query(pairs) {
    var search = new URLSearchParams();
    pairs.forEach(function (pair) {
      if (pair[1] !== undefined && pair[1] !== null && pair[1] !== "") search.append(pair[0], pair[1]);
    });
    var text = search.toString();
    return text ? "?" + text : "";
  }
  function send(path, pairs) {
    var url = path + query(pairs);
    early[url] = fetch(url, { headers: { Accept: "application/json", Authorization: "Bearer " + token } });
    early[url].catch(function () {}); // a failure is reported when the page takes it
  }
  // a script a page needs, loading beside its data; scripts.js takes it instead of loading it again
  early.scripts = {};
  function script(src) {
    var tag = document.createElement("script");
    early.scripts[src] = new Promise(function (resolve, reject) {
      tag.onload = resolve;
      tag.onerror = reject;
    });
    early.scripts[src].catch(function () {});
    tag.src = src;
    document.head.appendChild(tag);
  }
  // as cockpit-data.js writes days: the browser's own day, and the first day of a month `back` before
  function pad(n) {
    return String(n).padStart(2, "0");
  }
  function isoDay(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }
  function monthStart(day, back) {
    var parts = day.split("-").map(Number);
    return isoDay(new Date(parts[0], parts[1] - 1 - back, 1));
  }
  var hash = window.location.hash.replace(/^#/, "");
  var cut = hash.indexOf("?");
  var route = (cut < 0 ? hash : hash.slice(0, cut)).split("/").map(function (part) {
    try {
      return encodeURIComponent(decodeURIComponent(part));
    } catch (e) {
      return null;
    }
  });
  var asked = new URLSearchParams(cut < 0 ? "" : hash.slice(cut + 1));
  var page = route[1];
  var id = route[2];
  send("/purposes", []); // the header names the purpose stated (shell.js), on every page
  if (page === "people" && id && route.length === 3 && purpose) {
    send("/people/" + id, [["purpose", purpose]]);
    send("/people/" + id + "/timeline", [["purpose", purpose], ["limit", 10], ["offset", 0]]);
  } else if (page === "places" && id && route.length === 3) {
    send("/places/" + id + "/residents", [["limit", 10], ["offset", 0]]);
    send("/places/" + id, []);
  } else if (page === "cases" && id && route.length === 3) {
    send("/cases/" + id + "/timeline", [["limit", 20], ["offset", 0]]);
    send("/graph/Case/" + id + "/neighbours", [["depth", 2], ["limit", 100], ["purpose", purpose]]);
    send("/cases/" + id, []);
  } else if (page === "graph" && id && route[3] && route.length === 4) {
    script("/workbench/vendor/cytoscape.min.js"); // the graph is drawn with it: part of the page
    var node = "/graph/" + id + "/" + route[3];
    send(node, id === "Person" ? [["purpose", purpose]] : []);
    send(node + "/neighbours", [["depth", 1], ["limit", 40], ["offset", 0], ["purpose", purpose]]);
  } else if (page === "escalating" && route.length === 2) {
    var filters = [["district", asked.get("district")], ["category", asked.get("category")]];
    send("/escalations", filters.concat([["limit", 15], ["offset", 0]]));
  } else if (page === "cockpit" && route.length === 2) {
    // as cockpit.js and cockpit-data.js ask, ECharts with them: the charts are part of the page
    script("/workbench/vendor/echarts-charts.js");
    var day = asked.get("day") || isoDay(new Date());
    send("/stats", [["limit", 100], ["by", "source"], ["from", day], ["to", day]]);
    send("/stats", [["limit", 100], ["by", "department"]]);
    send("/stats", [["compare", "true"], ["from", monthStart(day, 0)], ["to", day]]);
    send("/stats", [["limit", 100], ["by", "month"], ["from", monthStart(day, 11)], ["to", day]]);
    send("/stats/hotspots", [["kind", "place"], ["limit", 8]]);
    send("/alerts", [["latest", 30]]);
    if (purpose) send("/stats/hotspots", [["kind", "person"], ["purpose", purpose], ["limit", 8]]);
  } else if (page === "search" && route.length === 2 && (asked.get("q") || "").trim()) {
    send("/search", [
      ["q", asked.get("q").trim()],
      ["kind", asked.get("kind")],
      ["source", asked.get("source")],
      ["district", asked.get("district")],
      ["category", asked.get("category")],
      ["time_from", asked.get("from") && asked.get("to") ? asked.get("from") : undefined],
      ["time_to", asked.get("from") && asked.get("to") ? asked.get("to") : undefined],
      ["limit", 20],
      ["offset", Number(asked.get("offset") || 0)],
      ["purpose", purpose],
    ]);
  }
})();
