import * as tf from '@tensorflow/tfjs';
import { Struct } from '../tree/struct.js';
import { child, staticField } from '../tree/fields.js';
import { keyPathToString } from '../tree/keypath.js';
import { select } from '../select/selection.js';
import { tensorsIn, type Layer, type SideInputs } from '../core/layer.js';
import { Parameter } from './parameter.js';

let nextLabel = 0;

/**
 * A mutable value carried by a tree (Penzai's `pz.StateVariable`): a layer reads `v.value`
 * and may assign a new one during a call (a counter, a running statistic, a cache). It is the
 * one node in a tree that changes in place, as in Penzai; `unbindStateVars` / `statelessCall`
 * turn a stateful tree into a pure function of its state.
 *
 * Tensors assigned during a call survive the call's `tf.tidy`. Old values are not freed (the
 * caller may still hold them).
 *
 * @example
 * class Counter extends Layer.define('Counter', { count: child<StateVariable<number>>() }) {
 *   protected forward(x: unknown) { this.count.value += 1; return x; } }
 * const c = new Counter({ count: new StateVariable({ value: 0, label: 'calls' }) });
 * c.call(x); c.count.value; // 1
 */
export class StateVariable<V = unknown> {
  readonly label: string;
  #value: V;
  constructor(f: { value: V; label?: string }) {
    if (f.label !== undefined && (typeof f.label !== 'string' || !f.label)) throw new TypeError(`StateVariable label must be a non-empty string; got ${String(f.label)}.`);
    this.label = f.label ?? `state_${nextLabel++}`;
    this.#value = keepTensors(f.value);
  }
  /** The current value. @example counter.count.value */
  get value(): V {
    return this.#value;
  }
  set value(v: V) {
    this.#value = keepTensors(v);
  }
  /** @example String(v) // 'StateVariable(calls)' */
  toString(): string {
    return `StateVariable(${this.label})`;
  }
}

/** Keeps tensors assigned inside a tidy scope (a layer's call) alive after it ends. */
function keepTensors<V>(v: V): V {
  for (const t of tensorsIn(v)) tf.keep(t);
  return v;
}

/**
 * The place of a state variable in an unbound tree (Penzai's `StateVariableSlot`).
 * @example unbindStateVars(model).tree // StateVariables replaced by StateVariableSlot({label})
 */
export class StateVariableSlot extends Struct.define('StateVariableSlot', { label: staticField<string>() }) {
  /** Reading an unbound slot fails with the fix. @example slot.value // throws */
  get value(): never {
    throw new Error(`State variable '${this.label}' is unbound: run the tree with statelessCall(tree, values, input), or rebind it with bindStateVars(tree, values).`);
  }
}

/**
 * A frozen snapshot of a state variable (Penzai's `StateVariableValue`): readable, not writable.
 * @example freezeVariables(model) // StateVariables become StateVariableValue({label, value})
 */
export class StateVariableValue<V = unknown> extends Struct.define('StateVariableValue', { label: staticField<string>(), value: child<unknown>() }) {
  // A class's type parameters cannot reach its definition, so the generic field is narrowed here.
  declare readonly value: V;
  constructor(f: { label: string; value: V }) {
    super(f);
  }
}

/**
 * A Parameter frozen into a constant (Penzai's `ParameterValue`): layers read `.value` as
 * before, but nothing trains or unbinds it.
 * @example freezeParams(model) // every Parameter becomes a ParameterValue
 */
export class ParameterValue<V = unknown> extends Struct.define('ParameterValue', { label: staticField<string>(), value: child<unknown>() }) {
  // A class's type parameters cannot reach its definition, so the generic field is narrowed here.
  declare readonly value: V;
  constructor(f: { label: string; value: V }) {
    super(f);
  }
  /** Never trained. @example pv.trainable // false */
  get trainable(): false {
    return false;
  }
}

