// Gateway double (TEST EQUIPMENT): Envoy's own log lines, as the gateway writes them to
// /var/log/higress/gateway.log (supervisord.conf:64-66: stdout there, stderr redirected into it).
//   level     start-gateway.sh:30 starts Envoy with --proxyLogLevel=${GATEWAY_LOG_LEVEL:-warning}; a wasm-go
//             plugin drops a line below Envoy's level (wasm-go pkg/wrapper/log_wrapper.go:73-82).
//   plugin    the plugin's text is prefixed "[<plugin name>] [<plugin id>] [<x_request_id or nil>] "
//             (log_wrapper.go:83-89).
//   envoy     what Envoy puts before it (time, level, "wasm log <plugin>:") follows Istio's default proxy log
//             format; that part is not from a source read here, so readers must rely only on a leading time and
//             the plugin's part.
const LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'];
const ENVOY_NAME = { warn: 'warning' };

/** Whether a plugin line of `level` ('info', 'warn', …) passes Envoy's level `threshold` (a GATEWAY_LOG_LEVEL). */
export function passes(level, threshold = 'warning') {
  const at = LEVELS.indexOf(String(threshold).toLowerCase());
  return LEVELS.indexOf(ENVOY_NAME[level] ?? level) >= (at === -1 ? LEVELS.indexOf('warning') : at);
}

/** One gateway.log line for a wasm plugin's message. */
export function wasmLogLine({ time = new Date(), level, plugin, pluginId = '', requestId = 'nil', message, resource = plugin }) {
  return `${time.toISOString()}\t${ENVOY_NAME[level] ?? level}\tenvoy wasm\twasm log ${resource}: [${plugin}] [${pluginId}] [${requestId || 'nil'}] ${message}`;
}
