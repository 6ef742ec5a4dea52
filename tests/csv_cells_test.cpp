// History CSV that spreadsheets take whole: no cell over 32,767 characters, the records of a
// large lot one per row with --records; and the table beside it, narrow enough for a terminal.
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "ledger/export.hpp"
#include "test_support.hpp"
#include "util/text.hpp"

namespace dosegate {
namespace {

using test::contains;

// The cells of one CSV line (RFC 4180 quoting).
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::string> lines(const std::string& csv) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < csv.size()) {
    const auto end = csv.find("\r\n", start);
    out.push_back(csv.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return out;
}

ledger::Entry big_lot(std::size_t doses) {
  ledger::Entry e;
  e.seq = 7;
  e.kind = "records";
  e.at = "2026-11-21T12:00:00Z";
  e.din = "A999926000147";
  for (std::size_t i = 0; i < doses; ++i)
    e.records.push_back(
        {"A999926000147-S1234V00-" + std::to_string(100000 + i) + ".pdf", std::string(64, 'a')});
  return e;
}

}  // namespace

TEST_CASE("csv: a 2,000-dose lot's records cell stays within 32,767 characters", "[ledger][csv]") {
  std::ostringstream out;
  ledger::CsvWriter w(out);
  w.entry(big_lot(2000));
  auto reason = big_lot(0);
  reason.seq = 8;
  reason.kind = "rejection";
  reason.reason = std::string(20000, '"') + "\xC3\xA9" + std::string(50000, 'x');  // quotes double
  w.entry(reason);
  w.finish(std::nullopt);
  const auto all = lines(out.str());
  REQUIRE(all.size() >= 4);
  bool records_seen = false, cut_seen = false;
  for (const auto& line : all) {
    for (const auto& cell : cells(line)) {
      CHECK(cell.size() <= ledger::kCsvCellLimit);
      if (contains(cell, "2000 records: dosegate history --records")) records_seen = true;
      if (contains(cell, "[cut: 70002 bytes in all; the JSON export holds the whole value]"))
        cut_seen = true;
    }
    CHECK(line.size() < 3 * ledger::kCsvCellLimit);
  }
  CHECK(records_seen);
  CHECK(cut_seen);
  // A lot of two doses keeps its records in the cell, as before.
  std::ostringstream small;
  ledger::CsvWriter s(small);
  s.entry(big_lot(2));
  CHECK(contains(small.str(), "A999926000147-S1234V00-100000.pdf=" + std::string(64, 'a') +
                                  " A999926000147-S1234V00-100001.pdf="));
}

TEST_CASE("csv: history --records lists each record on a row of its own", "[ledger][csv][cli]") {
  std::ostringstream out;
  ledger::CsvRecordsWriter w(out);
  w.entry(big_lot(2000));
  ledger::Entry head;
  head.seq = 9;
  head.at = "2026-11-21T12:00:00Z";
  head.hash = std::string(64, 'b');
  w.finish(head);
  const auto all = lines(out.str());
  REQUIRE(all.size() == 2002);
  CHECK(all[0] == "\xEF\xBB\xBFseq,at,kind,din,record,sha256");
  CHECK(all[1] ==
        "7,2026-11-21T12:00:00Z,records,A999926000147,A999926000147-S1234V00-100000.pdf," +
            std::string(64, 'a'));
  CHECK(all[2001] == "9,2026-11-21T12:00:00Z,chain-head,,," + std::string(64, 'b'));

  // Through the command line, from a real release.
  test::TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  auto args = std::vector<std::string>{"release",  test::source("samples/coa-pass.xml"),
                                       "--trust",  test::source("certs/trust"),
                                       "--out",    dir.file("records"),
                                       "--ledger", ledger};
  const auto key = test::releaser();
  args.insert(args.end(), key.begin(), key.end());
  REQUIRE(test::run_cli_at(args, "2026-11-21T12:00:00Z").code == 0);
  const auto r = test::run_cli({"history", "--ledger", ledger, "--records", "--format", "csv"});
  CHECK(r.code == 0);
  const auto rows = lines(r.out);
  REQUIRE(rows.size() == 4);  // header, two records, chain head
  CHECK(cells(rows[1]).size() == 6);
  CHECK(contains(rows[1], ",A999926000147,A999926000147-"));
  CHECK(contains(rows[1], ".pdf,"));
  CHECK(contains(rows[3], ",chain-head,,,"));
  const auto table = test::run_cli({"history", "--ledger", ledger, "--records"});
  CHECK(table.code == 2);
  CHECK(contains(table.err, "--records lists the records as CSV: give --format csv"));
}

}  // namespace dosegate

