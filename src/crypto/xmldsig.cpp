#include "crypto/xmldsig.hpp"

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlsec/xmlsec.h>
// xmlsec.h first: the other xmlsec headers rely on its types.
#include <xmlsec/errors.h>
#include <xmlsec/keyinfo.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/membuf.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>

#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "crypto/detail/openssl.hpp"
#include "dosegate/error.hpp"

namespace dosegate::crypto::xmldsig {
namespace {

constexpr const char* kDsig = "http://www.w3.org/2000/09/xmldsig#";
constexpr const char* kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr const char* kEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr const char* kSha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
constexpr const char* kRsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
constexpr const char* kEcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
constexpr const char* kLocation = "/CertificateOfAnalysis/Signature";

// xmlsec reports through a global callback; collect its messages per thread instead of
// letting it print.
thread_local std::string t_xmlsec_errors;

void collect_xmlsec_error(const char* file, int line, const char* func, const char* object,
                          const char* subject, int reason, const char* msg) {
  (void)file, (void)line, (void)func, (void)object;
  if (!t_xmlsec_errors.empty()) t_xmlsec_errors += "; ";
  for (xmlSecSize i = 0; i < XMLSEC_ERRORS_MAX_NUMBER; ++i) {
    if (xmlSecErrorsGetMsg(i) == nullptr) break;
    if (xmlSecErrorsGetCode(i) == reason) {
      t_xmlsec_errors += xmlSecErrorsGetMsg(i);
      break;
    }
  }
  if (subject && *subject) t_xmlsec_errors += std::string(" (") + subject + ")";
  if (msg && *msg) t_xmlsec_errors += std::string(": ") + msg;
}

void ensure_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecOpenSSLAppInit(nullptr) < 0 ||
        xmlSecOpenSSLInit() < 0)
      throw Error("crypto.failure", "cannot initialise libxmlsec1");
    xmlSecErrorsSetCallback(collect_xmlsec_error);
  });
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;
struct CtxFree {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};
struct KeyFree {
  void operator()(xmlSecKey* k) const { xmlSecKeyDestroy(k); }
};

// Never resolve external entities, never load a DTD, never touch the network.
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

DocPtr parse(std::string_view bytes, const std::string& file) {
  return DocPtr(xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), file.c_str(), nullptr,
                              kParseOptions));
}

bool is_dsig(const xmlNode* n, const char* local) {
  return n && n->type == XML_ELEMENT_NODE && n->ns &&
         std::strcmp(reinterpret_cast<const char*>(n->ns->href), kDsig) == 0 &&
         std::strcmp(reinterpret_cast<const char*>(n->name), local) == 0;
}

void find_signatures(xmlNode* n, std::vector<xmlNode*>& out) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (is_dsig(n, "Signature")) out.push_back(n);
    find_signatures(n->children, out);
  }
}

std::vector<xmlNode*> element_children(xmlNode* n) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = n ? n->children : nullptr; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  return out;
}

std::string attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return std::string("\x01");  // absent: differs from every real value
  std::string s(reinterpret_cast<char*>(v));
  xmlFree(v);
  return s;
}

bool has_attr(xmlNode* n, const char* name) {
  return xmlHasProp(n, reinterpret_cast<const xmlChar*>(name)) != nullptr;
}

bool mentions_sha1(const std::string& alg) {
  return alg.find("sha1") != std::string::npos || alg.find("SHA1") != std::string::npos;
}

Finding finding(const char* code, std::string message) {
  return Finding{code, Severity::error, std::move(message), kLocation};
}

