#include "http/access_token.hpp"

#include "http/router.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <jwt.h>
#include <memory>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace jobcast {

namespace {

namespace json = boost::json;

using clock = std::chrono::system_clock;

/// RFC 7518 3.2: an HS256 key of at least the hash's size.
constexpr std::size_t min_secret_bytes = 32;

/// Longer tokens are refused unread (the header limit bounds them anyway).
constexpr std::size_t max_token_bytes = 8 * 1024;

struct jwt_deleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, jwt_deleter>;

struct pkey_deleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

/// Decodes `token`; verified against `key` unless it is empty. Null if
/// libjwt refuses it.
jwt_ptr decode(const std::string& token, const std::string& key) {
  jwt_t* raw = nullptr;
  auto rc = key.empty()
                ? jwt_decode(&raw, token.c_str(), nullptr, 0)
                : jwt_decode(&raw, token.c_str(),
                             reinterpret_cast<const unsigned char*>(key.data()),
                             static_cast<int>(key.size()));
  jwt_ptr result{raw};
  if (rc != 0)
    return nullptr;
  return result;
}

/// Parses one id of a `jobcast.view` or `jobcast.cancel` list: a positive
/// integer, or the same as a decimal string.
std::optional<job_id> claim_id(const json::value& v) {
  if (v.is_uint64() && v.get_uint64() > 0)
    return v.get_uint64();
  if (v.is_int64() && v.get_int64() > 0)
    return static_cast<job_id>(v.get_int64());
  if (v.is_string())
    return parse_job_id(std::string_view{v.get_string()});
  return std::nullopt;
}

/// Fills `out` from `"*"` or an array of ids (or kinds); false if the value
/// has another shape. `"*"` inside the array also means all.
template <class T, class Item>
bool read_set(const json::value& v, grant_set<T>& out, Item item) {
  if (v.is_string() && v.get_string() == "*") {
    out.all = true;
    return true;
  }
  if (!v.is_array())
    return false;
  for (auto& x : v.get_array()) {
    if (x.is_string() && x.get_string() == "*") {
      out.all = true;
      continue;
    }
    auto parsed = item(x);
    if (!parsed)
      return false;
    out.items.push_back(std::move(*parsed));
  }
  return true;
}

std::optional<std::string> claim_kind(const json::value& v) {
  if (!v.is_string() || v.get_string().empty())
    return std::nullopt;
  return std::string{v.get_string()};
}

/// A NumericDate (RFC 7519: seconds since the epoch, fractions allowed).
std::optional<double> numeric_date(const json::value& v) {
  if (v.is_int64())
    return static_cast<double>(v.get_int64());
  if (v.is_uint64())
    return static_cast<double>(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double()))
    return v.get_double();
  return std::nullopt;
}

double seconds_since_epoch(clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

/// The claims of a verified token, or why they do not do.
std::variant<access_grant, token_refusal> read_claims(jwt_t* token,
                                                      clock::time_point now) {
  std::unique_ptr<char, decltype(&std::free)> text{
      jwt_get_grants_json(token, nullptr), &std::free};
  if (!text)
    return token_refusal{"the token has no claims"};
  json::error_code ec;
  auto claims = json::parse(text.get(), ec);
  if (ec || !claims.is_object())
    return token_refusal{"the token's claims are not a JSON object"};
  auto& obj = claims.get_object();
  access_grant grant;
  auto* exp = obj.if_contains("exp");
  if (!exp)
    return token_refusal{"the token has no exp claim"};
  auto expires = numeric_date(*exp);
  if (!expires)
    return token_refusal{"the token's exp is not a number"};
  if (*expires <= seconds_since_epoch(now))
    return token_refusal{"the token has expired"};
  // Past any clock's range: treated as far in the future.
  auto limit = seconds_since_epoch(clock::time_point::max()) / 2;
  grant.expires = clock::time_point{std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(std::min(*expires, limit)))};
  if (auto* nbf = obj.if_contains("nbf")) {
    auto from = numeric_date(*nbf);
    if (!from)
      return token_refusal{"the token's nbf is not a number"};
    if (*from > seconds_since_epoch(now))
      return token_refusal{"the token is not valid yet"};
  }
  if (auto* v = obj.if_contains("jobcast.view");
      v && !read_set(*v, grant.view, claim_id))
    return token_refusal{"jobcast.view must be \"*\" or a list of job ids"};
  if (auto* v = obj.if_contains("jobcast.start");
      v && !read_set(*v, grant.start, claim_kind))
    return token_refusal{"jobcast.start must be \"*\" or a list of kinds"};
  if (auto* v = obj.if_contains("jobcast.cancel")) {
    if (v->is_bool())
      grant.cancel.all = v->get_bool();
    else if (!read_set(*v, grant.cancel, claim_id))
      return token_refusal{
          "jobcast.cancel must be true, \"*\" or a list of job ids"};
  }
  return grant;
}

