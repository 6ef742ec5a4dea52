#include <utility>

#include "dosegate/spec/specification.hpp"

namespace dosegate::spec {

std::string_view test_name(std::string_view code) {
  // In the order of coa-format.md's vocabulary (xml::kTestCodes).
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"cd73", "CD73 expression"},
      {"cd90", "CD90 expression"},
      {"cd105", "CD105 expression"},
      {"cd34", "CD34 expression"},
      {"cd45", "CD45 expression"},
      {"cd14", "CD14 expression"},
      {"cd11b", "CD11b expression"},
      {"cd19", "CD19 expression"},
      {"cd79a", "CD79a expression"},
      {"hla-dr", "HLA-DR expression"},
      {"viability-post-thaw", "Post-thaw viability"},
      {"viability-pre-freeze", "Pre-freeze viability"},
      {"viable-cell-count", "Viable cell count"},
      {"sterility", "Sterility"},
      {"mycoplasma", "Mycoplasma"},
      {"endotoxin", "Bacterial endotoxins"},
      {"str-identity", "Identity (STR profile)"},
      {"potency-ido", "Potency (IDO activity)"},
      {"potency-tcell-suppression", "Potency (T-cell suppression)"},
      {"karyotype", "Karyotype"},
      {"appearance", "Appearance"},
      {"cd9", "CD9 (exosome marker)"},
      {"cd63", "CD63 (exosome marker)"},
      {"cd81", "CD81 (exosome marker)"},
      {"calnexin", "Calnexin (cellular contaminant)"},
      {"particle-size-mode", "Particle size (mode)"},
      {"particle-concentration", "Particle concentration"},
  };
  for (const auto& [c, name] : kNames)
    if (c == code) return name;
  return {};
}

}  // namespace dosegate::spec
