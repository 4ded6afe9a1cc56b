// Great-circle geometry for shipping distances and travel speeds. Pure, no reference data.

export interface LatLon {
  lat: number;
  lon: number;
}

/** Mean Earth radius (IUGG), the usual choice for haversine distances. */
export const EARTH_RADIUS_KM = 6371.0088;

const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Great-circle distance in kilometres between two points given in decimal degrees. */
export function haversineKm(a: LatLon, b: LatLon): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLon = toRadians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLon / 2) ** 2;
  // min() guards against h creeping above 1 by rounding for antipodal points.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Speed in km/h needed to cover the distance between two points in `elapsedMs`; Infinity when no time passed. */
export function impliedSpeedKmh(a: LatLon, b: LatLon, elapsedMs: number): number {
  const km = haversineKm(a, b);
  if (elapsedMs <= 0) return km === 0 ? 0 : Infinity;
  return km / (elapsedMs / 3_600_000);
}
