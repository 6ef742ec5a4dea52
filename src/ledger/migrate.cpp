#include "ledger/migrate.hpp"

#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger/audit.hpp"

namespace dosegate::ledger {

MigrateResult migrate(const std::string& from, const std::string& to,
                      const crypto::TrustStore& trust) {
  if (from == to) throw UsageError("ledger migrate: --from and --to name the same ledger");
  const auto source = Ledger::open(from, false);
  // One state of the source for the audit and the copy: a release landing meanwhile is either
  // in both or in neither.
  const auto snapshot = source.snapshot();
  const auto checked = audit(source, trust);
  if (!checked.intact())
    throw Error("ledger.migrate", from + ": the ledger to copy does not audit INTACT (" +
                                      checked.findings.front().code + ", " +
                                      checked.findings.front().message +
                                      "); nothing was copied. Run `dosegate audit --ledger " +
                                      from + "` and settle that first");
  auto target = Ledger::open(to, false);
  target.begin();
  try {
    const auto there = target.count();
    const auto high = target.highest_seq_ever();
    if (there != 0 || high != 0)
      throw Error("ledger.migrate",
                  to + ": the target ledger is not empty (" + std::to_string(there) +
                      " entries, numbers used up to " + std::to_string(high) +
                      "); a ledger is copied into a new, empty one only (`dosegate ledger init` "
                      "on a new database); nothing was copied");
    MigrateResult result;
    source.for_each({}, [&](const Entry& e) {
      target.append_copy(e);
      ++result.entries;
      return true;
    });
    const auto copy = audit(target, trust);
    const auto source_head = checked.head ? checked.head->hash : std::string();
    const auto copy_head = copy.head ? copy.head->hash : std::string();
    if (!copy.intact() || copy.entries != checked.entries || copy_head != source_head)
      throw Error("ledger.migrate", to + ": the copy does not audit INTACT with the source's " +
                                        std::to_string(checked.entries) + " entries and head " +
                                        source_head +
                                        (copy.intact() ? std::string()
                                                       : " (" + copy.findings.front().code + ", " +
                                                             copy.findings.front().message + ")") +
                                        "; nothing was copied");
    target.commit();
    result.head_hash = source_head;
    return result;
  } catch (...) {
    target.rollback();
    throw;
  }
}

}  // namespace dosegate::ledger
