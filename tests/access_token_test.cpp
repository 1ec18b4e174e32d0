// Unit tests of the access-token verifier (http/access_token.hpp): keys,
// algorithms, times and claims, with tokens minted by libjwt and keys made
// by OpenSSL at test time. No server.

#include "http/access_token.hpp"
#include "support/token_mint.hpp"

#include <gtest/gtest.h>

using namespace jobcast;
using namespace jobcast::test;

namespace {

const std::string secret = "a-test-secret-of-at-least-32-bytes!!";

std::string claims(long long exp_offset, const std::string& more = {}) {
  return "{\"exp\":" + std::to_string(epoch_in(exp_offset)) +
         (more.empty() ? "" : "," + more) + "}";
}

access_verifier hmac_verifier() {
  std::string error;
  auto v = access_verifier::from_key(secret, error);
  EXPECT_TRUE(v) << error;
  return *v;
}

access_verifier pem_verifier(const std::string& public_pem) {
  std::string error;
  auto v =
      access_verifier::from_key(write_temp_file("key.pem", public_pem), error);
  EXPECT_TRUE(v) << error;
  return *v;
}

/// The refusal's words, or "" if the token was accepted.
std::string refused(const access_verifier& v, const std::string& token) {
  auto result = v.verify(token, std::chrono::system_clock::now());
  if (auto* r = std::get_if<token_refusal>(&result))
    return r->detail.empty() ? "?" : r->detail;
  return {};
}

access_grant granted(const access_verifier& v, const std::string& token) {
  auto result = v.verify(token, std::chrono::system_clock::now());
  auto* g = std::get_if<access_grant>(&result);
  EXPECT_TRUE(g) << std::get<token_refusal>(result).detail;
  return g ? *g : access_grant{};
}

} // namespace

// -- keys ---------------------------------------------------------------------

TEST(access_key, a_short_secret_or_an_unusable_file_is_refused) {
  std::string error;
  EXPECT_FALSE(access_verifier::from_key("", error));
  EXPECT_FALSE(access_verifier::from_key("short-secret", error));
  EXPECT_NE(error.find("32"), std::string::npos) << error;
  EXPECT_FALSE(access_verifier::from_key("/nonexistent/key.pem", error));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
  auto not_pem = write_temp_file("key.pem", "hello");
  EXPECT_FALSE(access_verifier::from_key(not_pem, error));
  // A private key is not what the server should hold.
  auto priv = write_temp_file("key.pem", make_ec_key().private_pem);
  EXPECT_FALSE(access_verifier::from_key(priv, error));
}

TEST(access_key, the_key_decides_the_algorithms) {
  EXPECT_EQ(hmac_verifier().algorithms(), "HS256, HS384, HS512");
  EXPECT_EQ(pem_verifier(make_rsa_key().public_pem).algorithms(), "RS256");
  EXPECT_EQ(pem_verifier(make_ec_key().public_pem).algorithms(), "ES256");
}

// -- signatures and algorithms --------------------------------------------

TEST(access_token, hmac_tokens_with_the_secret_are_accepted) {
  auto v = hmac_verifier();
  for (auto alg : {"HS256", "HS384", "HS512"})
    EXPECT_EQ(refused(v, mint(alg, secret, claims(60))), "") << alg;
}

TEST(access_token, missing_malformed_and_wrongly_signed_are_refused) {
  auto v = hmac_verifier();
  EXPECT_NE(refused(v, ""), "");
  EXPECT_NE(refused(v, "not a jwt"), "");
  EXPECT_NE(refused(v, "a.b.c"), "");
  auto other =
      mint("HS256", "another-secret-of-at-least-32-bytes!", claims(60));
  EXPECT_EQ(refused(v, other), "the token's signature does not verify");
  // One byte of the payload changed: the signature no longer fits.
  auto good = mint("HS256", secret, claims(60, "\"jobcast.view\":[1]"));
  auto dot = good.find('.');
  auto tampered = good;
  tampered[dot + 5] = tampered[dot + 5] == 'A' ? 'B' : 'A';
  EXPECT_NE(refused(v, tampered), "");
}

TEST(access_token, alg_none_is_refused_with_every_key) {
  auto none = mint("none", "", claims(60, "\"jobcast.view\":\"*\""));
  EXPECT_EQ(refused(hmac_verifier(), none),
            "unsigned tokens (alg none) are refused");
  EXPECT_EQ(refused(pem_verifier(make_rsa_key().public_pem), none),
            "unsigned tokens (alg none) are refused");
  // The same with the signature of a real token appended.
  auto signed_token = mint("HS256", secret, claims(60));
  auto forged = none + signed_token.substr(signed_token.rfind('.') + 1);
  EXPECT_NE(refused(hmac_verifier(), forged), "");
}

