# The crypto room: OpenSSL and xmlsec are included by src/crypto/*.cpp and
# src/crypto/detail/ only. Fails, listing every offending line, when any other file under src/
# or include/ (the headers of src/crypto included) includes <openssl/...>, <xmlsec/...> or the
# private "crypto/detail/..." headers.
#
#   cmake -DSOURCE_DIR=<checkout> -P cmake/crypto_room.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "give -DSOURCE_DIR=<checkout>")
endif()

file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/src/* ${SOURCE_DIR}/include/*)
list(SORT files)
set(include_pattern "^[ \t]*#[ \t]*include[ \t]*[<\"](openssl/|xmlsec/|crypto/detail/)")
set(violations "")
set(checked 0)
foreach(file IN LISTS files)
  # Inside the room: its .cpp files and its private detail/ headers.
  if(file MATCHES "^src/crypto/" AND NOT file MATCHES "^src/crypto/[^/]+\\.hpp$")
    continue()
  endif()
  math(EXPR checked "${checked} + 1")
  file(STRINGS ${SOURCE_DIR}/${file} lines REGEX "${include_pattern}")
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    string(APPEND violations "\n  ${file}: ${line}")
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "OpenSSL, xmlsec and src/crypto/detail/ belong to src/crypto/*.cpp; "
                      "use the crypto interface (src/crypto/*.hpp) instead:${violations}")
endif()
message(STATUS "crypto room: ${checked} files outside src/crypto/*.cpp and src/crypto/detail/ "
               "include no OpenSSL, xmlsec or private crypto header")
