// RSA key generation for genPrivateKey and the certificate functions, as Go's crypto/rsa does it
// (crypto/internal/fips140/rsa/keygen.go, FIPS 186-5 appendix A.1.3): each prime is a fresh random
// number of half the modulus size with its top two bits set, kept when it passes trial division,
// gcd(e, p-1) = 1 and a few Miller-Rabin rounds. OpenSSL's BN_generate_prime_ex2 runs 64 rounds on
// every prime, the count for adversarial input, which made key generation most of the render time
// of a chart that calls genCA; candidates drawn at random need far fewer (see
// MillerRabinRoundCount).

#include <array>
#include <cassert>
#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "sources/helm/template/funcs/keys.h"

namespace converge::sources::helm::tmpl {
namespace {

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
using MontPtr = std::unique_ptr<BN_MONT_CTX, decltype(&BN_MONT_CTX_free)>;

BnPtr NewBn() { return BnPtr(BN_new(), BN_free); }

constexpr BN_ULONG kPublicExponent = 65537;

// Trial division by the 171 odd primes below this bound (51 BN_mod_word calls, see
// ForEachPrimeGroup) leaves 16% of the candidates for Miller-Rabin. Measured on 2048-bit keys,
// bounds from 256 to 2048 cost the same: past this, each prime saves fewer exponentiations than
// it adds divisions.
constexpr uint32_t kTrialDivisionBound = 1024;

constexpr bool IsPrime(uint32_t n) {
  for (uint32_t divisor = 2; divisor * divisor <= n; ++divisor) {
    if (n % divisor == 0) return false;
  }
  return n >= 2;
}

// Calls `emit` with products of consecutive odd primes below kTrialDivisionBound, each product
// as large as fits in 32 bits, so that one BN_mod_word tests a candidate against several primes.
constexpr void ForEachPrimeGroup(auto&& emit) {
  uint64_t product = 1;
  for (uint32_t n = 3; n < kTrialDivisionBound; n += 2) {
    if (!IsPrime(n)) continue;
    if (product * n > UINT32_MAX) {
      emit(product);
      product = 1;
    }
    product *= n;
  }
  emit(product);
}

constexpr size_t kPrimeGroupCount = [] {
  size_t count = 0;
  ForEachPrimeGroup([&](uint64_t) { ++count; });
  return count;
}();

constexpr std::array<uint32_t, kPrimeGroupCount> kPrimeGroups = [] {
  std::array<uint32_t, kPrimeGroupCount> groups{};
  size_t index = 0;
  ForEachPrimeGroup([&](uint64_t product) { groups[index++] = static_cast<uint32_t>(product); });
  return groups;
}();

// Miller-Rabin rounds for a random candidate of `bits` bits, from FIPS 186-5 table B.1 (minimum
// rounds of M-R testing when generating primes for RSA): 5 for 1024-bit primes (error
// probability 2^-112), 4 for 1536-bit (2^-128) and 2048-bit (2^-144) ones; the error only falls
// as the size grows. Go uses the same counts (keygen.go's isPrime, from BoringSSL).
// REQUIRES: bits >= 1024.
int MillerRabinRoundCount(int bits) {
  assert(bits >= 1024);
  return bits >= 1536 ? 4 : 5;
}

// An odd candidate w with w - 1 = m * 2^a, m odd, and what each round reuses.
struct Candidate {
  BnPtr w = NewBn(), w_minus_1 = NewBn(), m = NewBn();
  int a = 0;
  MontPtr mont = MontPtr(BN_MONT_CTX_new(), BN_MONT_CTX_free);
  int rounds_passed = 0;
};

// Whether w, odd, has no prime factor below kTrialDivisionBound and w - 1 is prime to e (FIPS
// 186-5 A.1.3 step 4.5: otherwise e has no inverse).
bool PassesTrialDivision(const BIGNUM* w) {
  for (uint32_t group : kPrimeGroups) {
    if (std::gcd(static_cast<uint32_t>(BN_mod_word(w, group)), group) != 1) return false;
  }
  return BN_mod_word(w, kPublicExponent) != 1;
}

// A fresh random candidate of `bits` bits, top two bits set (so that the product of two has
// exactly twice as many) and odd, that passes trial division. False when OpenSSL fails.
bool NextCandidate(int bits, BN_CTX* ctx, Candidate& out) {
  do {
    if (BN_priv_rand_ex(out.w.get(), bits, BN_RAND_TOP_TWO, BN_RAND_BOTTOM_ODD, 0, ctx) != 1) {
      return false;
    }
  } while (!PassesTrialDivision(out.w.get()));
  out.rounds_passed = 0;
  out.a = 1;
  if (BN_sub(out.w_minus_1.get(), out.w.get(), BN_value_one()) != 1) return false;
  while (!BN_is_bit_set(out.w_minus_1.get(), out.a)) ++out.a;
  return BN_rshift(out.m.get(), out.w_minus_1.get(), out.a) == 1 &&
         BN_MONT_CTX_set(out.mont.get(), out.w.get(), ctx) == 1;
}

// A uniform random base in [2, w - 2] (FIPS 186-5 B.3.1 steps 4.1 and 4.2).
bool RandomBase(const Candidate& candidate, BN_CTX* ctx, BIGNUM* base) {
  BnPtr range = NewBn();
  return range && BN_copy(range.get(), candidate.w_minus_1.get()) != nullptr &&
         BN_sub_word(range.get(), 2) == 1 &&
         BN_priv_rand_range_ex(base, range.get(), 0, ctx) == 1 && BN_add_word(base, 2) == 1;
}

// The end of a Miller-Rabin round (B.3.1 steps 4.4 to 4.6) once z = b^m mod w: whether b fails
// to witness that w is composite.
std::optional<bool> FinishRound(const Candidate& candidate, BIGNUM* z, BN_CTX* ctx) {
  if (BN_is_one(z) || BN_cmp(z, candidate.w_minus_1.get()) == 0) return true;
  for (int j = 1; j < candidate.a; ++j) {
    if (BN_mod_sqr(z, z, candidate.w.get(), ctx) != 1) return std::nullopt;
    if (BN_cmp(z, candidate.w_minus_1.get()) == 0) return true;
    if (BN_is_one(z)) return false;
  }
  return false;
}

// One Miller-Rabin round on each of two candidates, with a fresh random base each. The two
// exponentiations go to OpenSSL together: with AVX-512 IFMA it runs a pair of 1024-bit ones in
// about the time of one, and otherwise one after the other. Nullopt when OpenSSL fails.
std::optional<std::array<bool, 2>> MillerRabinRoundPair(Candidate& x, Candidate& y, BN_CTX* ctx) {
  BnPtr x_base = NewBn(), y_base = NewBn(), x_z = NewBn(), y_z = NewBn();
  if (!x_base || !y_base || !x_z || !y_z || !RandomBase(x, ctx, x_base.get()) ||
      !RandomBase(y, ctx, y_base.get()) ||
      BN_mod_exp_mont_consttime_x2(x_z.get(), x_base.get(), x.m.get(), x.w.get(), x.mont.get(),
                                   y_z.get(), y_base.get(), y.m.get(), y.w.get(), y.mont.get(),
                                   ctx) != 1) {
    return std::nullopt;
  }
  std::optional<bool> x_passes = FinishRound(x, x_z.get(), ctx);
  std::optional<bool> y_passes = FinishRound(y, y_z.get(), ctx);
  if (!x_passes || !y_passes) return std::nullopt;
  return std::array<bool, 2>{*x_passes, *y_passes};
}

// Two random primes of `bits` bits. The search runs two candidates side by side so that every
// exponentiation is half of a pair; a candidate is dropped at its first failed round and
// replaced, and is a prime once it passed all of its rounds. Empty when OpenSSL fails.
std::vector<BnPtr> RandomPrimePair(int bits, BN_CTX* ctx) {
  std::vector<BnPtr> primes;
  std::array<Candidate, 2> lanes;
  for (Candidate& lane : lanes) {
    if (!lane.w || !lane.w_minus_1 || !lane.m || !lane.mont || !NextCandidate(bits, ctx, lane)) {
      return {};
    }
  }
  const int rounds = MillerRabinRoundCount(bits);
  while (true) {
    std::optional<std::array<bool, 2>> passed = MillerRabinRoundPair(lanes[0], lanes[1], ctx);
    if (!passed) return {};
    for (size_t i = 0; i < lanes.size(); ++i) {
      Candidate& lane = lanes[i];
      if ((*passed)[i] && ++lane.rounds_passed < rounds) continue;
      if ((*passed)[i]) {
        primes.push_back(std::exchange(lane.w, NewBn()));
        if (primes.size() == 2) return primes;
      }
      if (!lane.w || !NextCandidate(bits, ctx, lane)) return {};
    }
  }
}

// The parts of an RSA private key.
struct RsaParts {
  BnPtr n = NewBn(), e = NewBn(), d = NewBn(), p = NewBn(), q = NewBn();
  BnPtr dp = NewBn(), dq = NewBn(), qinv = NewBn();
};

// The key of p and q, as the Go helm4 is built with (1.25) derives it: d = e⁻¹ mod λ(n), λ(n) =
// lcm(p-1, q-1), then the CRT parameters. False for the pairs FIPS 186-5 A.1.3 rejects, which
// random primes of this size almost never are: p and q closer than 2^(bits/2 - 100), or d not
// above 2^(bits/2).
bool DeriveRsaParts(int bits, BN_CTX* ctx, RsaParts& key) {
  BnPtr p1 = NewBn(), q1 = NewBn(), gcd = NewBn(), lambda = NewBn(), product = NewBn();
  BnPtr distance = NewBn();
  if (BN_sub(distance.get(), key.p.get(), key.q.get()) != 1 ||
      BN_num_bits(distance.get()) <= bits / 2 - 100 ||
      BN_mul(key.n.get(), key.p.get(), key.q.get(), ctx) != 1 || BN_num_bits(key.n.get()) != bits ||
      BN_sub(p1.get(), key.p.get(), BN_value_one()) != 1 ||
      BN_sub(q1.get(), key.q.get(), BN_value_one()) != 1 ||
      BN_gcd(gcd.get(), p1.get(), q1.get(), ctx) != 1 ||
      BN_mul(product.get(), p1.get(), q1.get(), ctx) != 1 ||
      BN_div(lambda.get(), nullptr, product.get(), gcd.get(), ctx) != 1 ||
      BN_mod_inverse(key.d.get(), key.e.get(), lambda.get(), ctx) == nullptr ||
      BN_num_bits(key.d.get()) <= bits / 2) {
    return false;
  }
  return BN_mod(key.dp.get(), key.d.get(), p1.get(), ctx) == 1 &&
         BN_mod(key.dq.get(), key.d.get(), q1.get(), ctx) == 1 &&
         BN_mod_inverse(key.qinv.get(), key.q.get(), key.p.get(), ctx) != nullptr;
}

KeyPtr RsaKeyFromParts(const RsaParts& key) {
  KeyPtr none(nullptr, EVP_PKEY_free);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        OSSL_PARAM_BLD_free);
  const std::pair<const char*, const BIGNUM*> fields[] = {
      {OSSL_PKEY_PARAM_RSA_N, key.n.get()},
      {OSSL_PKEY_PARAM_RSA_E, key.e.get()},
      {OSSL_PKEY_PARAM_RSA_D, key.d.get()},
      {OSSL_PKEY_PARAM_RSA_FACTOR1, key.p.get()},
      {OSSL_PKEY_PARAM_RSA_FACTOR2, key.q.get()},
      {OSSL_PKEY_PARAM_RSA_EXPONENT1, key.dp.get()},
      {OSSL_PKEY_PARAM_RSA_EXPONENT2, key.dq.get()},
      {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, key.qinv.get()},
  };
  if (!build) return none;
  for (const auto& [name, value] : fields) {
    if (OSSL_PARAM_BLD_push_BN(build.get(), name, value) != 1) return none;
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* made = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &made, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return none;
  }
  return KeyPtr(made, EVP_PKEY_free);
}

}  // namespace

KeyPtr GenerateRsaKey(int bits) {
  KeyPtr none(nullptr, EVP_PKEY_free);
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  RsaParts key;
  if (!ctx || BN_set_word(key.e.get(), kPublicExponent) != 1) return none;
  // DeriveRsaParts rejects a pair of random primes with negligible probability (about 2^-97,
  // by Go's estimate); a hundred rejections mean OpenSSL itself fails.
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::vector<BnPtr> primes = RandomPrimePair(bits / 2, ctx.get());
    if (primes.empty()) return none;
    key.p = std::move(primes[0]);
    key.q = std::move(primes[1]);
    if (DeriveRsaParts(bits, ctx.get(), key)) return RsaKeyFromParts(key);
  }
  return none;
}

}  // namespace converge::sources::helm::tmpl
