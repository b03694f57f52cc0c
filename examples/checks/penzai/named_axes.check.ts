// Assertions on examples/penzai/named_axes.ipynb (Penzai's named_axes tutorial): the values
// each Penzai step produces, computed by hand, and heatmaps for arrays shown as cell values.
import { cell, ensure, expectAllRan, expectArrayViewer, expectShape, type NotebookSummary } from '../lib.ts';

export default function check(s: NotebookSummary): void {
  expectAllRan(s);
  const wrap = cell(s, '// check: wrap');
  ensure(wrap.stdout.includes('Positional shape: [3,4]') && wrap.stdout.includes('Named shape: {}'), `wrap: ${wrap.stdout}`);
  ensure(wrap.mimes.includes('text/html'), 'a positional NamedArray as a cell value shows its heatmap');
  expectArrayViewer(cell(s, '// check: tag'), 'float32', { foo: 3, bar: 4 });
  ensure(cell(s, '// check: untag').stdout.includes('Positional shape: [4]\nNamed shape: {"foo":3}'), 'untag');
  ensure(cell(s, '// check: not-a-tensor').stdout.includes('must be a Tensor'), 'a NamedArray is not a tensor');
  const shapes = cell(s, '// check: nmap-shapes').stdout;
  // The mapped function sees only positional axes: [3,4], then [], then [4].
  ensure(/shape \[3,4\][\s\S]*shape \[\][\s\S]*shape \[4\]/.test(shapes), `nmap shapes: ${shapes}`);
  // arange(12) as 3×4: row sums 0+1+2+3=6, 4+…+7=22, 8+…+11=38; column sums 12, 15, 18, 21.
  ensure(shapes.includes('sums over bar, per foo: [6,22,38]'), shapes);
  const sums = cell(s, '// check: nmap-sum').stdout;
  ensure(sums.includes('sum over foo: [12,15,18,21]') && sums.includes('sum over bar: [6,22,38]'), sums);
  const att = cell(s, '// check: attention');
  expectShape(att.stdout, 'scores:', { query_seq: 10, heads: 4, key_seq: 10 });
  ensure(att.stdout.includes('rows sum to 1: true'), att.stdout);
  const m = cell(s, '// check: methods').stdout;
  expectShape(m, 'a + b:', { foo: 3, bar: 4, baz: 5 });
  ensure(m.includes('untag(foo).sum() names: {"bar":4} equals sum("foo"): true'), m);
  const std = /std over foo, bar=0: (\S+) by hand: (\S+)/.exec(m);
  ensure(std && std[1] === std[2], `std vs hand: ${m}`);
  const idx = cell(s, '// check: indexing').stdout;
  ensure(idx.includes('take: {"bar":4} [7]') && idx.includes('dict index: {"bar":2}'), idx);
  expectArrayViewer(cell(s, '// check: gather'), 'float32', { batch: 5, seq: 20 });
  const lay = cell(s, '// check: layout').stdout;
  ensure(lay.includes('data axes: ["foo",0,"baz"]') && lay.includes('positional prefix: [0,"foo","baz"] [4,3,5]'), lay);
  const cons = cell(s, '// check: constructors');
  // foo > bar over 10×10: 0+1+…+9 = 45 true cells.
  ensure(cons.stdout.includes('true count: 45'), cons.stdout);
  expectArrayViewer(cons, 'bool', { foo: 10, bar: 10 });
  const b = cell(s, '// check: broadcast').stdout;
  ensure(b.includes('broadcastTo([3]): [3] {"foo":10}'), b);
  ensure(cell(s, '// check: stack').stdout.includes('stack: {"bar":3,"foo":10} float32'), 'stack promotes int32 to float32');
  ensure(cell(s, '// check: prefix').stdout.includes('[12] {"foo":10,"bar":11}\n[10,12] {"bar":11}'), 'tagPrefix/untagPrefix');
  ensure(cell(s, '// check: random').stdout.includes('[2] {"batch":16}\ndraws: {"batch":16} [4]'), 'random keys');
}
