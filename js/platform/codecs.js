// What the WebCodecs modules (players and encoders) share.

/** Closes a VideoDecoder/AudioDecoder/VideoEncoder/AudioEncoder unless it already is (an error closes it too). */
export function closeCodec(codec) {
  try {
    if (codec.state !== "closed") codec.close();
  } catch {
    // closed meanwhile
  }
}
