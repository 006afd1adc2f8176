// Splits an H.264 Annex-B byte stream (as ffmpeg writes it with access unit delimiters) into access
// units, and tells keyframes (an IDR slice) apart.

/** Positions of start codes (00 00 01, or 00 00 00 01) in bytes: [{at, length}] */
function startCodes(bytes, from) {
  const found = [];
  for (let i = from; i + 3 <= bytes.length; i++) {
    if (bytes[i] === 0 && bytes[i + 1] === 0) {
      if (bytes[i + 2] === 1) {
        const four = i > from && bytes[i - 1] === 0;
        found.push({ at: four ? i - 1 : i, nal: i + 3 });
        i += 2;
      }
    }
  }
  return found;
}

/** Feeds bytes in, gets whole access units out (each starting with its access unit delimiter, in canonical form). */
export class AnnexBSplitter {
  #pending = new Uint8Array(0);

  /** Returns the access units completed by these bytes: [{data, keyframe}]. */
  push(chunk) {
    const bytes = new Uint8Array(this.#pending.length + chunk.length);
    bytes.set(this.#pending);
    bytes.set(chunk, this.#pending.length);
    const units = [];
    let unitStart = -1;
    let keyframe = false;
    let consumed = 0;
    for (const { at, nal } of startCodes(bytes, 0)) {
      if (nal >= bytes.length) break; // the NAL header is not here yet
      const type = bytes[nal] & 0x1f;
      if (type === 9) {
        if (unitStart >= 0) units.push({ data: canonicalAnnexB(bytes.subarray(unitStart, at)), keyframe });
        unitStart = at;
        keyframe = false;
        consumed = at;
      } else if (type === 5) {
        keyframe = true;
      }
    }
    // Keep the unfinished unit from its delimiter on; it is scanned again with the next bytes.
    this.#pending = bytes.slice(unitStart >= 0 ? unitStart : consumed);
    return units;
  }

  /** The last access unit, once the stream has ended (null if there is none). */
  flush() {
    const rest = this.#pending;
    this.#pending = new Uint8Array(0);
    return rest.length > 0 ? { data: canonicalAnnexB(rest), keyframe: isKeyframe(rest) } : null;
  }
}

/**
 * Rewrites an access unit in the form the client receives: a 4-byte start code before every NAL unit
 * and no trailing zero bytes (RTP carries NAL units, not start codes, so this is what survives the trip).
 */
export function canonicalAnnexB(accessUnit) {
  const codes = startCodes(accessUnit, 0);
  const units = codes.map(({ nal }, i) => {
    let end = i + 1 < codes.length ? codes[i + 1].at : accessUnit.length;
    while (end > nal && accessUnit[end - 1] === 0) end--;
    return accessUnit.subarray(nal, end);
  }).filter((unit) => unit.length > 0);
  const out = new Uint8Array(units.reduce((sum, unit) => sum + 4 + unit.length, 0));
  let at = 0;
  for (const unit of units) {
    out.set([0, 0, 0, 1], at);
    out.set(unit, at + 4);
    at += 4 + unit.length;
  }
  return out;
}

/** True if an Annex-B access unit holds an IDR slice. */
export function isKeyframe(accessUnit) {
  return startCodes(accessUnit, 0).some(({ nal }) => nal < accessUnit.length && (accessUnit[nal] & 0x1f) === 5);
}
