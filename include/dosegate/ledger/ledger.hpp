// The release ledger: an embedded SQLite database, or a shared PostgreSQL database for several
// sites (a `postgresql://` URI), append-only (triggers refuse UPDATE and DELETE), each entry
// hash-chained to the previous one and signed by its actor where the actor has a key. `audit`
// recomputes everything and names the first entry that is wrong.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dosegate/finding.hpp"

namespace dosegate::ledger {

// Schema 2: entry signatures cover the entry's place in the chain (see signed_bytes). A ledger
// of schema 1, whose signatures cover the payload alone, is refused by open() (ledger.schema).
// Schema 3 adds the bedside and late-result fields (refers_to, recipient, second_staff,
// thawed_at, warnings). They are in an entry's payload only when set, so every entry written
// under schema 2 keeps its bytes, hash and signature; open() adds their columns to a schema 2
// ledger in place (nothing else changes). Schema 4 adds, the same way, the specification's
// approver (spec_approver, spec_approver_sha256, spec_approved_at); open() adds their columns to
// a schema 2 or 3 ledger in place. Schema 5 adds the revocation data a signed entry keeps (crls),
// outside the payload like the signature; open() adds its column to a ledger of schema 2 to 4 in
// place (their entries keep none: audit judges them by the trust directory's CRLs alone).
inline constexpr int kSchemaVersion = 5;

struct RecordRef {
  std::string file;  // file name of the release record
  std::string sha256;
};

struct Entry {
  long long seq = 0;
  std::string kind;          // release | rejection | records | recall | results | confirm
  std::string at;            // UTC, YYYY-MM-DDThh:mm:ssZ
  std::string actor;         // certificate subject, or a staff id
  std::string actor_sha256;  // certificate fingerprint; empty for a staff id
  std::string din;
  std::vector<std::string> divisions;
  std::string decision;  // releasable, releasable-pending, rejected, go, no-go, recalled,
                         // complete, failed
  std::string coa_id;
  std::string coa_sha256;
  std::string spec_id;
  std::string spec_version;
  std::string spec_sha256;
  std::vector<RecordRef> records;
  std::string reason;
  // Since schema 3; in the payload only when set.
  long long refers_to = 0;   // the release entry a confirmation or a late result is about
  std::string recipient;     // confirm: the recipient's pseudonymous id (wristband scan)
  std::string second_staff;  // confirm: the second checker's staff id
  std::string thawed_at;     // confirm: UTC, when the dose was thawed
  std::string warnings;      // what the command warned about, one "code: message" a line
  // Since schema 4; in the payload only when set. Who approved the entry's specification.
  std::string spec_approver;         // certificate subject
  std::string spec_approver_sha256;  // certificate fingerprint
  std::string spec_approved_at;      // UTC
  // The chain
  std::string prev_hash;
  std::string hash;
  std::string signature;  // DER CMS over signed_bytes(); empty for unsigned entries
  // Since schema 5: the CRLs (DER) of the trust directory that were current when the entry was
  // signed, for the signer's and its timestamp's chains, so that audit can judge the signature
  // as of its time after those CRLs left the trust directory. Like the signature (and its
  // timestamp token) they are not in the payload: each counts only when its CA's key verifies
  // it, and only as crypto::verify_detached_as_of's rule allows (the freshest valid one wins).
  std::vector<std::string> crls;
  std::string stored_payload;  // as read back from the database
};

// The exact bytes that are hashed and signed: the entry's content fields as compact JSON in a
// fixed order (everything but prev_hash, hash and signature); the fields added in schema 3 only
// when set.
std::string payload(const Entry& e);

// hash = SHA-256("dosegate-ledger-1\n" + prev_hash + "\n" + payload), lowercase hex.
std::string entry_hash(const std::string& prev_hash, const std::string& payload);

// The exact bytes an entry's signature covers (schema 2):
//   "dosegate-ledger-signed-2\n" + seq (decimal) + "\n" + prev_hash + "\n" + payload
// The entry's number and its predecessor's hash are inside the signature, so a signed entry
// cannot be moved to another place, and nothing before it can be changed, removed or inserted
// (and the chain rebuilt) without breaking its signature. The prefix keeps these bytes apart
// from every other thing dosegate signs or hashes.
std::string signed_bytes(long long seq, const std::string& prev_hash, const std::string& payload);

inline const std::string kGenesis(64, '0');  // prev_hash of entry 1

// --ledger FILE (or a postgresql:// URI), else $DOSEGATE_LEDGER, else
// $XDG_STATE_HOME/dosegate/ledger.sqlite, else
// ~/.local/state/dosegate/ledger.sqlite.
std::string resolve_path(const std::optional<std::string>& option);

// A ledger's name to show to users of a service, without the server's paths: a file's name, or
// "postgresql database NAME" for a URI.
std::string display_name(const std::string& location);

// Which entries a read returns; every condition set must hold. Applied by the database: a lot
// (din, with or without kind) is found through the (din, kind) index, without reading other
// entries, in SQLite and in PostgreSQL alike.
struct Filter {
  std::optional<std::string> din;
  std::optional<std::string> kind;
  std::optional<std::string> since;    // UTC, inclusive
  std::optional<std::string> until;    // UTC, inclusive
  std::optional<long long> after_seq;  // only entries numbered above it
};

// Called by Ledger::for_each with each entry in turn; returns true to go on, false to stop. The
// entry is the reader's row buffer, valid during the call only: the next row is read into the
// same object, every field overwritten. A visitor copies what must outlive the call, or moves
// (or swaps) it out.
using Visit = std::function<bool(Entry&)>;

// How long a command waits for another process that holds the ledger's lock, unless it says
// otherwise (`confirm` waits far less: it answers at the bedside).
inline constexpr std::chrono::milliseconds kDefaultWait{60000};

// Called while begin() waits for another writer, with the time waited so far; it may throw to
// give up (an interrupted release).
using Waiting = std::function<void(std::chrono::milliseconds)>;

class Ledger {
  struct Impl;

