// Data files for the bandit problems (bandits/problems/numeric_table.hpp): the classification
// data set and the adversarial reward table read from HDF5 as well as CSV. The test writes
// its own small HDF5 file with the HDF5 C API (so nothing binary is shipped) and checks
// that the HDF5 and CSV forms of the same data give the same problem, and that bad files are
// clear errors naming the file and dataset.
#include <hdf5.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "bandits/problems/adversarial.hpp"
#include "bandits/problems/contextual.hpp"
#include "bandits/problems/numeric_table.hpp"
#include "core/error.hpp"

using namespace rlsim;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("rlsim_datafiles_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

std::string write_text(const std::string& name, const std::string& text) {
  const std::string p = temp_path(name);
  std::ofstream(p) << text;
  return p;
}

template <typename T>
void write_dataset(hid_t file, const char* name, hid_t type, std::vector<hsize_t> dims,
                   const std::vector<T>& data) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t ds = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(ds >= 0);
  REQUIRE(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0);
  H5Dclose(ds);
  H5Sclose(space);
}

// The data set of the tests: 6 rows, 2 features, labels 0, 1, 2.
const std::vector<float> kFeatures = {0.5f, 1.0f,  -1.0f, 2.0f,  3.0f, 0.0f,
                                      1.5f, -2.0f, 0.0f,  0.25f, 2.0f, 2.0f};
const std::vector<int> kLabels = {0, 1, 2, 0, 1, 2};
// An adversarial table, 4 steps of K = 3 rewards.
const std::vector<double> kTable = {1.0, 0.0, 0.5, 0.0, 1.0, 0.25, 0.5, 0.5, 1.0, 0.0, 0.0, 1.0};

const std::string& h5_file() {
  static const std::string path = [] {
    const std::string p = temp_path("data.h5");
    const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    write_dataset(f, "X", H5T_NATIVE_FLOAT, {6, 2}, kFeatures);
    write_dataset(f, "y", H5T_NATIVE_INT, {6}, kLabels);
    std::vector<double> table;  // features and label in one 6 × 3 table
    for (std::size_t r = 0; r < 6; ++r)
      table.insert(table.end(),
                   {double(kFeatures[2 * r]), double(kFeatures[2 * r + 1]), double(kLabels[r])});
    write_dataset(f, "table", H5T_NATIVE_DOUBLE, {6, 3}, table);
    write_dataset(f, "rewards", H5T_NATIVE_DOUBLE, {4, 3}, kTable);
    std::vector<double> with_nan = kTable;
    with_nan[7] = std::numeric_limits<double>::quiet_NaN();
    write_dataset(f, "rewards_nan", H5T_NATIVE_DOUBLE, {4, 3}, with_nan);
    write_dataset(f, "y_out_of_range", H5T_NATIVE_INT, {6}, std::vector<int>{0, 1, 2, 0, 5, 2});
    write_dataset(f, "y_short", H5T_NATIVE_INT, {5}, std::vector<int>{0, 1, 2, 0, 1});
    write_dataset(f, "y_2d", H5T_NATIVE_INT, {3, 2}, kLabels);
    write_dataset(f, "cube", H5T_NATIVE_DOUBLE, {2, 2, 3}, kTable);
    // A fixed-length string dataset (non-numeric dtype).
    const hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 4);
    write_dataset(f, "names", str, {2}, std::vector<char>{'a', 'b', 'c', 0, 'd', 'e', 'f', 0});
    H5Tclose(str);
    const hid_t g = H5Gcreate2(f, "group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Fclose(f);
    return p;
  }();
  return path;
}

std::string csv_of_data() {
  std::string text = "x0,x1,label\n";
  for (std::size_t r = 0; r < 6; ++r)
    text += std::to_string(kFeatures[2 * r]) + "," + std::to_string(kFeatures[2 * r + 1]) + "," +
            std::to_string(kLabels[r]) + "\n";
  return write_text("data.csv", text);
}

