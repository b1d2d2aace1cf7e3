// The JSON the server sends (src/fleet/status.ts and src/dashboard/detail.ts), as the page reads it.
// Type-only imports: nothing of the server is bundled.
export type { FleetRow, FleetService, FleetStatus } from '../../fleet/status.js';
export type { EnvironmentDetail, Marker, RangeKey } from '../detail.js';
export type { MetricSeries } from '../../status/metrics.js';
