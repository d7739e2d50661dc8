/**
 * Run `fn` once the frame now being prepared has been painted: a requestAnimationFrame
 * callback runs before that paint, a message posted from it is handled after. Returns
 * a function that cancels it.
 */
export function afterPaint(fn: () => void): () => void {
  let cancelled = false;
  const frame = requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      if (!cancelled) fn();
    };
    channel.port2.postMessage(null);
  });
  return () => {
    cancelled = true;
    cancelAnimationFrame(frame);
  };
}
