// react/index.js — React bindings for the Verity SDK, written without JSX so no build step is needed:
// `<Inquiry {...options} />` renders the inline flow; `useVerityClient(options)` drives the modal.
// Both keep one flow per configuration: changing a callback prop does not reload the flow (callbacks are
// read through a ref at call time); changing any other option does (the old flow is destroyed first).

import { createElement, useEffect, useRef, useState } from 'react';
import { Client, mount } from '../src/index.js';

/** @typedef {import('../src/protocol.js').Obj} Obj */

const CALLBACKS = ['onLoad', 'onReady', 'onCancel', 'onComplete', 'onError', 'onEvent'];

/**
 * What identifies a flow: every option except callbacks and elements.
 * @param {Obj} o
 */
const keyOf = (o) =>
  JSON.stringify(Object.entries(o).filter(([, v]) => typeof v != 'function' && !(v instanceof Element)));

/**
 * The options with each callback forwarding to the latest props.
 * @param {{ current: Obj }} ref
 * @returns {Obj}
 */
const forwarding = (ref) => {
  /** @type {Obj} */
  const o = { ...ref.current };
  for (const k of CALLBACKS)
    if (typeof ref.current[k] == 'function') o[k] = (/** @type {unknown[]} */ ...a) => /** @type {Function} */ (ref.current[k])(...a);
  return o;
};

/**
 * The inline flow. `className` and `style` go to the wrapping element; everything else is a client option.
 * @param {Obj & { className?: string, style?: Obj }} props
 */
export function Inquiry(props) {
  const { className, style, ...options } = props;
  const el = useRef(/** @type {HTMLDivElement | null} */ (null));
  const latest = useRef(options);
  latest.current = options;
  const key = keyOf(options);
  useEffect(() => {
    const inline = mount(/** @type {HTMLDivElement} */ (el.current), forwarding(latest));
    return () => inline.destroy();
  }, [key]);
  return createElement('div', { ref: el, className, style });
}

/**
 * The modal flow as a hook: `{ open, cancel, isOpen, isLoading, client }`, re-rendering when the modal
 * opens, loads or closes.
 * @param {Obj} options
 */
export function useVerityClient(options) {
  const latest = useRef(options);
  latest.current = options;
  const [client, setClient] = useState(/** @type {Client | null} */ (null));
  const [, setTick] = useState(0);
  const key = keyOf(options);
  useEffect(() => {
    const o = forwarding(latest);
    const rerender = () => setTick((t) => t + 1);
    for (const k of ['onLoad', 'onCancel', 'onComplete', 'onError']) {
      const f = o[k];
      o[k] = (/** @type {unknown[]} */ ...a) => {
        rerender();
        if (typeof f == 'function') f(...a);
      };
    }
    const c = new Client(o);
    setClient(c);
    return () => c.destroy();
  }, [key]);
  return {
    client,
    isOpen: client ? client.isOpen : false,
    isLoading: client ? client.isLoading : true,
    open: () => {
      if (client) client.open();
      setTick((t) => t + 1);
    },
    /** @param {boolean} [force] */
    cancel: (force) => client && client.cancel(force),
  };
}
