/**
 * A terminal progress bar (cli-progress) for loading and saving large checkpoints. It
 * appears on its own for transfers of at least `AUTO_PROGRESS_BYTES` when stderr is a
 * terminal; `progress: true` forces it, `false` silences it, and a function receives the
 * raw reports instead.
 */
import cliProgress from 'cli-progress';
import { AUTO_PROGRESS_BYTES, type ProgressOption, type ProgressSink } from '../progress.js';

export type { ProgressOption, ProgressSink };



const MB = 2 ** 20;

/**
 * Makes a sink for a transfer of `totalBytes`.
 *
 * @example
 * const sink = progressSink(undefined, ckpt.totalBytes, 'Loading model.safetensors');
 * try { for await (const [name] of ckpt.entries({ onProgress: sink.onProgress })) console.log(name); } finally { sink.stop(); }
 */
export function progressSink(option: ProgressOption, totalBytes: number, title: string): ProgressSink {
  if (typeof option === 'function') return { onProgress: option, stop() {} };
  const show = option === true || (option === undefined && totalBytes >= AUTO_PROGRESS_BYTES && Boolean(process.stderr?.isTTY));
  if (!show) return { onProgress: undefined, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${title} [{bar}] {percentage}% | {done}/{total} MB | {tensor}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const totalMb = (totalBytes / MB).toFixed(0);
  bar.start(Math.max(totalBytes, 1), 0, { done: '0', total: totalMb, tensor: '' });
  return {
    onProgress: (p) => bar.update(p.bytesDone, { done: (p.bytesDone / MB).toFixed(0), total: totalMb, tensor: p.tensor }),
    stop: () => bar.stop(),
  };
}

/**
 * A terminal bar with a caller-chosen format (cli-progress placeholders), e.g. for training steps.
 * @example const bar = terminalBar('LoRA |{bar}| {value}/{total} | loss {loss}', 200, { loss: '—' }); bar.update(1, { loss: '2.1' }); bar.stop();
 */
export function terminalBar(format: string, total: number, payload: Record<string, unknown> = {}): { update(value: number, payload: Record<string, unknown>): void; stop(): void } {
  const bar = new cliProgress.SingleBar({ format, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, payload);
  return bar;
}
