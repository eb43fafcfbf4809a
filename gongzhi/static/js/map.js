/* gongzhi maps: one small module over Leaflet (vendored) that every map page uses.

   GongzhiMap.create(element, options) draws the regions' boundaries (from the config's `boundaries` URL) on the
   configured tiles, or on a plain ground when there are none (an intranet, the tests). Points are WGS-84
   [longitude, latitude] everywhere in the platform; when the tiles are GCJ-02 (高德, 腾讯) they are moved to GCJ-02
   for display (gcoord) and a tapped point is moved back, so what is stored stays WGS-84.

   The configuration is the JSON in <script id="map-config"> (core/maps.py): {tiles, attribution, subdomains, crs,
   boundaries, locate}. */
(function () {
  "use strict";
  var LIGHT_ORDER = ["red", "yellow", "green", "none"];
  var STYLES = {
    county: {color: "#b4372f", weight: 3, fill: false},
    street: {color: "#52606d", weight: 2, fillColor: "#ffffff", fillOpacity: 0.35},
    community: {color: "#7b8794", weight: 1, fill: false},
    grid: {color: "#9aa5b1", weight: 1, dashArray: "3 4", fill: false}
  };

  function config() {
    var el = document.getElementById("map-config");
    return el ? JSON.parse(el.textContent) : {};
  }

  function round6(v) { return Math.round(v * 1e6) / 1e6; }

  function Converter(crs) {
    var gcj = crs === "gcj02" && window.gcoord;
    return {
      toDisplay: function (lon, lat) {
        if (gcj) { var p = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02); return L.latLng(p[1], p[0]); }
        return L.latLng(lat, lon);
      },
      fromDisplay: function (latlng) {
        if (gcj) {
          var p = gcoord.transform([latlng.lng, latlng.lat], gcoord.GCJ02, gcoord.WGS84);
          return [round6(p[0]), round6(p[1])];
        }
        return [round6(latlng.lng), round6(latlng.lat)];
      },
      geojson: function (data) {
        return gcj ? gcoord.transform(JSON.parse(JSON.stringify(data)), gcoord.WGS84, gcoord.GCJ02) : data;
      }
    };
  }

  function icon(kind) {
    return L.divIcon({className: "", html: '<span class="gz-pin ' + kind + '"></span>', iconSize: [20, 20],
                      iconAnchor: [10, 10], popupAnchor: [0, -8]});
  }

  function clusterIcon(cluster) {
    var worst = "none";
    cluster.getAllChildMarkers().forEach(function (m) {
      var light = m.options.light || "none";
      if (LIGHT_ORDER.indexOf(light) < LIGHT_ORDER.indexOf(worst)) { worst = light; }
    });
    var n = cluster.getChildCount();
    return L.divIcon({className: "", html: '<span class="gz-cluster ' + worst + '" data-count="' + n + '">' + n +
                      "</span>", iconSize: [36, 36], iconAnchor: [18, 18]});
  }

  function escapeHtml(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function create(element, options) {
    options = options || {};
    var cfg = config();
    var conv = Converter(cfg.crs);
    var map = L.map(element, {attributionControl: !!cfg.tiles, zoomSnap: 0.25, maxZoom: 18, minZoom: 3,
                              zoomControl: options.zoomControl !== false});
    var styles = Object.assign({}, STYLES, options.styles || {});
    element.gongzhiMap = map;
    if (cfg.tiles) {
      L.tileLayer(cfg.tiles, {attribution: cfg.attribution || "", subdomains: cfg.subdomains || "abc",
                              maxZoom: 18}).addTo(map);
    }
    map.setView([35, 105], 4);  // China, until the boundaries or the points say where
    var fitted = false, extent = null;
    function fit(bounds) {  // the points' extent when there are points, else the boundaries'
      bounds = bounds || extent;
      if (bounds && bounds.isValid()) { map.fitBounds(bounds, {padding: [28, 28], maxZoom: 16}); }
    }
    var levels = options.levels || ["county", "street", "community"];
    var boundaries = fetch(cfg.boundaries, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.json() : {type: "FeatureCollection", features: []};
    }).then(function (data) {
      data.features = data.features.filter(function (f) { return levels.indexOf(f.properties.level) !== -1; });
      var layer = L.geoJSON(conv.geojson(data), {
        interactive: false,
        style: function (f) { return styles[f.properties.level] || styles.community; }
      }).addTo(map);
      layer.bringToBack();
      if (options.labels !== false) {
        data.features.forEach(function (f) {
          if (f.properties.level !== (options.labelLevel || "street")) { return; }
          var one = L.geoJSON(conv.geojson(f));
          L.tooltip({permanent: true, direction: "center", className: "gz-region-label", interactive: false})
            .setLatLng(one.getBounds().getCenter()).setContent(escapeHtml(f.properties.name)).addTo(map);
        });
      }
      extent = layer.getBounds();
      if (!fitted) { fit(); }
      element.dataset.boundaries = String(data.features.length);
      return data;
    }).catch(function () { return null; });

    function pins(points, opts) {
      opts = opts || {};
      var group = opts.cluster && L.markerClusterGroup ?
        L.markerClusterGroup({iconCreateFunction: clusterIcon, showCoverageOnHover: false, maxClusterRadius: 50}) :
        L.layerGroup();
      var bounds = L.latLngBounds([]);
      points.forEach(function (p) {
        var at = conv.toDisplay(p.longitude, p.latitude);
        var marker = L.marker(at, {icon: icon(opts.kind ? opts.kind(p) : (p.light || "none")), light: p.light,
                                   title: p.title || p.name || "", keyboard: true});
        if (opts.popup) { marker.bindPopup(opts.popup(p, escapeHtml)); }
        group.addLayer(marker);
        bounds.extend(at);
      });
      group.addTo(map);
      if (points.length && opts.fit !== false) { fitted = true; fit(bounds); }
      element.dataset.pins = String(points.length);
      return group;
    }

    // a phone turned, a hidden tab shown: Leaflet measures its box once
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(element);
    }
    return {map: map, boundaries: boundaries, pins: pins, fit: fit, toDisplay: conv.toDisplay,
            fromDisplay: conv.fromDisplay, config: cfg, escapeHtml: escapeHtml};
  }

  window.GongzhiMap = {create: create, config: config, escapeHtml: escapeHtml};

  function popup(p, esc) {
    var title = esc(p.title || p.name);
    var head = p.number ? esc(p.number) + "<br>" : "";
    var sub = p.subtitle ? '<br><span class="small muted">' + esc(p.subtitle) + "</span>" : "";
    return head + (p.url ? '<a href="' + esc(p.url) + '">' + title + "</a>" : title) + sub;
  }

  function kind(p) { return p.kind_class || p.light || "none"; }

  function read(id) {
    var source = id && document.getElementById(id);
    if (!source) { return []; }
    var data = JSON.parse(source.textContent);
    return Array.isArray(data) ? data : data.points;
  }

  // <div class="gz-map" data-points="ID of a json_script" data-cluster="1" data-overlay="ID">: a map drawn from the
  // page's data without a script of its own. Points: {longitude, latitude, title|name, number?, subtitle?, url?,
  // light? (red|yellow|green|none), kind_class? (red-resource|activity|hot)}; the overlay's are never clustered.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".gz-map[data-points]").forEach(function (el) {
      var handle = create(el, {levels: (el.dataset.levels || "county,street,community").split(",")});
      handle.pins(read(el.dataset.points), {cluster: el.dataset.cluster === "1", kind: kind, popup: popup});
      if (el.dataset.overlay) {
        handle.pins(read(el.dataset.overlay), {kind: kind, popup: popup, fit: false});
        el.dataset.pins = String(read(el.dataset.points).length);
      }
    });
  });
})();
