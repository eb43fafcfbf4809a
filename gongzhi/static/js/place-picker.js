/* The appeal form's place picker (appeals/_place_picker.html): a tap on the map or "使用我的位置" sets the form's
   hidden inputs `longitude` / `latitude` (WGS-84, six decimals) and asks GET /api/v1/regions/locate/ for the region,
   which is then chosen in the form's `region` select (the deepest of the answer's ancestors the select offers).
   Each input set fires `change`, so other parts of the form (the nearby-duplicates list) can follow. */
(function () {
  "use strict";
  function fire(input) { input.dispatchEvent(new Event("change", {bubbles: true})); }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("place-picker");
    if (!box || !window.L || !window.GongzhiMap) { return; }
    var form = box.closest("form");
    var lon = form.querySelector('input[name="longitude"]'), lat = form.querySelector('input[name="latitude"]');
    var region = form.querySelector('[name="region"]');
    if (!lon || !lat) { return; }
    var status = document.getElementById("place-status"), clear = document.getElementById("place-clear");
    // next to the region it fills
    var regionField = region && region.closest(".field");
    if (regionField) { regionField.parentNode.insertBefore(box, regionField.nextSibling); }
    box.hidden = false;
    var handle = GongzhiMap.create(document.getElementById("place-map"), {levels: ["county", "street", "community"]});
    var map = handle.map, marker = null, asked = 0;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    }

    function show(point) {
      var at = handle.toDisplay(point[0], point[1]);
      if (marker) { marker.setLatLng(at); } else {
        marker = L.marker(at, {icon: L.divIcon({className: "", html: '<span class="gz-pin place"></span>',
                                                iconSize: [20, 20], iconAnchor: [10, 10]}), keyboard: false})
          .addTo(map);
      }
    }

    function set(point) {
      lon.value = point ? point[0].toFixed(6) : "";
      lat.value = point ? point[1].toFixed(6) : "";
      fire(lon); fire(lat);
      clear.hidden = !point;
      if (!point && marker) { map.removeLayer(marker); marker = null; }
    }

    function choose(answer) {
      if (!region) { return; }
      var options = Array.prototype.map.call(region.options || [], function (o) { return o.value; });
      var found = (answer.ancestors || [answer]).find(function (a) { return options.indexOf(String(a.id)) !== -1; });
      if (found && region.value !== String(found.id)) { region.value = String(found.id); fire(region); }
    }

    function pick(point, zoom) {
      show(point);
      set(point);
      if (zoom) { map.setView(handle.toDisplay(point[0], point[1]), Math.max(map.getZoom(), 15)); }
      var mine = ++asked;
      var url = handle.config.locate + "?lon=" + point[0].toFixed(6) + "&lat=" + point[1].toFixed(6);
      fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(function (r) {
        return r.json().then(function (body) { return {status: r.status, body: body}; });
      }).then(function (res) {
        if (mine !== asked) { return; }
        if (res.status === 404) {
          set(null);
          say(box.dataset.outside, true);
          return;
        }
        if (res.status !== 200) { say(box.dataset.failed, true); return; }
        choose(res.body);
        var names = (res.body.ancestors || [res.body]).slice().reverse().map(function (a) { return a.name; });
        say(box.dataset.picked + names.join(" / "), false);
      }).catch(function () { if (mine === asked) { say(box.dataset.failed, true); } });
    }

    map.on("click", function (e) { pick(handle.fromDisplay(e.latlng), false); });
    clear.addEventListener("click", function () { set(null); say("", false); });
    document.getElementById("place-mine").addEventListener("click", function () {
      if (!navigator.geolocation) { say(box.dataset.noGeo, true); return; }
      say(box.dataset.locating, false);
      navigator.geolocation.getCurrentPosition(function (pos) {
        // browsers give WGS-84
        pick([Math.round(pos.coords.longitude * 1e6) / 1e6, Math.round(pos.coords.latitude * 1e6) / 1e6], true);
      }, function () { say(box.dataset.noGeo, true); }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
    // a form shown again (an error elsewhere) keeps the place picked
    if (lon.value && lat.value) {
      var point = [parseFloat(lon.value), parseFloat(lat.value)];
      if (isFinite(point[0]) && isFinite(point[1])) { show(point); clear.hidden = false; }
    }
  });
})();
