// The maps' base layer (the buyer's live map, the address pin), from the map element's
// data-tile-url, data-attribution and data-subdomains (what {s} stands for). The attribution
// says only whose map it is: Leaflet's own prefix, with its flag badge, goes. Without a tile
// URL there is no layer (null): the maps draw on a plain grid.
(function () {
  "use strict";
  window.mapTiles = function (map, el) {
    if (map.attributionControl) map.attributionControl.setPrefix(false);
    if (!el.dataset.tileUrl) return null;
    var tileOptions = { maxZoom: 19, attribution: el.dataset.attribution };
    if (el.dataset.subdomains) tileOptions.subdomains = el.dataset.subdomains;
    return L.tileLayer(el.dataset.tileUrl, tileOptions).addTo(map);
  };
})();
