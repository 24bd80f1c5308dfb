// Gateway double (TEST EQUIPMENT, not product): which files Envoy writes access logs to because of
// EnvoyFilters, the rule as Istio applies it to the gateway (context GATEWAY):
//   - an EnvoyFilter in the config root namespace (`rootNamespace: higress-system`, higress-standalone
//     all-in-one/meshConfig/mesh) applies to every workload, the gateway included (Istio EnvoyFilter
//     reference, NOTE 3: istio.io/latest/docs/reference/config/networking/envoy-filter);
//   - a configPatch `applyTo: NETWORK_FILTER` whose match names `envoy.filters.network.http_connection_manager`
//     and whose operation is MERGE is merged into that filter "using proto merge semantics" (same reference,
//     Patch.Operation): a repeated field such as `access_log` is appended to, so the mesh's own log stays;
//   - each appended `envoy.access_loggers.file` (typed_config FileAccessLog) writes every request to `path`.
// The mesh access log itself is set by start-gateway.sh (higress-standalone all-in-one/scripts/start-gateway.sh:23-27).
const HCM = 'envoy.filters.network.http_connection_manager';
const FILE_LOGGER = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';

/** @param {Array<object>} envoyFilters the loaded EnvoyFilter objects @returns {string[]} paths inside the image */
export function fileAccessLogPaths(envoyFilters) {
  const paths = [];
  for (const filter of envoyFilters) {
    for (const patch of filter?.spec?.configPatches ?? []) {
      if (patch?.applyTo !== 'NETWORK_FILTER') continue;
      const context = patch.match?.context;
      if (context !== undefined && context !== 'GATEWAY' && context !== 'ANY') continue;
      if (patch.match?.listener?.filterChain?.filter?.name !== HCM) continue;
      if (patch.patch?.operation !== 'MERGE') continue;
      for (const log of patch.patch?.value?.typed_config?.access_log ?? []) {
        const config = log?.typed_config;
        if (config?.['@type'] === FILE_LOGGER && typeof config.path === 'string' && config.path) paths.push(config.path);
      }
    }
  }
  return [...new Set(paths)];
}