bool accepted(jwt_alg_t alg, bool hmac, bool rsa) {
  switch (alg) {
  case JWT_ALG_HS256:
  case JWT_ALG_HS384:
  case JWT_ALG_HS512:
    return hmac;
  case JWT_ALG_RS256:
    return rsa;
  case JWT_ALG_ES256:
    return !hmac && !rsa;
  default:
    return false;
  }
}

} // namespace

std::optional<access_verifier> access_verifier::from_key(std::string_view key,
                                                         std::string& error) {
  if (key.empty()) {
    error = "the key is empty";
    return std::nullopt;
  }
  if (key.front() != '/' && key.front() != '.') {
    // A path that does not start so would be taken for a secret: the rule
    // is the first character, so a typo cannot turn a path into a secret.
    if (key.size() < min_secret_bytes) {
      error = "an HMAC secret must have at least 32 bytes";
      return std::nullopt;
    }
    return access_verifier{family::hmac, std::string{key}};
  }
  std::ifstream in{std::string{key}, std::ios::binary};
  if (!in) {
    error = "cannot read " + std::string{key};
    return std::nullopt;
  }
  std::string pem{std::istreambuf_iterator<char>{in}, {}};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio{
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
  std::unique_ptr<EVP_PKEY, pkey_deleter> pkey{
      bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)
          : nullptr};
  if (!pkey) {
    error = std::string{key} + " holds no PEM public key";
    return std::nullopt;
  }
  switch (EVP_PKEY_base_id(pkey.get())) {
  case EVP_PKEY_RSA:
    return access_verifier{family::rsa, std::move(pem)};
  case EVP_PKEY_EC: {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(pkey.get(), group, sizeof(group), &len) == 1 &&
        std::string_view{group, len} == "prime256v1")
      return access_verifier{family::ec, std::move(pem)};
    error = std::string{key} + ": only P-256 EC keys (ES256) are supported";
    return std::nullopt;
  }
  default:
    break;
  }
  error = std::string{key} + ": only RSA (RS256) and EC P-256 (ES256) public "
                             "keys are supported";
  return std::nullopt;
}

std::variant<access_grant, token_refusal>
access_verifier::verify(std::string_view token, clock::time_point now) const {
  if (token.empty())
    return token_refusal{"no access token"};
  if (token.size() > max_token_bytes ||
      token.find('\0') != std::string_view::npos)
    return token_refusal{"the token is not a JWT"};
  std::string text{token};
  auto verified = decode(text, key_);
  if (!verified) {
    // Without a key libjwt 1.10 parses and does not verify: only to tell
    // the client what is wrong, never to accept anything. (It then reports
    // every token as `none`; the header says what the token claims.)
    auto parsed = decode(text, {});
    if (!parsed)
      return token_refusal{"the token is not a JWT"};
    const char* named = jwt_get_header(parsed.get(), "alg");
    auto alg = named ? jwt_str_alg(named) : JWT_ALG_NONE;
    if (alg == JWT_ALG_INVAL)
      return token_refusal{"the token names an unknown algorithm"};
    if (alg == JWT_ALG_NONE)
      return token_refusal{"unsigned tokens (alg none) are refused"};
    if (!accepted(alg, family_ == family::hmac, family_ == family::rsa))
      return token_refusal{"the token's algorithm " +
                           std::string{jwt_alg_str(alg)} +
                           " is not accepted with this key"};
    return token_refusal{"the token's signature does not verify"};
  }
  // Algorithm confusion: libjwt verifies with whatever `alg` names, so an
  // HMAC computed over the public key's PEM text would pass; only the
  // key's own family counts. (libjwt refuses `none` with a key already.)
  auto alg = jwt_get_alg(verified.get());
  if (alg == JWT_ALG_NONE)
    return token_refusal{"unsigned tokens (alg none) are refused"};
  if (!accepted(alg, family_ == family::hmac, family_ == family::rsa))
    return token_refusal{"the token's algorithm " +
                         std::string{jwt_alg_str(alg)} +
                         " is not accepted with this key"};
  return read_claims(verified.get(), now);
}

std::string_view access_verifier::algorithms() const {
  switch (family_) {
  case family::hmac:
    return "HS256, HS384, HS512";
  case family::rsa:
    return "RS256";
  case family::ec:
    return "ES256";
  }
  return {};
}

} // namespace jobcast