// The profile, checked on the DOM before any cryptography, so each violation gets its own
// finding. xmlsec is configured to enforce the same limits as a second line.
void check_profile(xmlNode* sig, std::vector<Finding>& out, std::string& algorithm) {
  const auto kids = element_children(sig);
  if (kids.size() < 2 || !is_dsig(kids[0], "SignedInfo") || !is_dsig(kids[1], "SignatureValue")) {
    out.push_back(finding("signature.structure",
                          "ds:Signature must hold SignedInfo, SignatureValue and KeyInfo"));
    return;
  }
  xmlNode* keyinfo = kids.size() > 2 ? kids[2] : nullptr;
  if (!is_dsig(keyinfo, "KeyInfo") || kids.size() > 3) {
    out.push_back(finding("signature.key-info",
                          "ds:Signature must end with a KeyInfo holding the signer's X509Data "
                          "(and nothing after it, such as ds:Object)"));
  }
  const auto si = element_children(kids[0]);
  if (si.size() < 3 || !is_dsig(si[0], "CanonicalizationMethod") ||
      !is_dsig(si[1], "SignatureMethod")) {
    out.push_back(finding("signature.structure", "ds:SignedInfo is incomplete"));
    return;
  }
  const auto c14n = attr(si[0], "Algorithm");
  if (c14n != kExcC14n)
    out.push_back(finding("signature.algorithm-not-allowed",
                          "SignedInfo canonicalization '" + c14n +
                              "' is not allowed; use exclusive c14n (" + kExcC14n + ")"));
  const auto method = attr(si[1], "Algorithm");
  if (method == kEcdsaSha256) {
    algorithm = "ECDSA-SHA256";
  } else if (method == kRsaSha256) {
    algorithm = "RSA-SHA256";
  } else {
    out.push_back(finding(
        mentions_sha1(method) ? "signature.weak-algorithm" : "signature.algorithm-not-allowed",
        "signature method '" + method +
            "' is not accepted; dosegate accepts RSA-SHA256 and ECDSA-SHA256"));
  }
  std::size_t references = 0;
  for (std::size_t i = 2; i < si.size(); ++i) {
    if (!is_dsig(si[i], "Reference")) {
      out.push_back(finding("signature.structure", "unexpected element in ds:SignedInfo"));
      continue;
    }
    ++references;
    xmlNode* ref = si[i];
    if (!has_attr(ref, "URI") || attr(ref, "URI") != "")
      out.push_back(finding(
          "signature.reference",
          "the Reference must cover the whole document (URI=\"\"); found " +
              (has_attr(ref, "URI") ? "URI=\"" + attr(ref, "URI") + "\"" : std::string("no URI"))));
    bool enveloped = false;
    for (xmlNode* part : element_children(ref)) {
      if (is_dsig(part, "Transforms")) {
        for (xmlNode* t : element_children(part)) {
          const auto alg = attr(t, "Algorithm");
          if (alg == kEnveloped) {
            enveloped = true;
          } else if (alg != kExcC14n) {
            out.push_back(finding("signature.algorithm-not-allowed",
                                  "transform '" + alg +
                                      "' is not allowed; only enveloped-signature and exclusive "
                                      "c14n are"));
          } else if (!element_children(t).empty()) {
            out.push_back(finding("signature.algorithm-not-allowed",
                                  "exclusive c14n with InclusiveNamespaces is not allowed"));
          }
        }
      } else if (is_dsig(part, "DigestMethod")) {
        const auto alg = attr(part, "Algorithm");
        if (alg != kSha256)
          out.push_back(finding(
              mentions_sha1(alg) ? "signature.weak-algorithm" : "signature.algorithm-not-allowed",
              "digest method '" + alg + "' is not accepted; use SHA-256"));
      }
    }
    if (!enveloped)
      out.push_back(
          finding("signature.reference", "the Reference lacks the enveloped-signature transform"));
  }
  if (references != 1)
    out.push_back(
        finding("signature.reference", "SignedInfo holds " + std::to_string(references) +
                                           " References; exactly one (URI=\"\") is allowed"));
  if (is_dsig(keyinfo, "KeyInfo")) {
    std::size_t certificates = 0;
    for (xmlNode* k : element_children(keyinfo)) {
      if (!is_dsig(k, "X509Data")) {
        out.push_back(finding("signature.key-info",
                              std::string("KeyInfo/") + reinterpret_cast<const char*>(k->name) +
                                  " is not accepted: the key must come from the signer's X509 "
                                  "certificate (a bare KeyValue lets anyone sign)"));
        continue;
      }
      for (xmlNode* x : element_children(k))
        if (is_dsig(x, "X509Certificate")) ++certificates;
    }
    if (certificates == 0)
      out.push_back(finding("signature.key-info",
                            "KeyInfo holds no X509Certificate; the signer's certificate must be "
                            "included"));
  }
}

