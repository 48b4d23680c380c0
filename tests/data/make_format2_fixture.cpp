// Writes tests/data/format2.h5, the format 2 run file that tests/run/test_hdf5_tables.cpp
// reads to check that files of format version 2 (and, edited in the test, version 1) stay
// readable. It must be built against an rlsim whose writer writes format 2 (commit e1e6c85
// or earlier), e.g. an installed copy:
//   g++ -std=c++20 -I. -I$PREFIX/include/rlsim -I/usr/include/hdf5/serial \
//       tests/data/make_format2_fixture.cpp -L$PREFIX/lib -Wl,-rpath,$PREFIX/lib \
//       -lrlsim_core -lhdf5_serial -o /tmp/make_format2 && /tmp/make_format2 tests/data/format2.h5
// The runs are those of tests/run/hdf5_test_runs.hpp; run 4 is a group left half-written
// (complete = 0, no tables), as a writer killed in the middle of a run could leave it.
#include <hdf5.h>

#include <cstdio>

#include "tests/run/hdf5_test_runs.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.h5\n", argv[0]);
    return 2;
  }
  {
    rlsim::ExperimentWriter w(argv[1], rlsim_test::tables_meta());
    w.write_run(rlsim_test::make_run(0, 40, 300, false, false, 25));
    w.write_run(rlsim_test::make_run(1, 5, 30, true, true, 0));
    w.write_run(rlsim_test::full_run(2));
    w.write_run(rlsim_test::make_run(3, 0, 0, false, false, 0));
    w.finish();
  }
  const hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t g = H5Gcreate2(f, "/runs/000004", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t s = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(g, "complete", H5T_STD_I32LE, s, H5P_DEFAULT, H5P_DEFAULT);
  const int zero = 0;
  const bool ok = f >= 0 && g >= 0 && a >= 0 && H5Awrite(a, H5T_NATIVE_INT, &zero) >= 0;
  H5Aclose(a);
  H5Sclose(s);
  H5Gclose(g);
  H5Fclose(f);
  return ok ? 0 : 1;
}
