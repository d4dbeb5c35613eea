// A tiny element builder: enough DOM for the screens without a framework. Text always goes in as text nodes,
// so nothing from the device (app names, log lines) is ever parsed as HTML.
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;
export type Child = Node | string | number | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A <dl> of label/value rows. */
export function facts(rows: Array<[string, Child]>): HTMLDListElement {
  const dl = h('dl', { class: 'facts' });
  for (const [k, v] of rows) append(dl, [h('dt', {}, k), h('dd', {}, v)]);
  return dl;
}
