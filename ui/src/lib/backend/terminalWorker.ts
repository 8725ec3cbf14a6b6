// The terminal WebSocket, run in a dedicated worker so that echoes reach the page
// without waiting for a frame. Chromium defers WebSocket tasks on the main thread until
// the frame after a key press ("DeferRendererTasksAfterInput"; the WebSocket task queue
// is deferrable, posted messages are not: third_party/blink/renderer/platform/scheduler/
// TaskSchedulingInBlink.md, "Frame Associated Task Types"), which put a whole extra
// frame (~17 ms) between a keystroke and its glyph. From here a frame is a posted
// message, which is not deferred.
//
// Messages in (from `http.ts`): `{ type: 'open', url }`, `{ type: 'send', data }` (binary
// input or a JSON control text), `{ type: 'close' }`.
// Messages out: `{ type: 'open' }`, `{ type: 'data', data: ArrayBuffer }` (transferred),
// `{ type: 'close', code, reason }`.
export type ToWorker = { type: 'open'; url: string } | { type: 'send'; data: string | Uint8Array } | { type: 'close' };
export type FromWorker =
  | { type: 'open' }
  | { type: 'data'; data: ArrayBuffer }
  | { type: 'close'; code: number; reason: string };

/** The parts of a dedicated worker's global scope used here (the DOM lib lacks its type). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker, transfer: Transferable[]): void;
  close(): void;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
let ws: WebSocket | null = null;

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'open' && !ws) {
    const s = new WebSocket(m.url);
    s.binaryType = 'arraybuffer';
    s.onopen = () => post({ type: 'open' });
    s.onmessage = (f: MessageEvent<ArrayBuffer | string>) => {
      // Output is binary; the server sends no text frames today (ignore any).
      if (f.data instanceof ArrayBuffer) post({ type: 'data', data: f.data }, [f.data]);
    };
    s.onclose = (c) => {
      post({ type: 'close', code: c.code, reason: c.reason });
      scope.close();
    };
    ws = s;
  } else if (m.type === 'send' && ws?.readyState === WebSocket.OPEN) {
    ws.send(m.data);
  } else if (m.type === 'close') {
    ws?.close(1000);
    scope.close();
  }
};
