/**
 * Realistic pod manifests (about 1.5 KB of JSON, like a small Deployment's pod) for the
 * benchmark, so that list and watch figures reflect real object sizes.
 */

/** A pod object as a client would POST it. */
export type PodManifest = {
  apiVersion: "v1";
  kind: "Pod";
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string>; resourceVersion?: string };
  spec: Record<string, unknown>;
};

/** Builds pod `name` in `namespace`; `seq` lands in an annotation the fan-out test reads back. */
export function podManifest(namespace: string, name: string, seq = 0): PodManifest {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      labels: { app: "bench-web", tier: "frontend", "pod-template-hash": "7c9d8f6b5d", release: "stable" },
      annotations: {
        "bench.kates.io/seq": String(seq),
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9113",
      },
    },
    spec: {
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "default",
      nodeSelector: { "kubernetes.io/os": "linux" },
      containers: [
        {
          name: "web",
          image: "nginx:1.25.3",
          imagePullPolicy: "IfNotPresent",
          ports: [{ name: "http", containerPort: 80, protocol: "TCP" }],
          env: [
            { name: "LOG_LEVEL", value: "info" },
            { name: "CACHE_SIZE_MB", value: "256" },
            { name: "UPSTREAM_URL", value: "http://backend.default.svc.cluster.local:8080" },
          ],
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          readinessProbe: { httpGet: { path: "/healthz", port: 80 }, initialDelaySeconds: 2, periodSeconds: 5 },
          volumeMounts: [{ name: "config", mountPath: "/etc/nginx/conf.d", readOnly: true }],
        },
        {
          name: "exporter",
          image: "nginx/nginx-prometheus-exporter:1.1.0",
          args: ["--nginx.scrape-uri=http://127.0.0.1/stub_status"],
          ports: [{ name: "metrics", containerPort: 9113, protocol: "TCP" }],
          resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "50m", memory: "32Mi" } },
        },
      ],
      volumes: [{ name: "config", configMap: { name: "web-config" } }],
      tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    },
  };
}
