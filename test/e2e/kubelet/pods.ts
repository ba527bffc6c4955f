// The pods of the kubelet e2e suite, all created at once so their start-ups overlap.
const NODE = "e2e-node";
/** hostPort of pod extras on the node (loopback). */
export const HOST_PORT = 18_000 + (process.pid % 1000);

const pod = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, labels: { suite: "kubelet-e2e" } },
  spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, ...spec },
});
const busybox = (name: string, script: string, extra: Record<string, unknown> = {}) => ({
  name, image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", script], ...extra,
});

/** Two containers sharing the network namespace and an emptyDir. */
export const duo = pod("duo", {
  volumes: [{ name: "shared", emptyDir: {} }],
  containers: [
    // Always: the one image pull of the suite, for the Pulling/Pulled events.
    { ...busybox("web", "exec httpd -f -p 8080 -h /shared"), imagePullPolicy: "Always", volumeMounts: [{ name: "shared", mountPath: "/shared" }] },
    busybox("client", "echo hello-over-localhost > /data/index.html; while true; do wget -qO /tmp/got http://localhost:8080/index.html; sleep 0.5; done", {
      volumeMounts: [{ name: "shared", mountPath: "/data" }],
    }),
  ],
});

/** Exits at once, over and over. */
export const crash = pod("crash", { containers: [busybox("app", "echo crashing; exit 3")] });

/** httpd serves /healthz for three seconds, then the file goes and the liveness probe fails. */
export const liveness = pod("liveness", {
  containers: [busybox("app", "mkdir -p /www && echo ok > /www/healthz && httpd -p 8080 -h /www && sleep 3 && rm /www/healthz && exec sleep 3600", {
    livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 1 },
  })],
});

/** Ready only while /tmp/ready exists. */
export const readiness = pod("readiness", {
  containers: [busybox("app", "exec sleep 3600", {
    readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1, failureThreshold: 1 },
  })],
});

/** A tag the registry does not have. */
export const badimage = pod("badimage", { containers: [{ name: "app", image: "nginx:1.24.0-does-not-exist" }] });

/** Requests and limits that must reach Docker. */
export const limits = pod("limits", {
  containers: [busybox("app", "exec sleep 3600", { resources: { requests: { cpu: "250m", memory: "32Mi" }, limits: { cpu: "500m", memory: "64Mi" } } })],
});

/** One container leaves on SIGTERM, the other ignores it and must be SIGKILLed after the grace period. */
export const term = pod("term", {
  containers: [
    busybox("polite", "trap 'echo bye; exit 0' TERM; while true; do sleep 0.2; done"),
    busybox("stubborn", "trap '' TERM; while true; do sleep 0.2; done"),
  ],
});

/** ConfigMap and Secret as volumes and as env, plus the downward API. */
export const config = pod("config", {
  volumes: [{ name: "cm", configMap: { name: "e2e-config" } }, { name: "sec", secret: { secretName: "e2e-secret" } }],
  containers: [busybox("app", "exec sleep 3600", {
    volumeMounts: [{ name: "cm", mountPath: "/etc/cm" }, { name: "sec", mountPath: "/etc/sec", readOnly: true }],
    env: [
      { name: "GREETING", valueFrom: { configMapKeyRef: { name: "e2e-config", key: "greeting" } } },
      { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "e2e-secret", key: "password" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "COMBINED", value: "$(GREETING)-$(POD_NAME)" },
    ],
  })],
});

/** restartPolicy end states. */
export const neverOk = pod("never-ok", { restartPolicy: "Never", containers: [busybox("app", "echo done")] });
export const neverFail = pod("never-fail", { restartPolicy: "Never", containers: [busybox("app", "exit 7")] });
/** Fails once, then succeeds: the marker survives the restart in an emptyDir. */
export const onFailure = pod("onfailure", {
  restartPolicy: "OnFailure",
  volumes: [{ name: "state", emptyDir: {} }],
  containers: [busybox("app", "if [ -f /state/ran ]; then echo second; exit 0; fi; touch /state/ran; exit 1", { volumeMounts: [{ name: "state", mountPath: "/state" }] })],
});

/** Init containers in order, runAsUser, envFrom, hostPort, and startup + tcpSocket readiness probes. */
export const extras = pod("extras", {
  volumes: [{ name: "work", emptyDir: {} }],
  securityContext: { runAsUser: 1000 },
  initContainers: [
    busybox("first", "echo one > /work/order", { volumeMounts: [{ name: "work", mountPath: "/work" }] }),
    busybox("second", "echo two >> /work/order", { volumeMounts: [{ name: "work", mountPath: "/work" }] }),
  ],
  containers: [busybox("app", "cp /work/order /work/index.html && exec httpd -f -p 8080 -h /work", {
    volumeMounts: [{ name: "work", mountPath: "/work" }],
    envFrom: [{ prefix: "CM_", configMapRef: { name: "e2e-config" } }],
    ports: [{ containerPort: 8080, hostPort: HOST_PORT }],
    startupProbe: { exec: { command: ["test", "-f", "/work/index.html"] }, periodSeconds: 1, failureThreshold: 10 },
    readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
  })],
});

/** Created unbound; the test binds it through the binding subresource, as the scheduler does. */
export const unbound = { ...pod("bound-later", { containers: [busybox("app", "exec sleep 3600")] }) };
delete (unbound.spec as { nodeName?: string }).nodeName;

/** Every pod of the suite, as one List for `kubectl apply`. */
export const ALL = [duo, crash, liveness, readiness, badimage, limits, term, config, neverOk, neverFail, onFailure, extras, unbound];
// Documents one after another (kubectl reads a JSON stream); a v1 List fails kubectl's schema validation here.
export const podList = () => ALL.map((p) => JSON.stringify(p)).join("\n");