// The certificates of KeyInfo/X509Data, decoded. Returns false when one cannot be decoded.
bool x509data_certificates(xmlNode* sig, std::vector<crypto::X509Ptr>& out) {
  for (xmlNode* part : element_children(sig)) {
    if (!is_dsig(part, "KeyInfo")) continue;
    for (xmlNode* data : element_children(part)) {
      for (xmlNode* x : element_children(data)) {
        if (!is_dsig(x, "X509Certificate")) continue;
        xmlChar* content = xmlNodeGetContent(x);
        std::string b64;
        for (const xmlChar* p = content; p && *p; ++p)
          if (!std::isspace(*p)) b64 += static_cast<char>(*p);
        xmlFree(content);
        std::string der((b64.size() / 4) * 3 + 3, '\0');
        const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()),
                                      reinterpret_cast<const unsigned char*>(b64.data()),
                                      static_cast<int>(b64.size()));
        if (n < 0 || b64.size() % 4 != 0) return false;
        std::size_t len = static_cast<std::size_t>(n);
        for (auto it = b64.rbegin(); it != b64.rend() && *it == '='; ++it) --len;
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        X509* cert = d2i_X509(nullptr, &p, static_cast<long>(len));
        if (!cert) return false;
        out.emplace_back(cert);
      }
    }
  }
  return true;
}

}  // namespace

