// petrichor-react: the Rainway component of @rainway/react 0.5, for Petrichor. Install it under the
// original's name (npm install @rainway/react@npm:petrichor-react) and an app's imports stay as they are.
// Plain ES module, no JSX, no build step; React 17, 18 and 19.
import { createElement, useEffect, useRef } from "react";

const BASE_STYLE = { display: "flex", alignItems: "center", justifyContent: "center", height: "100%" };

/**
 * A div (flex, centred, full height, merged with `style`) that shows `stream.container` while
 * `stream` is set, and `children` (a fallback) while it is not. The container is taken out again
 * when the stream changes or the component unmounts; errors in doing so are ignored (the app may
 * have moved it).
 */
export function Rainway({ stream, style, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const element = ref.current;
    const container = stream?.container;
    if (!element || !container) return undefined;
    try {
      element.appendChild(container);
    } catch {
      return undefined;
    }
    return () => {
      try {
        element.removeChild(container);
      } catch {
        // already moved or removed elsewhere
      }
    };
  }, [stream]);
  return createElement("div", { ref, style: { ...BASE_STYLE, ...style } }, stream ? null : children);
}
