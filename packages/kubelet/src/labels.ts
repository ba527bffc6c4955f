/**
 * Labels and annotations the kubelet puts on sandboxes and containers through the shim. They
 * are how a restarted kubelet finds its pods' containers again (adoption): io.kubernetes.*
 * as cri-dockerd and the real kubelet use them, plus kates' own bookkeeping.
 */
export const LABEL_POD_NAME = "io.kubernetes.pod.name";
export const LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
export const LABEL_POD_UID = "io.kubernetes.pod.uid";
export const LABEL_CONTAINER_NAME = "io.kubernetes.container.name";
/** "init" or "app", so status code knows which list a container belongs to. */
export const LABEL_CONTAINER_KIND = "io.kates.kubelet.container-kind";
/** The image as the pod spec names it (the status shows this, not the resolved reference). */
export const ANNOTATION_IMAGE = "io.kubernetes.container.image";
export const ANNOTATION_RESTART_COUNT = "io.kubernetes.container.restartCount";
export const ANNOTATION_TERMINATION_GRACE = "io.kubernetes.pod.terminationGracePeriod";