 public:
  // Opens (creating when `create`) the ledger, waiting at most `wait` in total for another
  // process that holds it locked. Throws dosegate::Error naming the file when it cannot be
  // used: "ledger.busy" when it stayed locked for `wait`, "ledger.unreadable" or
  // "ledger.schema" otherwise; "ledger.schema" also for a ledger of an earlier schema (its
  // signatures do not cover the chain), never read silently.
  // Without `create`, a file that holds no dosegate ledger (empty, or another SQLite database)
  // is refused (ledger.unreadable) and left as it was: only release and recall start a ledger.
  // A `postgresql://` or `postgres://` location is a shared ledger (see
  // src/ledger_pg/postgresql.hpp): its schema is made by init() alone, whatever `create` says;
  // a URI holding a password is refused (ledger.password-in-uri).
  // A commit whose outcome the database never confirmed (the connection lost after COMMIT
  // was sent) throws Error("ledger.commit-unknown"): the entry may or may not be in the
  // ledger; `history` or `audit` tells, before anything is retried.
  static Ledger open(const std::string& path, bool create, std::chrono::milliseconds wait);
  static Ledger open(const std::string& path, bool create) {
    return open(path, create, kDefaultWait);
  }
  ~Ledger();
  Ledger(Ledger&&) noexcept;
  Ledger& operator=(Ledger&&) noexcept;

  const std::string& path() const;

  // Creates the ledger's schema at `location` (a SQLite file or a PostgreSQL database), or
  // checks the one that is there; `grant_to`: a PostgreSQL role given the rights a site needs
  // (SELECT and INSERT, nothing else). Returns what was done, for the user.
  static std::string init(const std::string& location, const std::optional<std::string>& grant_to);
  // Inserts `e` (read from another ledger) as it is: its number, links, stored payload and
  // signature, byte for byte; inside begin(). `ledger migrate` audits the copy before it
  // commits.
  void append_copy(const Entry& e);