namespace dosegate {

TEST_CASE(
    "history table: fits 120 columns, actors as people read them, values cut with an "
    "ellipsis",
    "[ledger][table]") {
  auto release = big_lot(0);
  release.seq = 1;
  release.kind = "release";
  release.decision = "releasable-pending";
  release.actor = "CN=Alex Example\\, QA Release,O=Example Clinic QA,C=DE";
  for (const char* d : {"A0", "B0"}) release.divisions.push_back(d);
  release.warnings = "key.unprotected: the releaser's key file is not protected by a passphrase";
  auto big = release;
  big.seq = 2;
  big.kind = "records";
  big.divisions.clear();
  for (int i = 0; i < 2000; ++i) big.divisions.push_back(std::to_string(100000 + i));
  auto rejection = release;
  rejection.seq = 3;
  rejection.kind = "rejection";
  rejection.decision = "rejected";
  rejection.actor = "CN=Dr. Maximiliane Example-Doppelname\\, Head of QA Release,O=Clinic,C=DE";
  rejection.reason =
      "criterion.failed: viability-post-thaw: result 90 % does not satisfy > 90 %\n"
      "signature.crl-expired: the CRL of Example Lab CA expired on 2026-11-01";
  rejection.warnings.clear();
  auto confirm = release;
  confirm.seq = 4;
  confirm.kind = "confirm";
  confirm.decision = "go";
  confirm.actor = "nurse-7";
  confirm.recipient = "W1234";
  confirm.warnings.clear();

  std::ostringstream out;
  ledger::write_table(out, {release, big, rejection, confirm}, confirm);
  const auto text = out.str();
  INFO(text);
  std::istringstream in(text);
  std::size_t widest = 0;
  for (std::string line; std::getline(in, line);)
    widest = std::max(widest, text::display_width(line));
  CHECK(widest <= 120);
  CHECK(widest == 120);  // the long reason, on its own line, takes the room there is
  CHECK(contains(text, "  Alex Example, QA Release\n"));
  CHECK_FALSE(contains(text, "CN="));
  CHECK_FALSE(contains(text, "\\,"));
  CHECK(contains(text, "  Dr. Maximiliane Example-D\u2026\n"));  // 26 columns
  CHECK(contains(text, "  nurse-7\n"));
  CHECK(contains(text, "  2000 doses  "));
  CHECK(contains(text, "  A0 B0  "));
  // Each reason on the line below its entry, under the time.
  CHECK(contains(text, "\n     criterion.failed: viability-post-thaw"));
  CHECK(contains(text, "\n     recipient W1234\n"));
  CHECK(contains(text, "\u2026\n"));  // the long reason, cut
  CHECK(contains(text, "Values cut short end in \u2026; --format csv or json holds them whole."));

  // Nothing cut, nothing said.
  std::ostringstream small;
  ledger::write_table(small, {confirm}, confirm);
  CHECK_FALSE(contains(small.str(), "\u2026"));
  CHECK_FALSE(contains(small.str(), "Values cut short"));
  // The CSV keeps every value whole.
  std::ostringstream csv;
  ledger::write_csv(csv, {rejection}, rejection);
  CHECK(contains(csv.str(), "\"CN=Dr. Maximiliane Example-Doppelname\\, Head of QA Release,"));
  CHECK(contains(csv.str(), "expired on 2026-11-01"));
}

}  // namespace dosegate
