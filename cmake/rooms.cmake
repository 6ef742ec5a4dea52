# Each third-party library in one room: fails, listing every offending line, when a file under
# src/ or include/ outside a library's room includes that library's headers.
#
#   cmake -DSOURCE_DIR=<checkout> -P cmake/rooms.cmake
#
# Files under tests/ are not checked (tests may use a library themselves: OpenSSL to craft
# attack inputs, cpp-httplib's client in tests/serve_test.cpp); the cpp-httplib entry names
# them for the record.
# OpenSSL and xmlsec (and the private "crypto/detail/" headers) belong to src/crypto/*.cpp and
# src/crypto/detail/: the headers of src/crypto carry no OpenSSL or xmlsec type. libp11 belongs to
# src/token/token.cpp, which also speaks OpenSSL and crypto/detail/ (libp11 hands out OpenSSL
# keys, which become a crypto::SigningKey there).
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "give -DSOURCE_DIR=<checkout>")
endif()

# library ~ what its includes start with ~ the room (files) that may include it
set(rooms
  "OpenSSL and xmlsec~openssl/|xmlsec/|crypto/detail/~^src/(crypto/([^/]+\\.cpp|detail/.*)|token/token\\.cpp)$"
  "libp11~libp11\\.h~^src/token/token\\.cpp$"
  "pugixml~pugixml~^src/xml/strict\\.cpp$"
  "SQLite~sqlite3\\.h~^src/ledger/ledger\\.cpp$"
  "PostgreSQL (libpq)~libpq-fe\\.h|libpq-events\\.h|libpq/~^src/ledger_pg/postgresql\\.cpp$"
  "libharu~hpdf~^src/pdf/record\\.cpp$"
  "libzint~zint\\.h~^src/pdf/barcode\\.cpp$"
  "zlib~zlib\\.h~^src/pdf/flate\\.cpp$"
  "libqpdf~qpdf/~^src/pdf/record_reader\\.cpp$"
  "nlohmann-json~nlohmann/~^src/util/json_read\\.cpp$"
  "Boost~boost/~^src/cli/"
  "cpp-httplib~httplib\\.h~^(src/serve/server\\.cpp|tests/.*)$"
  "libargon2~argon2\\.h~^src/users/users\\.cpp$"
  "libcurl~curl/~^src/tsa/")

file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/src/* ${SOURCE_DIR}/include/*)
list(SORT files)
set(violations "")
foreach(room IN LISTS rooms)
  string(REPLACE "~" ";" parts "${room}")
  list(GET parts 0 library)
  list(GET parts 1 prefixes)
  list(GET parts 2 allowed)
  set(pattern "^[ \t]*#[ \t]*include[ \t]*[<\"](${prefixes})")
  foreach(file IN LISTS files)
    if(file MATCHES "${allowed}")
      continue()
    endif()
    file(STRINGS ${SOURCE_DIR}/${file} lines REGEX "${pattern}")
    foreach(line IN LISTS lines)
      string(STRIP "${line}" line)
      string(APPEND violations "\n  ${file}: ${line}  (${library} belongs to ${allowed})")
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "a third-party header outside its room; use the room's interface "
                      "instead:${violations}")
endif()
list(LENGTH files checked)
message(STATUS "rooms: ${checked} files checked; every third-party header stays in its room")
