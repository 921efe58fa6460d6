// The reference system's performance baseline (field-report.md, "Performance Baseline"), in ms.
export const FIELD_REPORT = {
  'POST /sessions': { avg: 1600, p99: 2700 },
  'GET /sessions/{id}': { avg: 120, p99: 190 },
  'DELETE /sessions/{id}': { avg: 5300, p99: 6400 },
  'GET /inventory (warm)': { avg: 200, p99: 540 },
  'GET /inventory (cold)': { avg: 5200, p99: 6600 },
} as const;
