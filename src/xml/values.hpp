// Typed values for the strict readers: each parser reports a Diagnostic through the element
// and returns nullopt when the text is not of the type the schemas define.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>

#include "dosegate/decimal.hpp"
#include "dosegate/time.hpp"
#include "xml/strict.hpp"

namespace dosegate::xml {

// Each `what` names the value in messages, e.g. "<Issued>" or "attribute 'at-least'".
std::optional<Decimal> to_decimal(Element& at, const std::string& value, const std::string& what);
std::optional<Instant> to_instant(Element& at, const std::string& value, const std::string& what);
std::optional<Date> to_date(Element& at, const std::string& value, const std::string& what);
std::optional<bool> to_boolean(Element& at, const std::string& value, const std::string& what);
// One of `allowed`; the message lists them.
std::optional<std::string> to_enum(Element& at, const std::string& value, const std::string& what,
                                   std::initializer_list<const char*> allowed);
// [A-Za-z0-9][A-Za-z0-9._:-]{0,127}
std::optional<std::string> to_identifier(Element& at, const std::string& value,
                                         const std::string& what);
// Non-empty after collapsing white space, as xs:token with minLength 1.
std::optional<std::string> to_token(Element& at, const std::string& value, const std::string& what);
// 1 to 32 characters without white space.
std::optional<std::string> to_unit(Element& at, const std::string& value, const std::string& what);

// The test codes of coa-format.md.
extern const std::initializer_list<const char*> kTestCodes;
extern const std::initializer_list<const char*> kOutcomes;
extern const std::initializer_list<const char*> kSources;

}  // namespace dosegate::xml
