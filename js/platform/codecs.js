// What the WebCodecs modules (players and encoders) share.

/** Closes a VideoDecoder/AudioDecoder/VideoEncoder/AudioEncoder unless it already is (an error closes it too). */
export function closeCodec(codec) {
  try {
    if (codec.state !== "closed") codec.close();
  } catch {
    // closed meanwhile
  }
}

/**
 * Why WebCodecs is missing, in words for the user: browsers offer WebCodecs only in a secure context
 * (https, or http on localhost), so on a plain http page of another host the browser is not to blame.
 * `api` names the missing class, `purpose` what it was needed for, e.g. "to show streams".
 */
export function missingWebCodecsMessage(api, purpose) {
  if (globalThis.isSecureContext === false) {
    const origin = globalThis.location?.origin;
    return (
      `Petrichor needs WebCodecs ${purpose}, and browsers offer it only in a secure context: ` +
      `open this page over https, or on localhost${origin ? ` (it is ${origin})` : ""}.`
    );
  }
  return `This browser has no WebCodecs (${api}); Petrichor needs it ${purpose}.`;
}
