// The JSON reader behind release-data.json (util/json_read, used by `confirm`), then the
// lookups `confirm` makes. json::parse documents std::runtime_error for malformed input.
// (When a strict release-data reader replaces it, this harness should call that instead.)
#include <stdexcept>

#include "fuzz_support.hpp"
#include "util/json_read.hpp"

using namespace dosegate;

namespace {

std::size_t walk(const json::Value& v) {
  std::size_t n = 1;
  if (const auto* a = v.array())
    for (const auto& x : *a) n += walk(x);
  if (const auto* o = std::get_if<std::shared_ptr<json::Value::Object>>(&v.v))
    for (const auto& [key, x] : **o) n += walk(x);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto v = json::parse(fuzz::bytes(data, size));
    (void)walk(v);
    (void)v.text("format");
    for (const char* key : {"lot", "dose", "release", "specification"})
      if (const auto* part = v.get(key)) {
        for (const char* field : {"din", "product_code", "expires", "division", "released_at"})
          (void)part->text(field);
        if (const auto* m = part->get("use_within_after_thaw_minutes")) (void)m->number();
      }
    if (const auto* pending = v.get("pending"); pending && pending->array())
      for (const auto& p : *pending->array()) (void)p.text("test");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
