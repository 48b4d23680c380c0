// Small helpers for the driver's hand-written JSON output (rlsim analyze --json, ope --json,
// describe --json). No JSON library is used: each command writes its object directly with
// these for the values.
//  - json_string: a quoted JSON string; escapes ", \ and every control character (U+0000 to
//    U+001F; \n, \t, \r by name, the rest as \u00XX). Other bytes, UTF-8 included, pass as is.
//  - json_number: 17 significant digits (enough to read back the same double); null for NaN
//    and ±inf, and when `defined` is false (a value the data does not define).
//  - json_shortest: the shortest text that reads back to the same double (0.1, 1e-05, 64.0);
//    integral values keep a ".0" so a reader sees a float, not an integer; null for NaN/±inf.
//    The float overload does the same for a float (0.2094395, not 0.20943951606750488).
#pragma once
#include <string>

namespace rlsim {

std::string json_string(const std::string& text);
std::string json_number(double x, bool defined = true);
std::string json_shortest(double x);
std::string json_shortest(float x);

}  // namespace rlsim