TEST(access_token, rsa_and_ec_keys_verify_their_own_algorithm_only) {
  auto rsa = make_rsa_key();
  auto ec = make_ec_key();
  auto rv = pem_verifier(rsa.public_pem);
  auto ev = pem_verifier(ec.public_pem);
  EXPECT_EQ(refused(rv, mint("RS256", rsa.private_pem, claims(60))), "");
  EXPECT_EQ(refused(ev, mint("ES256", ec.private_pem, claims(60))), "");
  EXPECT_NE(refused(rv, mint("ES256", ec.private_pem, claims(60))), "");
  EXPECT_NE(refused(ev, mint("RS256", rsa.private_pem, claims(60))), "");
  EXPECT_NE(refused(rv, mint("RS256", make_rsa_key().private_pem, claims(60))),
            "");
  // RS512 is not offered: one algorithm per key family.
  EXPECT_NE(refused(rv, mint("RS512", rsa.private_pem, claims(60))), "");
}

TEST(access_token, hmac_keyed_with_the_public_key_is_refused) {
  // Algorithm confusion: anyone holds the public key, so an HS256 "signed"
  // with its PEM text must not pass (libjwt alone would accept it).
  auto rsa = make_rsa_key();
  auto forged =
      mint("HS256", rsa.public_pem, claims(60, "\"jobcast.view\":\"*\""));
  EXPECT_EQ(refused(pem_verifier(rsa.public_pem), forged),
            "the token's algorithm HS256 is not accepted with this key");
  auto ec = make_ec_key();
  EXPECT_NE(refused(pem_verifier(ec.public_pem),
                    mint("HS256", ec.public_pem, claims(60))),
            "");
}

// -- times ----------------------------------------------------------------

TEST(access_token, exp_is_required_and_checked) {
  auto v = hmac_verifier();
  EXPECT_EQ(refused(v, mint("HS256", secret, "{\"jobcast.view\":\"*\"}")),
            "the token has no exp claim");
  EXPECT_EQ(refused(v, mint("HS256", secret, claims(-1))),
            "the token has expired");
  EXPECT_EQ(refused(v, mint("HS256", secret, "{\"exp\":\"tomorrow\"}")),
            "the token's exp is not a number");
  auto token = mint("HS256", secret, claims(100));
  auto g = granted(v, token);
  auto left = g.expires - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::seconds{90});
  EXPECT_LE(left, std::chrono::seconds{101});
  // At its expiry a token is no longer valid.
  auto result = v.verify(token, g.expires);
  EXPECT_TRUE(std::holds_alternative<token_refusal>(result));
}

TEST(access_token, nbf_in_the_future_is_refused) {
  auto v = hmac_verifier();
  EXPECT_EQ(
      refused(v, mint("HS256", secret,
                      claims(600, "\"nbf\":" + std::to_string(epoch_in(300))))),
      "the token is not valid yet");
  EXPECT_EQ(
      refused(v, mint("HS256", secret,
                      claims(600, "\"nbf\":" + std::to_string(epoch_in(-1))))),
      "");
}

// -- claims ---------------------------------------------------------------

TEST(access_claims, lists_and_wildcards) {
  auto v = hmac_verifier();
  auto g = granted(v, mint("HS256", secret,
                           claims(60, "\"jobcast.view\":[1,\"2\"],"
                                      "\"jobcast.start\":[\"demo\"],"
                                      "\"jobcast.cancel\":[2]")));
  EXPECT_TRUE(g.view.contains(1));
  EXPECT_TRUE(g.view.contains(2));
  EXPECT_FALSE(g.view.contains(3));
  EXPECT_TRUE(g.start.contains("demo"));
  EXPECT_FALSE(g.start.contains("build"));
  EXPECT_TRUE(g.cancel.contains(2));
  EXPECT_FALSE(g.cancel.contains(1));

  auto all = granted(v, mint("HS256", secret,
                             claims(60, "\"jobcast.view\":\"*\","
                                        "\"jobcast.start\":[\"*\"],"
                                        "\"jobcast.cancel\":true")));
  EXPECT_TRUE(all.view.contains(12345));
  EXPECT_TRUE(all.start.contains("anything"));
  EXPECT_TRUE(all.cancel.contains(7));

  auto none = granted(v, mint("HS256", secret, claims(60)));
  EXPECT_TRUE(none.view.empty());
  EXPECT_TRUE(none.start.empty());
  EXPECT_TRUE(none.cancel.empty());
  auto no_cancel =
      granted(v, mint("HS256", secret, claims(60, "\"jobcast.cancel\":false")));
  EXPECT_TRUE(no_cancel.cancel.empty());
}

TEST(access_claims, malformed_claims_refuse_the_token) {
  auto v = hmac_verifier();
  for (auto bad : {"\"jobcast.view\":1", "\"jobcast.view\":[0]",
                   "\"jobcast.view\":[\"x\"]", "\"jobcast.view\":[-3]",
                   "\"jobcast.start\":\"demo\"", "\"jobcast.start\":[1]",
                   "\"jobcast.cancel\":\"yes\""})
    EXPECT_NE(refused(v, mint("HS256", secret, claims(60, bad))), "") << bad;
}
