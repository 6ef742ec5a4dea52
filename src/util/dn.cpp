#include "util/dn.hpp"

#include <cctype>
#include <utility>
#include <vector>

#include "util/text.hpp"

namespace dosegate {
namespace {

using Parts = std::vector<std::pair<std::string, std::string>>;  // type, value

// RFC 2253's attribute=value pairs, separated by , or +, with \, and \2C escapes resolved.
Parts parse(const std::string& dn) {
  Parts parts;
  std::string type, value;
  bool in_value = false;
  const auto flush = [&] {
    if (!type.empty() || !value.empty()) parts.emplace_back(type, value);
    type.clear();
    value.clear();
    in_value = false;
  };
  const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i < dn.size(); ++i) {
    const char c = dn[i];
    if (c == '\\' && i + 1 < dn.size()) {
      if (i + 2 < dn.size() && hex(dn[i + 1]) && hex(dn[i + 2])) {
        (in_value ? value : type) += static_cast<char>(std::stoi(dn.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        (in_value ? value : type) += dn[++i];
      }
    } else if (c == ',' || c == '+') {
      flush();
    } else if (c == '=' && !in_value) {
      in_value = true;
    } else {
      (in_value ? value : type) += c;
    }
  }
  flush();
  return parts;
}

}  // namespace

std::string readable_name(const std::string& dn) {
  std::string name, rest;
  for (const auto& [t, v] : parse(dn)) {
    if (t == "CN" && name.empty())
      name = v;
    else
      rest += (rest.empty() ? "" : ", ") + v;
  }
  if (name.empty()) return rest.empty() ? dn : rest;
  return rest.empty() ? name : name + " (" + rest + ")";
}

std::string person_name(const std::string& dn) {
  const auto parts = parse(dn);
  // A subject only when every part is type=value with an attribute type of letters, digits
  // and dots (CN, O, 2.5.4.3); otherwise a staff id that merely holds a comma or an '='.
  // Spaces around a type ("CN=A, O=B") are allowed.
  std::string name;
  for (const auto& [t, v] : parts) {
    const auto type = text::trim(t);
    if (type.empty()) return dn;
    for (char c : type)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') return dn;
    if (type == "CN" && name.empty()) name = v;
  }
  return name.empty() ? dn : name;
}

}  // namespace dosegate
