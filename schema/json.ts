/**
 * A JSON object whose values are not spelled out. Crosses Workers RPC with its type intact, where
 * `unknown` values would erase an RPC method's return type (and a recursive JSON type is too deep).
 */
export type JsonObject = { [key: string]: string | number | boolean | null | object };
