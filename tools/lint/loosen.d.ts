// Grafana's schema uses TypeScript string enums (FieldColorModeId,
// ThresholdsMode, MappingType, ...), which JSON string literals can never
// satisfy.  Loosen<T> replaces each string enum by the union of its values
// and leaves everything else, including excess-property checks, as it is.
export type Loosen<T> =
	T extends string ? `${T}` :
	T extends number | boolean | null | undefined ? T :
	T extends Array<infer U> ? Array<Loosen<U>> :
	T extends object ? { [K in keyof T]: Loosen<T[K]> } :
	T;
