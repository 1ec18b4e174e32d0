#include "support/token_mint.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <jwt.h>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdexcept>
#include <unistd.h>

namespace jobcast::test {

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  auto n = BIO_get_mem_data(bio, &data);
  return {data, static_cast<std::size_t>(n)};
}

key_pair pem_of(EVP_PKEY* key) {
  if (!key)
    throw std::runtime_error("no key generated");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owner{key,
                                                            &EVP_PKEY_free};
  std::unique_ptr<BIO, decltype(&BIO_free)> priv{BIO_new(BIO_s_mem()),
                                                 &BIO_free};
  std::unique_ptr<BIO, decltype(&BIO_free)> pub{BIO_new(BIO_s_mem()),
                                                &BIO_free};
  if (PEM_write_bio_PrivateKey(priv.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key) != 1)
    throw std::runtime_error("cannot write a PEM key");
  return {bio_text(priv.get()), bio_text(pub.get())};
}

} // namespace

key_pair make_rsa_key() {
  return pem_of(EVP_RSA_gen(2048));
}

key_pair make_ec_key() {
  return pem_of(EVP_EC_gen("P-256"));
}

std::string mint(std::string_view alg, std::string_view key,
                 const std::string& claims) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0)
    throw std::runtime_error("jwt_new failed");
  std::unique_ptr<jwt_t, decltype(&jwt_free)> token{raw, &jwt_free};
  if (jwt_add_grants_json(raw, claims.c_str()) != 0)
    throw std::runtime_error("bad claims: " + claims);
  auto a = jwt_str_alg(std::string{alg}.c_str());
  int rc = a == JWT_ALG_NONE
               ? jwt_set_alg(raw, JWT_ALG_NONE, nullptr, 0)
               : jwt_set_alg(raw, a,
                             reinterpret_cast<const unsigned char*>(key.data()),
                             static_cast<int>(key.size()));
  if (rc != 0)
    throw std::runtime_error("jwt_set_alg failed for " + std::string{alg});
  std::unique_ptr<char, decltype(&std::free)> text{jwt_encode_str(raw),
                                                   &std::free};
  if (!text)
    throw std::runtime_error("jwt_encode_str failed");
  return text.get();
}

long long epoch_in(long long offset) {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch())
             .count() +
         offset;
}

std::string write_temp_file(std::string_view name, std::string_view text) {
  std::string dir = "/tmp/jobcast-test-XXXXXX";
  if (!mkdtemp(dir.data()))
    throw std::runtime_error("mkdtemp failed");
  auto path = dir + "/" + std::string{name};
  std::ofstream out{path, std::ios::binary};
  out << text;
  return path;
}

} // namespace jobcast::test