  // How long each later statement waits for a lock another process holds (at open: the
  // `wait` given there). A statement that waits longer throws Error("ledger.busy").
  void set_wait(std::chrono::milliseconds wait);

  // One writer at a time: begin() takes the database's write lock (waiting, as set_wait says,
  // for another process that holds it), so appends from two processes land one after the
  // other. Throws Error("ledger.busy") when the lock stays taken.
  void begin();
  // The same, waiting up to `wait` and calling `waiting` about every `every` meanwhile.
  void begin(std::chrono::milliseconds wait, std::chrono::milliseconds every,
             const Waiting& waiting);
  // Fills seq and prev_hash for the next entry of the open transaction.
  void prepare(Entry& e);
  // Computes the hash, then the signature with `sign` over signed_bytes() when given, and
  // inserts the entry. `sign` returns DER.
  void append(Entry& e, const std::function<std::string(const std::string&)>& sign = {});
  void commit();
  void rollback() noexcept;
  // One entry in a transaction of its own: begin, prepare, append, commit; rolled back, and
  // the exception passed on, when any step fails.
  void append_alone(Entry& e, const std::function<std::string(const std::string&)>& sign = {});

  // Every entry that passes `filter`, in ledger order (seq ascending), read one row at a time:
  // memory stays flat whatever the ledger's size. `visit` returns false to stop early. Throws
  // Error("ledger.unreadable") when the ledger cannot be read (after the entries visited so
  // far); an exception `visit` throws ends the reading and is passed on.
  void for_each(const Filter& filter, const Visit& visit) const;
  // The same entries as a vector: for readings known to be small (one lot's entries). A reader
  // of the whole ledger (an export, an audit) uses for_each.
  std::vector<Entry> entries(const Filter& filter = {}) const;
  // How many entries pass `filter`.
  std::size_t count(const Filter& filter = {}) const;
  // The last entry (the highest seq), with one query; nullopt for an empty ledger.
  std::optional<Entry> head() const;
  bool triggers_present() const;
  // Empty when the database's append-only rules (its triggers, and on PostgreSQL the functions
  // behind them) are the ones dosegate made; else what is wrong with them.
  std::string rules_problem() const;
  // A consistent copy of the whole ledger at one moment, made with SQLite's online backup
  // while other processes go on appending, into `out` (a new file: an existing one is never
  // replaced; written under a temporary name, checked, synced, then renamed). Returns the last
  // entry number copied. Throws Error("ledger.backup") naming the file and the cause.
  long long backup(const std::string& out) const;
  long long highest_seq_ever() const;  // from SQLite's AUTOINCREMENT bookkeeping

  // One consistent state of the ledger for reads that belong together: while a Snapshot lives,
  // every read through this Ledger sees the ledger as it was at the first of them (an export
  // and its chain head, an audit's entries and the bookkeeping of the highest number ever
  // written), whatever other processes append meanwhile. Other processes' appends go on; the
  // WAL is folded back only after it ends (see commit()). Snapshots nest (the outermost one
  // counts). Inside a transaction of this Ledger (begin()) it changes nothing: the transaction
  // is already one state. begin() must not be called while one lives on this Ledger, and a
  // Snapshot must not outlive its Ledger. A Ledger and its snapshots belong to one thread at
  // a time.
  class Snapshot {
   public:
    ~Snapshot();
    Snapshot(Snapshot&& other) noexcept;
    Snapshot& operator=(Snapshot&&) = delete;
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;

   private:
    friend class Ledger;
    explicit Snapshot(Impl* impl) : impl_(impl) {}
    Impl* impl_;  // null when taken inside a transaction (nothing to end)
  };
  // Throws Error("ledger.unreadable") when the read transaction cannot be started.
  [[nodiscard]] Snapshot snapshot() const;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  void insert(const Entry& e, const std::string& payload);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosegate::ledger
