// The app's entry for React 18 and 19 (createRoot).
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";

const root = createRoot(document.getElementById("root"));
root.render(createElement(App));
window.unmountApp = () => root.unmount();
