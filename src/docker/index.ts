// Loaded lazily (`await import('./docker/index.js')`) by the commands that need an engine.
export * from './auth.js';
export * from './container.js';
export * from './container-io.js';
export * from './endpoints.js';
export * from './engine.js';
export * from './pull.js';
export * from './pull-progress.js';
export * from './ports.js';
export * from './wait.js';
