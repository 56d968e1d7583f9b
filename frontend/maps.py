"""Map links residents use, built from a venue's coordinates.

Stored coordinates are WGS-84: the datum of `geo:` URIs and iCal GEO, which the site and the
calendar feeds already publish them as. Amap (高德) and Tencent maps place markers in GCJ-02,
China's obfuscated datum (about 300-500 m off WGS-84 in Shenzhen), so their links get converted
coordinates; Baidu's link takes GCJ-02 too (`coord_type=gcj02`, it converts to its own BD-09);
OpenStreetMap uses WGS-84 as stored.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlencode

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 transform.
_A = 6378245.0
_EE = 0.00669342162296594323


def _out_of_china(lat: float, lon: float) -> bool:
    # GCJ-02 shifts only points inside China's bounding box; elsewhere it equals WGS-84.
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _shift_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert WGS-84 latitude/longitude to GCJ-02 (the datum of Amap and Tencent maps)."""
    if _out_of_china(lat, lon):
        return lat, lon
    d_lat = _shift_lat(lon - 105.0, lat - 35.0)
    d_lon = _shift_lon(lon - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lon + d_lon


@dataclass(frozen=True)
class MapLink:
    label: str
    url: str


def map_links(
    *, latitude: Decimal | float, longitude: Decimal | float, name: str, labels: dict[str, str]
) -> list[MapLink]:
    """Links to the place in Amap, Baidu, Tencent maps and OpenStreetMap, plus a `geo:` URI.

    `labels` gives each link's text by key (amap, baidu, tencent, osm, geo).
    """
    lat, lon = float(latitude), float(longitude)
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    gcj = f"{g_lat:.6f},{g_lon:.6f}"
    gcj_lonlat = f"{g_lon:.6f},{g_lat:.6f}"
    wgs = f"{lat:.6f},{lon:.6f}"
    app = "luohu-sports"
    return [
        MapLink(
            labels["amap"],
            "https://uri.amap.com/marker?"
            + urlencode({"position": gcj_lonlat, "name": name, "coordinate": "gaode"}),
        ),
        MapLink(
            labels["baidu"],
            "https://api.map.baidu.com/marker?"
            + urlencode(
                {
                    "location": gcj,
                    "title": name,
                    "content": name,
                    "coord_type": "gcj02",
                    "output": "html",
                    "src": app,
                }
            ),
        ),
        MapLink(
            labels["tencent"],
            "https://apis.map.qq.com/uri/v1/marker?"
            + urlencode({"marker": f"coord:{gcj};title:{name}", "referer": app}, quote_via=quote),
        ),
        MapLink(
            labels["osm"],
            f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}",
        ),
        MapLink(labels["geo"], f"geo:{wgs}"),
    ]
