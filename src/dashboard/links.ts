// Links from the dashboard to a batch's run in the Temporal Web UI.

/** `${temporalUiUrl}/namespaces/${namespace}/workflows/${batchId}`: the UI shows the latest run of that id. */
export function batchRunUrl(temporalUiUrl: string, namespace: string, batchId: string): string {
  return `${temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(batchId)}`;
}
