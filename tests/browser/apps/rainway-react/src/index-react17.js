// The app's entry for React 17 (ReactDOM.render).
import { createElement } from "react";
import { render, unmountComponentAtNode } from "react-dom";
import { App } from "./app.js";

const element = document.getElementById("root");
render(createElement(App), element);
window.unmountApp = () => unmountComponentAtNode(element);
