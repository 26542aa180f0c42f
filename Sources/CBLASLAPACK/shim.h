// The system headers, CBLAS from libblas-dev and LAPACK's Fortran interface from liblapack-dev,
// and one compiler hint Swift cannot spell. LinearAlgebra wraps the few routines the project needs.
#include <cblas.h>
#include <lapack.h>

// Starts loading the cache line at p for reading (a hint: no effect on any value).
static inline void newsdedup_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
