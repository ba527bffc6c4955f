/**
 * kubectl's channel protocol over WebSocket (v4/v5.channel.k8s.io): every binary message
 * starts with one channel byte. v5 adds channel 255, whose message [255, n] closes the
 * client's channel n (kubectl sends [255, 0] at stdin EOF).
 */
export const Channel = { Stdin: 0, Stdout: 1, Stderr: 2, Error: 3, Resize: 4, Close: 255 } as const;

/** Subprotocols we speak, preferred first. */
export const CHANNEL_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

/** Prefixes data with its channel byte. */
export function encodeChannel(channel: number, data: Buffer | string): Buffer {
  const payload = typeof data === "string" ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from([channel]), payload]);
}

/** Splits a message into channel and payload; undefined for an empty message. */
export function decodeChannel(msg: Buffer): { channel: number; data: Buffer } | undefined {
  if (msg.length === 0) return undefined;
  return { channel: msg[0]!, data: msg.subarray(1) };
}

/** The metav1.Status sent on channel 3 when the command ends. */
export function exitStatus(code: number): Record<string, unknown> {
  if (code === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command, exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

/** A Status for a failure before or instead of an exit code (no such container, runtime error). */
export function errorStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: "Failure", message, reason: "InternalError", code: 500 };
}

/** Parses a resize message ({"Width":..,"Height":..}); undefined when malformed. */
export function parseResize(data: Buffer): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(data.toString()) as { Width?: unknown; Height?: unknown };
    if (typeof v.Width !== "number" || typeof v.Height !== "number") return undefined;
    return { width: v.Width, height: v.Height };
  } catch {
    return undefined;
  }
}
