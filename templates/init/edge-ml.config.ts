// edge-ml project configuration, validated when the CLI loads it (an unknown key or a bad value is an error that
// names the key). Every field is optional; these are the defaults.
export default {
  edge: {
    /** Largest accepted request body in bytes (413 above). */
    maxBodyBytes: 1048576,
    /** Most instances in one request (400 above). */
    maxBatch: 256,
  },
  dev: {
    port: 8787,
  },
};
