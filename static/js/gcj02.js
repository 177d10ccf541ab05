// WGS-84 <-> GCJ-02, for tile servers drawn in GCJ-02 (Chinese providers). Positions are
// stored in WGS-84, as GPS gives them; only what is drawn is shifted. The forward transform is
// the same as webapp/delivery/geo.py (tests/delivery/test_geo.py compares them); outside China
// both directions leave a point unchanged.
(function () {
  "use strict";
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function outOfChina(lat, lng) { return !(lng > 73.66 && lng < 135.05 && lat > 3.86 && lat < 53.55); }
  function shiftLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function shiftLng(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
  }
  function toGcj02(lat, lng) {
    if (outOfChina(lat, lng)) return [lat, lng];
    var dLat = shiftLat(lng - 105.0, lat - 35.0), dLng = shiftLng(lng - 105.0, lat - 35.0);
    var rad = lat / 180.0 * PI, magic = 1 - EE * Math.pow(Math.sin(rad), 2);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dLng = (dLng * 180.0) / (A / sqrtMagic * Math.cos(rad) * PI);
    return [lat + dLat, lng + dLng];
  }

  // GCJ-02 -> WGS-84 by fixed-point iteration (the forward shift varies slowly): a point tapped
  // on a GCJ-02 map is stored as the WGS-84 point that would be drawn there, to well under 1 m.
  function toWgs84(lat, lng) {
    var wLat = lat, wLng = lng;
    for (var i = 0; i < 10; i++) {
      var g = toGcj02(wLat, wLng);
      var eLat = g[0] - lat, eLng = g[1] - lng;
      wLat -= eLat;
      wLng -= eLng;
      if (Math.abs(eLat) < 1e-9 && Math.abs(eLng) < 1e-9) break;
    }
    return [wLat, wLng];
  }

  window.Gcj02 = { toGcj02: toGcj02, toWgs84: toWgs84 };
})();