Verified verify_enveloped(std::string_view bytes, const std::string& file) {
  ensure_initialised();
  t_xmlsec_errors.clear();
  Verified v;
  const auto doc = parse(bytes, file);
  if (!doc) {
    v.findings.push_back(finding("signature.unreadable",
                                 "the document is not well-formed XML, so no signature in it "
                                 "can be checked"));
    return v;
  }
  xmlNode* root = xmlDocGetRootElement(doc.get());
  std::vector<xmlNode*> signatures;
  find_signatures(root, signatures);
  v.present = !signatures.empty();
  if (!v.present) return v;
  if (doc->intSubset || doc->extSubset)
    v.findings.push_back(finding("signature.doctype",
                                 "the document has a DOCTYPE; it can change what readers see "
                                 "after signing, so a signed CoA must not have one"));
  if (signatures.size() > 1) {
    v.findings.push_back(
        finding("signature.multiple", "the document holds " + std::to_string(signatures.size()) +
                                          " ds:Signature elements; exactly one is allowed"));
    return v;
  }
  xmlNode* sig = signatures[0];
  xmlNode* last = nullptr;
  for (xmlNode* c = root->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) last = c;
  if (sig->parent != root || sig != last) {
    v.findings.push_back(
        finding("signature.misplaced", "ds:Signature must be the last child of the root element"));
    return v;
  }
  check_profile(sig, v.findings, v.algorithm);
  if (!v.findings.empty()) return v;

  // The signer is the one certificate of X509Data that issued none of the others; the rest
  // are its chain. Its trust is checked afterwards by dosegate's own policy.
  std::vector<crypto::X509Ptr> certs;
  if (!x509data_certificates(sig, certs)) {
    crypto::take_errors();
    v.findings.push_back(finding("signature.key-info",
                                 "an X509Certificate in KeyInfo is not a valid base64 DER "
                                 "certificate"));
    return v;
  }
  std::vector<std::size_t> leaves;
  for (std::size_t i = 0; i < certs.size(); ++i) {
    bool issues_another = false;
    for (std::size_t j = 0; j < certs.size(); ++j)
      if (i != j && X509_cmp(certs[i].get(), certs[j].get()) != 0 &&
          X509_check_issued(certs[i].get(), certs[j].get()) == X509_V_OK)
        issues_another = true;
    if (!issues_another) leaves.push_back(i);
  }
  if (leaves.size() != 1) {
    v.findings.push_back(finding("signature.key-info",
                                 "cannot tell which certificate of X509Data signed: it must hold "
                                 "the signer's certificate and, optionally, its CA chain"));
    return v;
  }
  // No keys manager: the key is set from the signer's certificate, so KeyInfo is never used
  // to find a key (no KeyValue, no retrieval) and no system certificate store is loaded.
  std::unique_ptr<xmlSecDSigCtx, CtxFree> ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) throw Error("crypto.failure", "cannot create the xmlsec signature context");
  {
    EVP_PKEY* pub = X509_get_pubkey(certs[leaves[0]].get());
    xmlSecKeyDataPtr value = pub ? xmlSecOpenSSLEvpKeyAdopt(pub) : nullptr;
    std::unique_ptr<xmlSecKey, KeyFree> key(xmlSecKeyCreate());
    if (!value || !key || xmlSecKeySetValue(key.get(), value) < 0)
      throw Error("crypto.failure", "cannot load the signer's public key: " + t_xmlsec_errors);
    ctx->signKey = key.release();
  }
  ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
  ctx->flags |= XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES;
  xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformEnvelopedId);
  xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecTransformExclC14NId);
  xmlSecDSigCtxEnableReferenceTransform(ctx.get(), xmlSecOpenSSLTransformSha256Id);
  xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecTransformExclC14NId);
  xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecOpenSSLTransformRsaSha256Id);
  xmlSecDSigCtxEnableSignatureTransform(ctx.get(), xmlSecOpenSSLTransformEcdsaSha256Id);

  const int rc = xmlSecDSigCtxVerify(ctx.get(), sig);
  if (rc < 0 || ctx->status != xmlSecDSigStatusSucceeded) {
    std::string detail = rc < 0 ? "verification could not complete (" + t_xmlsec_errors + ")"
                                : "the digest or signature value does not match: the CoA or its "
                                  "SignedInfo was changed after signing";
    v.findings.push_back(finding("signature.invalid", "the signature does not verify: " + detail));
    crypto::take_errors();
    return v;
  }
  auto* ref =
      static_cast<xmlSecDSigReferenceCtx*>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0));
  xmlSecBuffer* pre = ref ? xmlSecTransformMemBufGetBuffer(ref->preDigestMemBufMethod) : nullptr;
  if (!pre) throw Error("crypto.failure", "xmlsec kept no pre-digest buffer for the Reference");
  v.signed_content = std::string(reinterpret_cast<const char*>(xmlSecBufferGetData(pre)),
                                 xmlSecBufferGetSize(pre));
  for (std::size_t i = 0; i < certs.size(); ++i) {
    if (i == leaves[0])
      v.signer = detail::Access::adopt(std::move(certs[i]));
    else
      v.extra.push_back(detail::Access::adopt(std::move(certs[i])));
  }
  return v;
}

