// The OpenSSL part of `dosegate confirm` and nothing else, as a lower bound for its benchmark:
// load a trust directory's anchors, intermediates and CRLs, read the last signature of a
// release record and verify it with CMS_verify under the same chain rules (CRLs for every CA,
// S/MIME signing purpose, strict). No PDF object parsing, no release data, no role check, no
// ledger. Usage: dosegate_openssl_floor RECORD.pdf TRUST_DIR; prints "verified", exit 0.
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "dosegate_openssl_floor: %s\n", message.c_str());
  return 2;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void load(X509_STORE* store, const std::filesystem::path& dir, bool crls) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".pem") continue;
    BIO* bio = BIO_new_file(e.path().c_str(), "r");
    if (!bio) continue;
    if (crls) {
      while (X509_CRL* c = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
        X509_STORE_add_crl(store, c);
        X509_CRL_free(c);
      }
    } else {
      while (X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store, c);
        X509_free(c);
      }
    }
    BIO_free(bio);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return fail("usage: dosegate_openssl_floor RECORD.pdf TRUST_DIR");
  std::ifstream in(argv[1], std::ios::binary);
  const std::string pdf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = pdf.rfind("/ByteRange");
  long long r[4] = {0, 0, 0, 0};
  if (at == std::string::npos ||
      std::sscanf(pdf.c_str() + pdf.find('[', at) + 1, "%lld %lld %lld %lld", &r[0], &r[1], &r[2],
                  &r[3]) != 4 ||
      r[1] <= 0 || r[2] <= r[1] || r[2] + r[3] > static_cast<long long>(pdf.size()))
    return fail(std::string(argv[1]) + ": no usable /ByteRange");
  std::string der;
  for (auto i = static_cast<std::size_t>(r[1] + 1); i + 1 < static_cast<std::size_t>(r[2] - 1);
       i += 2) {
    const int hi = hex(pdf[i]), lo = hex(pdf[i + 1]);
    if (hi < 0 || lo < 0) return fail(std::string(argv[1]) + ": /Contents is not hex");
    der.push_back(static_cast<char>(hi * 16 + lo));
  }
  const std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                      X509_STORE_free);
  const std::filesystem::path trust(argv[2]);
  load(store.get(), trust / "anchors", false);
  load(store.get(), trust / "intermediates", false);
  load(store.get(), trust / "crls", true);
  X509_VERIFY_PARAM* param = X509_STORE_get0_param(store.get());
  X509_VERIFY_PARAM_set_flags(
      param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SMIME_SIGN);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
      d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())), CMS_ContentInfo_free);
  if (!cms) return fail(std::string(argv[1]) + ": /Contents is not CMS");
  const std::string content =
      pdf.substr(0, static_cast<std::size_t>(r[1])) +
      pdf.substr(static_cast<std::size_t>(r[2]), static_cast<std::size_t>(r[3]));
  const std::unique_ptr<BIO, decltype(&BIO_free)> data(
      BIO_new_mem_buf(content.data(), static_cast<int>(content.size())), BIO_free);
  const bool ok = CMS_verify(cms.get(), nullptr, store.get(), data.get(), nullptr, CMS_BINARY) == 1;
  std::puts(ok ? "verified" : "NOT verified");
  return ok ? 0 : 1;
}
