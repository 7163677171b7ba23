/**
 * `float` fields read from proto JSON, rounded to float32. The binary decoding (gRPC) gives a float
 * field the float32 value as a double (0.9900000095367432); JSON carries the float's shortest text
 * ("0.99"), which `fromJson` keeps as the double 0.99. Rounding every float field with `Math.fround`
 * gives back the binary value exactly, so both clients answer the same numbers.
 */

import { type DescMessage, ScalarType } from "@bufbuild/protobuf";

const hasFloatCache = new Map<DescMessage, boolean>();

/** Whether a `float` field is reachable from `desc` (through message fields, lists and maps). */
function hasFloat(desc: DescMessage): boolean {
  const known = hasFloatCache.get(desc);
  if (known !== undefined) return known;
  const seen = new Set<DescMessage>();
  const todo = [desc];
  let found = false;
  while (todo.length > 0 && !found) {
    const next = todo.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    for (const field of next.fields) {
      if (field.scalar === ScalarType.FLOAT) found = true;
      if (field.message !== undefined) todo.push(field.message);
    }
  }
  hasFloatCache.set(desc, found);
  return found;
}

type Fields = Record<string, unknown>;

/** Rounds, in place, every `float` field of `message` (of type `desc`) and of the messages it holds. */
export function roundFloats(desc: DescMessage, message: Fields): void {
  if (!hasFloat(desc)) return;
  for (const field of desc.fields) {
    const holder = field.oneof === undefined ? message : (message[field.oneof.localName] as Fields);
    const key = field.oneof === undefined ? field.localName : "value";
    if (field.oneof !== undefined && holder["case"] !== field.localName) continue;
    const value = holder[key];
    switch (field.fieldKind) {
      case "scalar":
        if (field.scalar === ScalarType.FLOAT) holder[key] = Math.fround(value as number);
        break;
      case "message":
        if (value !== undefined) roundFloats(field.message, value as Fields);
        break;
      case "list":
        if (field.listKind === "scalar" && field.scalar === ScalarType.FLOAT) {
          const list = value as number[];
          for (let i = 0; i < list.length; i++) list[i] = Math.fround(list[i]!);
        } else if (field.listKind === "message") {
          for (const item of value as Fields[]) roundFloats(field.message, item);
        }
        break;
      case "map": {
        const map = value as Record<string, unknown>;
        for (const k of Object.keys(map)) {
          if (field.mapKind === "scalar" && field.scalar === ScalarType.FLOAT) map[k] = Math.fround(map[k] as number);
          else if (field.mapKind === "message") roundFloats(field.message, map[k] as Fields);
        }
        break;
      }
    }
  }
}
