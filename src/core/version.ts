/** Who is sending: the user-agent and OTLP's telemetry.sdk.* (kept equal to package.json by a test). */
export const SDK_NAME = "tracewire";
export const SDK_VERSION = "0.1.0";