// Contexts and oracle values of `steps` steps from reset(seed), pulling arm 0.
std::vector<double> trace(Env& env, int steps) {
  std::vector<double> out;
  Value obs, next, action;
  env.spec().action_space.prepare(action);
  env.reset(obs, 8);
  const auto k = env.spec().action_space.n();
  for (int t = 0; t < steps; ++t) {
    for (float v : obs.vec) out.push_back(v);
    for (std::int64_t a = 0; a < k; ++a) out.push_back(env.oracle()->expected_reward(a));
    out.push_back(env.oracle()->best_expected_reward());
    action.index = 0;
    out.push_back(env.step(action, next).reward);
    std::swap(obs, next);
  }
  return out;
}

}  // namespace

TEST_CASE("numeric table: HDF5 datasets are read as rows x columns doubles", "[data-files]") {
  const NumericTable x = read_numeric_table("t", h5_file(), "X");
  CHECK(x.rows == 6);
  CHECK(x.cols == 2);
  CHECK(x.at(1, 1) == 2.0);
  CHECK(x.at(5, 0) == 2.0);
  const NumericTable y = read_numeric_table("t", h5_file(), "/y");
  CHECK(y.rows == 6);
  CHECK(y.cols == 1);
  CHECK(y.at(2, 0) == 2.0);
}

TEST_CASE("classification bandit: HDF5 (one table or features + labels) equals CSV",
          "[data-files]") {
  ClassificationBanditConfig csv;
  csv.path = csv_of_data();
  ClassificationBandit from_csv(csv);
  ClassificationBanditConfig one = csv;
  one.path = h5_file();
  one.dataset = "table";
  ClassificationBandit from_table(one);
  ClassificationBanditConfig two = one;
  two.dataset = "X";
  two.label_dataset = "y";
  ClassificationBandit from_two(two);
  two.classes = 3;
  ClassificationBandit from_classes(two);
  CHECK(from_csv.rows() == 6);
  CHECK(from_two.dimension() == 3);  // 2 features and the bias
  CHECK(from_two.spec().action_space.n() == 3);
  const auto reference = trace(from_csv, 40);
  CHECK(trace(from_table, 40) == reference);
  CHECK(trace(from_two, 40) == reference);
  CHECK(trace(from_classes, 40) == reference);
  // classes = 5 adds two arms that no row has: their expected reward is always 0.
  two.classes = 5;
  ClassificationBandit wide(two);
  CHECK(wide.spec().action_space.n() == 5);
}

TEST_CASE("classification bandit: bad HDF5 input is a clear error", "[data-files]") {
  ClassificationBanditConfig c;
  c.path = h5_file();
  c.dataset = "missing";
  CHECK_THROWS_WITH(ClassificationBandit(c),
                    Catch::Contains(h5_file() + ":missing") && Catch::Contains("no such dataset"));
  c.dataset = "group";
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains(":group"));
  c.dataset = "names";
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains(":names") &&
                                                 Catch::Contains("not numeric") &&
                                                 Catch::Contains("string"));
  c.dataset = "cube";
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains(":cube") && Catch::Contains("rank 3"));
  c.dataset = "y";  // one column: no room for a label
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains("at least 2 columns"));
  c.dataset = "X";
  c.label_dataset = "y_short";
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains(":y_short") &&
                                                 Catch::Contains("5 labels") &&
                                                 Catch::Contains("6 rows"));
  c.label_dataset = "y_2d";
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains(":y_2d") && Catch::Contains("3 x 2"));
  c.label_dataset = "y_out_of_range";
  c.classes = 3;
  CHECK_THROWS_WITH(ClassificationBandit(c),
                    Catch::Contains(":y_out_of_range") && Catch::Contains("row 4") &&
                        Catch::Contains("label 5") && Catch::Contains("0..2"));
  c.classes = 0;
  c.label_dataset = "y";
  c.dataset = "";
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains("label_dataset needs `dataset`"));
  // A CSV file named with a dataset, and a missing HDF5 file.
  c.label_dataset = "";
  c.path = csv_of_data();
  c.dataset = "X";
  CHECK_THROWS_WITH(ClassificationBandit(c), Catch::Contains("not an HDF5 file"));
  c.path = "/nonexistent/data.h5";
  CHECK_THROWS_WITH(ClassificationBandit(c),
                    Catch::Contains("/nonexistent/data.h5:X") && Catch::Contains("cannot open"));
  // Labels out of range in CSV too.
  ClassificationBanditConfig csv;
  csv.path = write_text("badlabel.csv", "1,0\n2,1\n3,1.5\n");
  csv.classes = 2;
  CHECK_THROWS_WITH(ClassificationBandit(csv),
                    Catch::Contains("row 2") && Catch::Contains("label 1.5"));
}

