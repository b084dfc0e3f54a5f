/* DOM helpers shared by the pages' ES modules (the board, the facilitator panel, the room,
   follow-up cards, possible partners). */

/* h("button", {class: "x", text: "Save", onclick: fn, disabled: true}, child, [children]…):
   "class" and "text" set className and textContent, "on<event>" adds a listener, true sets an
   empty attribute, false/null/undefined leave it out. Children may be nodes, strings, arrays. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v !== false && v !== null && v !== undefined) el.setAttribute(k, v === true ? '' : v);
  });
  children.flat().forEach((c) => c && el.append(c));
  return el;
}

/* An element with an optional class name. */
export function el(tag, cls) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  return e;
}

/* Set a node's text only when it changed (no needless layout or screen-reader chatter). */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/* One line of at most `max` characters, for toasts and announcements. */
export function short(text, max = 80) {
  text = String(text || '').replace(/\s+/g, ' ').trim();
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
