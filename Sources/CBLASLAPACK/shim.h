// The system headers only: CBLAS from libblas-dev, LAPACK's Fortran interface from liblapack-dev.
// No C logic lives here; LinearAlgebra wraps the few routines the project needs.
#include <cblas.h>
#include <lapack.h>
