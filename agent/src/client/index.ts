export { HearthClient, ApiError, type HealthReport, type InstallLine, type InstallResult } from './client.js';
export { retryingTransport, isNoAnswer, type RetryOptions } from './retry-transport.js';
export { fetchTransport, type Transport, type TransportRequest, type TransportResponse } from './transport.js';
export type { AppStatus, ServiceStatus, AppPhase } from '../apps/status.js';
export type { AgentEvent } from '../events.js';
export { DeviceClient, type DeviceInfo, type UpdatesInfo, type StoreApp, type PairedClient, type Invite } from './device-client.js';
