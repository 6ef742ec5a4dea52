// The Certificate of Analysis model (urn:dosegate:coa:1), as read by coa::read.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dosegate/decimal.hpp"
#include "dosegate/time.hpp"

namespace dosegate::coa {

inline constexpr const char* kNamespace = "urn:dosegate:coa:1";

enum class ResultStatus { unknown, complete, pending, invalid };
enum class Qualifier { none, less_than, greater_than };
enum class Conclusion { unknown, conforms, does_not_conform, conforms_pending };

const char* to_string(ResultStatus status);
const char* to_string(Conclusion conclusion);
const char* to_string(Qualifier qualifier);  // "none", "less-than", "greater-than"

struct Accreditation {
  std::string scheme;
  std::string number;
};

struct Laboratory {
  std::string id;
  std::string name;
  std::optional<std::string> address;
  std::vector<Accreditation> accreditations;
};

struct Product {
  std::string name;
  std::string code;    // ISBT 128 product code, e.g. S1234V00
  std::string source;  // wharton-jelly | umbilical-cord | bone-marrow | adipose | msc-exosome
  std::string use;     // allogeneic | autologous
  std::optional<std::string> storage;
};

struct Dose {
  std::string division;  // "A0".."Zz" or "000001".."999999"
  Decimal viable_cells;
  Decimal volume;
  std::string volume_unit;
  std::string path;  // element path, for findings
};

struct Lot {
  std::string din;  // 13 characters, without flags or check character
  std::optional<std::string> donor;
  Date manufactured;
  Instant expires;
  std::vector<Dose> doses;
};

struct MeasuredValue {
  Decimal value;
  std::string unit;
  Qualifier qualifier = Qualifier::none;
};

struct Result {
  std::string test;
  ResultStatus status = ResultStatus::unknown;
  std::string method;
  std::optional<MeasuredValue> value;
  std::optional<std::string> outcome;
  std::optional<Date> completed;
  std::optional<Date> expected;
  std::string path;  // /CertificateOfAnalysis/Results/Result[@test='cd73']
};

struct Approval {
  std::string name;
  std::string role;
  std::string meaning;
  Instant at;
};

struct Certificate {
  std::string id;
  Instant issued;
  std::optional<std::string> supersedes;
  Laboratory laboratory;
  Product product;
  Lot lot;
  std::vector<Result> results;
  Conclusion conclusion = Conclusion::unknown;
  Approval approval;
  bool has_enveloped_signature = false;  // a ds:Signature is the last child of the root

  const Result* find_result(std::string_view test) const;
};

}  // namespace dosegate::coa