/** The state variables of a tree by label; fails when two different ones share a label. */
function stateVars(tree: unknown): Map<string, StateVariable> {
  const byLabel = new Map<string, StateVariable>();
  const sel = select(tree).atInstancesOf(StateVariable);
  sel.getSequence().forEach((v, i) => {
    const known = byLabel.get(v.label);
    if (known && known !== v) {
      throw new Error(`Two different StateVariables share the label '${v.label}' (the second at ${keyPathToString(sel.paths[i]!)}); give them distinct labels, or use one object to share state.`);
    }
    byLabel.set(v.label, v);
  });
  return byLabel;
}

/**
 * Takes the state out of a tree: StateVariables become slots and their values come back by
 * label (Penzai's `unbind_state_vars`).
 * @example const { tree, values } = unbindStateVars(model); // values: { calls: 0 }
 */
export function unbindStateVars<T>(tree: T): { tree: T; values: Record<string, unknown> } {
  const vars = stateVars(tree);
  const values: Record<string, unknown> = {};
  for (const [label, v] of vars) values[label] = v.value;
  const unbound = select(tree).atInstancesOf(StateVariable).apply((v) => new StateVariableSlot({ label: v.label })) as T;
  return { tree: unbound, values };
}

/**
 * Puts state back into an unbound tree: each slot becomes a new StateVariable holding
 * `values[label]` (one object per label, so shared state stays shared).
 * @example const model2 = bindStateVars(unbound, values);
 */
export function bindStateVars<T>(tree: T, values: Readonly<Record<string, unknown>>): T {
  const sel = select(tree).atInstancesOf(StateVariableSlot);
  const labels = [...new Set(sel.getSequence().map((s) => s.label))];
  const missing = labels.filter((l) => !(l in values));
  if (missing.length) throw new Error(`bindStateVars: no value for state variable${missing.length > 1 ? 's' : ''} ${missing.map((l) => `'${l}'`).join(', ')}; the tree needs [${labels.join(', ')}].`);
  const extra = Object.keys(values).filter((l) => !labels.includes(l));
  if (extra.length) throw new Error(`bindStateVars: values for ${extra.map((l) => `'${l}'`).join(', ')}, which the tree has no slot for; it has [${labels.join(', ')}].`);
  const made = new Map(labels.map((l) => [l, new StateVariable({ label: l, value: values[l] })]));
  return sel.apply((s) => made.get(s.label)) as T;
}

/**
 * Runs a tree whose state was unbound as a pure function (Penzai's `stateless_call`): binds
 * `values`, calls the tree, and returns the output and the state after the call. Neither the
 * tree nor `values` changes.
 * @example const { output, values: next } = statelessCall(unbound, values, x);
 */
export function statelessCall<I, O>(tree: Layer<I, O>, values: Readonly<Record<string, unknown>>, input: I, side?: SideInputs): { output: O; values: Record<string, unknown> } {
  const bound = bindStateVars(tree, values);
  const output = bound.call(input, side);
  const after: Record<string, unknown> = {};
  for (const [label, v] of stateVars(bound)) after[label] = v.value;
  return { output, values: after };
}

/**
 * Replaces every variable by a frozen snapshot (Penzai's `freeze_variables`): Parameters become
 * ParameterValues and StateVariables StateVariableValues, so the tree is an ordinary immutable value.
 * @example const snapshot = freezeVariables(model);
 */
export function freezeVariables<T>(tree: T): T {
  const noState = select(tree).atInstancesOf(StateVariable).apply((v) => new StateVariableValue({ label: v.label, value: v.value })) as T;
  return freezeParams(noState);
}

/**
 * Turns every Parameter into a constant ParameterValue (Penzai's `freeze_params`): no
 * Parameter remains, so nothing in the tree trains or counts as a parameter. A tied
 * Parameter becomes one shared ParameterValue.
 * @example const frozen = freezeParams(model); parameters(frozen).length // 0
 */
export function freezeParams<T>(tree: T): T {
  const made = new Map<Parameter, ParameterValue>();
  return select(tree)
    .atInstancesOf(Parameter)
    .apply((p) => {
      let v = made.get(p);
      if (!v) made.set(p, (v = new ParameterValue({ label: p.label, value: p.value })));
      return v;
    }) as T;
}