TEST_CASE("adversarial bandit: reward table from CSV and HDF5 equals the inline table",
          "[data-files]") {
  AdversarialConfig inline_cfg;
  inline_cfg.adversary = "table";
  inline_cfg.arms = 3;
  inline_cfg.table = kTable;
  inline_cfg.horizon = 10;
  AdversarialBandit reference(inline_cfg);
  const auto expected = trace(reference, 10);

  AdversarialConfig h5 = inline_cfg;
  h5.table.clear();
  h5.path = h5_file();
  h5.dataset = "rewards";
  AdversarialBandit from_h5(h5);
  CHECK(trace(from_h5, 10) == expected);
  CHECK(from_h5.arm_totals() == reference.arm_totals());

  AdversarialConfig csv = h5;
  csv.dataset = "";
  csv.path = write_text("rewards.csv", "# T x K rewards\n1,0,0.5\n0,1,0.25\n0.5,0.5,1\n0,0,1\n");
  AdversarialBandit from_csv(csv);
  CHECK(trace(from_csv, 10) == expected);

  // Losses: the same table written as 1 − reward.
  AdversarialConfig losses = csv;
  losses.values = "losses";
  losses.path = write_text("losses.csv", "0,1,0.5\n1,0,0.75\n0.5,0.5,0\n1,1,0\n");
  AdversarialBandit from_losses(losses);
  CHECK(trace(from_losses, 10) == expected);
  CHECK(from_losses.best_arm_in_hindsight() == reference.best_arm_in_hindsight());
}

TEST_CASE("adversarial bandit: bad table files are clear errors", "[data-files]") {
  AdversarialConfig c;
  c.adversary = "table";
  c.arms = 2;  // the file has 3 columns
  c.path = h5_file();
  c.dataset = "rewards";
  CHECK_THROWS_WITH(AdversarialBandit(c), Catch::Contains(h5_file() + ":rewards") &&
                                              Catch::Contains("3 columns") &&
                                              Catch::Contains("arms = 3"));
  c.arms = 3;
  c.dataset = "rewards_nan";
  CHECK_THROWS_WITH(AdversarialBandit(c), Catch::Contains(":rewards_nan") &&
                                              Catch::Contains("row 2, column 1") &&
                                              Catch::Contains("not finite"));
  c.dataset = "";
  c.path = write_text("nan.csv", "1,0,1\n0,nan,1\n");
  CHECK_THROWS_WITH(AdversarialBandit(c), Catch::Contains("line 2"));
  c.path = write_text("ragged_table.csv", "1,0,1\n0,1\n");
  CHECK_THROWS_WITH(AdversarialBandit(c), Catch::Contains("line 2") && Catch::Contains("2 fields"));
  c.path = "/nonexistent/rewards.csv";
  CHECK_THROWS_WITH(AdversarialBandit(c), Catch::Contains("cannot open"));
  c.path = h5_file();
  c.dataset = "rewards";
  c.table = kTable;
  CHECK_THROWS_WITH(AdversarialBandit(c), Catch::Contains("not both"));
}
