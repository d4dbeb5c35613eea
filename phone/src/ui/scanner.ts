// QR scanning with the camera through the Shape Detection API (BarcodeDetector), where the browser has it
// (Chrome on Android, Safari 17+ partly). Elsewhere the Pair screen offers paste and the 8-digit code instead.
import { h } from './dom.js';

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = new (opts: { formats: string[] }) => BarcodeDetectorLike;

export function canScan(): boolean {
  return 'BarcodeDetector' in globalThis && !!navigator.mediaDevices?.getUserMedia;
}

/** Opens the camera in `host`; resolves with the first QR code's text, or undefined when the owner cancels. */
export async function scanQr(host: HTMLElement): Promise<string | undefined> {
  const Detector = (globalThis as unknown as { BarcodeDetector: BarcodeDetectorCtor }).BarcodeDetector;
  const detector = new Detector({ formats: ['qr_code'] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  const video = h('video', { playsinline: true, muted: true, 'aria-label': 'Camera view: point it at the QR code on your Hearth' });
  video.srcObject = stream;
  let cancelled = false;
  const cancel = h('button', { type: 'button', onclick: () => (cancelled = true) }, 'Cancel scanning');
  const box = h('div', { class: 'scanner' }, video, cancel);
  host.appendChild(box);
  try {
    await video.play();
    while (!cancelled) {
      const codes = await detector.detect(video).catch(() => []);
      const hit = codes.find((c) => c.rawValue);
      if (hit) return hit.rawValue;
      await new Promise((r) => setTimeout(r, 250));
    }
    return undefined;
  } finally {
    for (const track of stream.getTracks()) track.stop();
    box.remove();
  }
}