std::string sign_enveloped(std::string_view bytes, const std::string& file,
                           const SigningKey& signing_key) {
  EVP_PKEY* key = detail::Access::key(signing_key);
  ensure_initialised();
  t_xmlsec_errors.clear();
  const auto doc = parse(bytes, file);
  if (!doc) throw Error("coa.malformed", file + ": not well-formed XML; nothing was signed");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  std::vector<xmlNode*> existing;
  find_signatures(root, existing);
  if (!existing.empty())
    throw Error("coa.already-signed",
                file + ": the CoA already holds a ds:Signature; sign the unsigned CoA");

  const bool ec = EVP_PKEY_is_a(key, "EC");
  if (!ec && !EVP_PKEY_is_a(key, "RSA"))
    throw Error("key.unsupported", "the signing key must be ECDSA or RSA");
  xmlNode* sig = xmlSecTmplSignatureCreate(
      doc.get(), xmlSecTransformExclC14NId,
      ec ? xmlSecOpenSSLTransformEcdsaSha256Id : xmlSecOpenSSLTransformRsaSha256Id, nullptr);
  if (!sig) throw Error("crypto.failure", "cannot create the signature template");
  xmlAddChild(root, sig);
  xmlAddNextSibling(sig, xmlNewText(reinterpret_cast<const xmlChar*>("\n")));
  xmlNode* ref = xmlSecTmplSignatureAddReference(sig, xmlSecOpenSSLTransformSha256Id, nullptr,
                                                 reinterpret_cast<const xmlChar*>(""), nullptr);
  if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
      !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId))
    throw Error("crypto.failure", "cannot create the signature reference");
  xmlNode* keyinfo = xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr);
  if (!keyinfo || !xmlSecTmplKeyInfoAddX509Data(keyinfo))
    throw Error("crypto.failure", "cannot create KeyInfo/X509Data");

  // A key on a token cannot hand xmlsec the parameters it asks for (the curve's order): xmlsec
  // then signs with a stand-in key of the same kind, and the SignatureValue is made again below
  // over the same canonical SignedInfo with the token's key.
  const bool on_token = signing_key.protection() == KeyProtection::token;
  EvpPkeyPtr stand_in;
  if (on_token) {
    EVP_PKEY* pub = X509_get0_pubkey(detail::Access::x509(signing_key.certificate()));
    char group[64] = {0};
    std::size_t group_len = 0;
    if (ec && (!pub ||
               EVP_PKEY_get_utf8_string_param(pub, "group", group, sizeof group, &group_len) != 1))
      throw Error("crypto.failure", "cannot read the curve of the signer's certificate");
    stand_in.reset(ec ? EVP_EC_gen(group) : EVP_RSA_gen(2048));
    if (!stand_in)
      throw Error("crypto.failure", "cannot make a stand-in key: " + crypto::take_errors());
  }
  EVP_PKEY* xmlsec_key = on_token ? stand_in.get() : key;
  std::unique_ptr<xmlSecKey, KeyFree> sec_key(xmlSecKeyCreate());
  EVP_PKEY_up_ref(xmlsec_key);
  xmlSecKeyDataPtr value = xmlSecOpenSSLEvpKeyAdopt(xmlsec_key);
  if (!sec_key || !value || xmlSecKeySetValue(sec_key.get(), value) < 0)
    throw Error("crypto.failure", "cannot hand the key to xmlsec: " + t_xmlsec_errors);
  auto add_cert = [&](X509* c) {
    const std::string d = crypto::der(c);
    if (xmlSecOpenSSLAppKeyCertLoadMemory(
            sec_key.get(), reinterpret_cast<const xmlSecByte*>(d.data()),
            static_cast<xmlSecSize>(d.size()), xmlSecKeyDataFormatDer) < 0)
      throw Error("crypto.failure", "cannot attach a certificate to the key: " + t_xmlsec_errors);
  };
  add_cert(detail::Access::x509(signing_key.certificate()));
  for (const auto& c : signing_key.chain()) add_cert(detail::Access::x509(c));

  std::unique_ptr<xmlSecDSigCtx, CtxFree> ctx(xmlSecDSigCtxCreate(nullptr));
  ctx->signKey = sec_key.release();
  if (on_token) ctx->flags |= XMLSEC_DSIG_FLAGS_STORE_SIGNATURE;
  if (xmlSecDSigCtxSign(ctx.get(), sig) < 0)
    throw Error("crypto.failure", "signing failed: " + t_xmlsec_errors + crypto::take_errors());
  if (on_token) {
    xmlSecBufferPtr signed_info = ctx->preSignMemBufMethod
                                      ? xmlSecTransformMemBufGetBuffer(ctx->preSignMemBufMethod)
                                      : nullptr;
    xmlNode* value_node = xmlSecFindChild(sig, xmlSecNodeSignatureValue, xmlSecDSigNs);
    if (!signed_info || !value_node)
      throw Error("crypto.failure", "cannot find the canonical SignedInfo to sign");
    std::unique_ptr<EVP_MD_CTX, crypto::Deleter<EVP_MD_CTX_free>> md(EVP_MD_CTX_new());
    std::size_t len = 0;
    if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSignUpdate(md.get(), xmlSecBufferGetData(signed_info),
                             xmlSecBufferGetSize(signed_info)) != 1 ||
        EVP_DigestSignFinal(md.get(), nullptr, &len) != 1)
      throw Error("crypto.failure", "the token did not sign: " + crypto::take_errors());
    std::string der(len, '\0');
    if (EVP_DigestSignFinal(md.get(), reinterpret_cast<unsigned char*>(der.data()), &len) != 1)
      throw Error("crypto.failure", "the token did not sign: " + crypto::take_errors());
    der.resize(len);
    std::string raw = der;
    if (ec) {
      // XML-DSig's ECDSA value is r || s, each as long as the curve's order.
      const auto* p = reinterpret_cast<const unsigned char*>(der.data());
      std::unique_ptr<ECDSA_SIG, crypto::Deleter<ECDSA_SIG_free>> es(
          d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
      const int half = (EVP_PKEY_get_bits(stand_in.get()) + 7) / 8;
      if (!es) throw Error("crypto.failure", "the token's ECDSA signature does not parse");
      raw.assign(static_cast<std::size_t>(2 * half), '\0');
      auto* out = reinterpret_cast<unsigned char*>(raw.data());
      if (BN_bn2binpad(ECDSA_SIG_get0_r(es.get()), out, half) != half ||
          BN_bn2binpad(ECDSA_SIG_get0_s(es.get()), out + half, half) != half)
        throw Error("crypto.failure", "the token's ECDSA signature is too long for its curve");
    }
    std::string b64(4 * ((raw.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                                  reinterpret_cast<const unsigned char*>(raw.data()),
                                  static_cast<int>(raw.size()));
    b64.resize(static_cast<std::size_t>(n));
    xmlNodeSetContent(value_node, reinterpret_cast<const xmlChar*>(b64.c_str()));
  }
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &out, &size, "UTF-8");
  std::string result(reinterpret_cast<char*>(out), static_cast<std::size_t>(size));
  xmlFree(out);
  return result;
}

