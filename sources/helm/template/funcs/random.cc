// Sprig's random functions, drawn from the seeded generator of the execution so that a seed
// reproduces a render. Their shape (length, alphabet) is Sprig's; the values cannot be Helm's.

#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {

CONVERGE_FUNC(FnB64enc);

namespace {

Result<Value> RandomFrom(Call& call, int64_t count, std::string_view alphabet) {
  if (count < 0) return Status::Invalid("randomstring: count must be non-negative");
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (int64_t i = 0; i < count; ++i) out += alphabet[pick(call.Random())];
  return Value::String(out);
}

constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";

}  // namespace

CONVERGE_FUNC(FnRandAlphaNum) {
  return RandomFrom(call, args[0].int_value(), std::string(kLetters) + std::string(kDigits));
}

CONVERGE_FUNC(FnRandAlpha) { return RandomFrom(call, args[0].int_value(), kLetters); }

CONVERGE_FUNC(FnRandNumeric) { return RandomFrom(call, args[0].int_value(), kDigits); }

CONVERGE_FUNC(FnRandAscii) {
  std::string printable;
  for (char c = ' '; c <= '~'; ++c) printable += c;
  return RandomFrom(call, args[0].int_value(), printable);
}

CONVERGE_FUNC(FnRandInt) {
  int64_t low = args[0].int_value();
  int64_t high = args[1].int_value();
  if (high <= low) return Status::Invalid("invalid argument to Intn");
  std::uniform_int_distribution<int64_t> pick(low, high - 1);
  return Value::Int(pick(call.Random()));
}

CONVERGE_FUNC(FnRandBytes) {
  int64_t count = args[0].int_value();
  if (count < 0) return Status::Invalid("randBytes: count must be non-negative");
  std::string bytes;
  for (int64_t i = 0; i < count; ++i) bytes += static_cast<char>(call.Random()() & 0xff);
  std::vector<Value> encode = {Value::String(bytes)};
  return FnB64enc(call, encode);
}

CONVERGE_FUNC(FnUuidv4) {
  (void)args;
  uint64_t high = call.Random()();
  uint64_t low = call.Random()();
  high = (high & ~uint64_t{0xf000}) | 0x4000;
  low = (low & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xffff), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return Value::String(buffer);
}

CONVERGE_FUNC(FnShuffle) {
  std::u32string runes;
  std::string text = args[0].string_value();
  std::vector<std::string> chars;
  for (size_t i = 0; i < text.size();) {
    size_t size = 1;
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0xf0) {
      size = 4;
    } else if (c >= 0xe0) {
      size = 3;
    } else if (c >= 0xc0) {
      size = 2;
    }
    chars.push_back(text.substr(i, size));
    i += size;
  }
  std::shuffle(chars.begin(), chars.end(), call.Random());
  std::string out;
  for (const std::string& c : chars) out += c;
  return Value::String(out);
}

}  // namespace converge::sources::helm::tmpl
