// Types of petrichor-react, as @rainway/react 0.5 typed its component.
import type { CSSProperties, ReactElement, ReactNode } from "react";
import type { InboundStream } from "@rainway/web";

export interface RainwayProps {
  /** The stream to show; its `container` is appended into the component's div while it is set. */
  stream?: InboundStream | null;
  /** Merged over the div's own style (display flex, centred, height 100%). */
  style?: CSSProperties;
  /** Shown while there is no stream. */
  children?: ReactNode;
}

/** A div that shows `stream.container`, or `children` while there is no stream. */
export declare function Rainway(props: RainwayProps): ReactElement;
