#include "experiments/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <system_error>

namespace rlsim {

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string json_number(double x, bool defined) {
  if (!defined || !std::isfinite(x)) return "null";
  std::ostringstream o;
  o << std::setprecision(17) << x;
  return o.str();
}

namespace {

template <class T>
std::string shortest(T x) {
  if (!std::isfinite(x)) return "null";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  if (ec != std::errc()) return json_number(static_cast<double>(x));
  std::string out(buf, end);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

}  // namespace

std::string json_shortest(double x) {
  return shortest(x);
}

std::string json_shortest(float x) {
  return shortest(x);
}

}  // namespace rlsim
