package peekaboo.backend;

/** Reductions over a set of dimensions. MAX/MIN along a single dimension also produce int64 indices. */
public enum ReduceOp { SUM, MAX, MIN }