std::string with_root_attribute(std::string_view bytes, const std::string& file,
                                const std::string& name, const std::string& value) {
  ensure_initialised();
  const auto doc = parse(bytes, file);
  if (!doc) throw Error("xml.malformed", file + ": not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !xmlSetProp(root, reinterpret_cast<const xmlChar*>(name.c_str()),
                           reinterpret_cast<const xmlChar*>(value.c_str())))
    throw Error("xml.malformed", file + ": cannot set attribute '" + name + "' on the root");
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc.get(), &out, &size, "UTF-8");
  std::string result(reinterpret_cast<char*>(out), static_cast<std::size_t>(size));
  xmlFree(out);
  return result;
}

std::string enveloped_content(std::string_view bytes, const std::string& file) {
  ensure_initialised();
  const auto doc = parse(bytes, file);
  if (!doc) throw Error("xml.malformed", file + ": not well-formed XML");
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root) throw Error("xml.malformed", file + ": no root element");
  // sign_enveloped puts a line break after the signature; the enveloped transform removes the
  // signature alone.
  xmlAddChild(root, xmlNewText(reinterpret_cast<const xmlChar*>("\n")));
  xmlChar* out = nullptr;
  const int size =
      xmlC14NDocDumpMemory(doc.get(), nullptr, XML_C14N_EXCLUSIVE_1_0, nullptr, 0, &out);
  if (size < 0 || !out) throw Error("crypto.failure", file + ": cannot canonicalise");
  std::string result(reinterpret_cast<char*>(out), static_cast<std::size_t>(size));
  xmlFree(out);
  return result;
}

}  // namespace dosegate::crypto::xmldsig
