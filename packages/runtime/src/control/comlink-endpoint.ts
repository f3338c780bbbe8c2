import type { MessagePort } from 'node:worker_threads';
import type { Endpoint } from 'comlink';

type Listener = Parameters<Endpoint['addEventListener']>[1];

/**
 * Adapt a worker_threads MessagePort to Comlink's Endpoint (DOM-style
 * events). Comlink ships the same idea as node-adapter.mjs, which has no
 * usable type declarations under NodeNext resolution.
 */
export function portEndpoint(port: MessagePort): Endpoint {
  const wrapped = new Map<Listener, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: unknown[]) =>
      port.postMessage(message, transfer as readonly ArrayBuffer[] | undefined),
    addEventListener: (_type: string, listener: Listener) => {
      const l = (data: unknown) => {
        const ev = { data } as MessageEvent;
        if (typeof listener === 'function') listener(ev);
        else listener.handleEvent(ev);
      };
      wrapped.set(listener, l);
      port.on('message', l);
    },
    removeEventListener: (_type: string, listener: Listener) => {
      const l = wrapped.get(listener);
      if (!l) return;
      port.off('message', l);
      wrapped.delete(listener);
    },
  };
}
