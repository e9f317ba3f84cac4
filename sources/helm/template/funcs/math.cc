// Sprig's math and conversion functions (numeric.go). The *f forms compute in decimal as
// shopspring/decimal does, which is why `addf 0.1 0.2` prints 0.3.

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "base/strconv.h"
#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

// A decimal number: sign, digits of the coefficient (no leading zeros; "0" for zero) and a
// power-of-ten exponent.
struct Decimal {
  bool negative = false;
  std::string digits = "0";
  int exponent = 0;
};

std::string StripLeadingZeros(std::string digits) {
  size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
}

// decimal.NewFromFloat: the shortest decimal that reads back as the same float.
Decimal FromFloat(double value) {
  Decimal d;
  if (value == 0) return d;
  std::string text = FormatFloat(std::fabs(value), 'e', -1, 64);
  d.negative = value < 0;
  size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  int exponent = std::atoi(text.c_str() + e + 1);
  size_t dot = mantissa.find('.');
  int fraction = 0;
  if (dot != std::string::npos) {
    fraction = static_cast<int>(mantissa.size() - dot - 1);
    mantissa.erase(dot, 1);
  }
  d.digits = StripLeadingZeros(mantissa);
  d.exponent = exponent - fraction;
  return d;
}

int CompareMagnitude(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

std::string AddDigits(const std::string& a, const std::string& b) {
  std::string out;
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int sum = carry;
    if (i < a.size()) sum += a[a.size() - 1 - i] - '0';
    if (i < b.size()) sum += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + sum % 10));
    carry = sum / 10;
  }
  std::reverse(out.begin(), out.end());
  return StripLeadingZeros(out);
}

// REQUIRES: a >= b
std::string SubDigits(const std::string& a, const std::string& b) {
  std::string out;
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int diff = a[a.size() - 1 - i] - '0' - borrow;
    if (i < b.size()) diff -= b[b.size() - 1 - i] - '0';
    borrow = diff < 0 ? 1 : 0;
    out.push_back(static_cast<char>('0' + (diff + 10) % 10));
  }
  std::reverse(out.begin(), out.end());
  return StripLeadingZeros(out);
}

std::string MulDigits(const std::string& a, const std::string& b) {
  std::vector<int> product(a.size() + b.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      product[i + j + 1] += (a[i] - '0') * (b[j] - '0');
    }
  }
  for (size_t k = product.size() - 1; k > 0; --k) {
    product[k - 1] += product[k] / 10;
    product[k] %= 10;
  }
  std::string out;
  for (int digit : product) out.push_back(static_cast<char>('0' + digit));
  return StripLeadingZeros(out);
}

void Align(Decimal& a, Decimal& b) {
  if (a.exponent > b.exponent) {
    a.digits = StripLeadingZeros(a.digits +
                                 std::string(static_cast<size_t>(a.exponent - b.exponent), '0'));
    a.exponent = b.exponent;
  } else if (b.exponent > a.exponent) {
    b.digits = StripLeadingZeros(b.digits +
                                 std::string(static_cast<size_t>(b.exponent - a.exponent), '0'));
    b.exponent = a.exponent;
  }
}

Decimal Add(Decimal a, Decimal b) {
  Align(a, b);
  Decimal out;
  out.exponent = a.exponent;
  if (a.negative == b.negative) {
    out.digits = AddDigits(a.digits, b.digits);
    out.negative = a.negative;
  } else if (CompareMagnitude(a.digits, b.digits) >= 0) {
    out.digits = SubDigits(a.digits, b.digits);
    out.negative = a.negative;
  } else {
    out.digits = SubDigits(b.digits, a.digits);
    out.negative = b.negative;
  }
  if (out.digits == "0") out.negative = false;
  return out;
}

Decimal Negate(Decimal d) {
  if (d.digits != "0") d.negative = !d.negative;
  return d;
}

Decimal Mul(const Decimal& a, const Decimal& b) {
  Decimal out;
  out.digits = MulDigits(a.digits, b.digits);
  out.exponent = a.exponent + b.exponent;
  out.negative = out.digits != "0" && a.negative != b.negative;
  return out;
}

// decimal.Div: the quotient rounded half away from zero to 16 decimal places.
Result<Decimal> Div(Decimal a, const Decimal& b) {
  if (b.digits == "0") return Status::Invalid("decimal division by 0");
  constexpr int kPrecision = 16;
  // a / b = (a.digits * 10^shift / b.digits) * 10^(a.exp - b.exp - shift); choose shift so the
  // result's exponent is -(kPrecision + 1), one guard digit for rounding.
  int shift = a.exponent - b.exponent + kPrecision + 1;
  std::string numerator = a.digits;
  std::string denominator = b.digits;
  if (shift >= 0) {
    numerator += std::string(static_cast<size_t>(shift), '0');
  } else {
    denominator += std::string(static_cast<size_t>(-shift), '0');
  }
  std::string quotient;
  std::string remainder = "0";
  for (char c : numerator) {
    remainder = StripLeadingZeros(remainder + c);
    int digit = 0;
    while (CompareMagnitude(remainder, denominator) >= 0) {
      remainder = SubDigits(remainder, denominator);
      ++digit;
    }
    quotient.push_back(static_cast<char>('0' + digit));
  }
  quotient = StripLeadingZeros(quotient);
  int guard = quotient.back() - '0';
  quotient.pop_back();
  if (quotient.empty()) quotient = "0";
  if (guard >= 5) quotient = AddDigits(quotient, "1");
  Decimal out;
  out.digits = StripLeadingZeros(quotient);
  out.exponent = -kPrecision;
  out.negative = out.digits != "0" && a.negative != b.negative;
  return out;
}

double ToDouble(const Decimal& d) {
  std::string text = (d.negative ? "-" : "") + d.digits + "e" + std::to_string(d.exponent);
  return std::strtod(text.c_str(), nullptr);
}

enum class Op { kAdd, kSub, kMul, kDiv };

Result<Value> DecimalOp(const Value& first, std::span<const Value> rest, Op op) {
  Decimal result = FromFloat(ToFloat64(first));
  for (const Value& value : rest) {
    Decimal operand = FromFloat(ToFloat64(value));
    switch (op) {
      case Op::kAdd:
        result = Add(result, operand);
        break;
      case Op::kSub:
        result = Add(result, Negate(operand));
        break;
      case Op::kMul:
        result = Mul(result, operand);
        break;
      case Op::kDiv: {
        Result<Decimal> quotient = Div(result, operand);
        if (!quotient.ok()) return quotient.status();
        result = *quotient;
        break;
      }
    }
  }
  return Value::Float(ToDouble(result));
}

// Go's integer arithmetic wraps around; C++'s signed overflow is undefined, so sums and
// products are computed unsigned.
uint64_t U(int64_t value) { return static_cast<uint64_t>(value); }
int64_t Wrap(uint64_t value) { return static_cast<int64_t>(value); }

Status DivideByZero() { return Status::Invalid("runtime error: integer divide by zero"); }

}  // namespace

CONVERGE_FUNC(FnAdd1) {
  (void)call;
  return Value::Int64(Wrap(U(ToInt64(args[0])) + 1));
}

CONVERGE_FUNC(FnAdd) {
  (void)call;
  uint64_t sum = 0;
  for (const Value& arg : args) sum += U(ToInt64(arg));
  return Value::Int64(Wrap(sum));
}

CONVERGE_FUNC(FnSub) {
  (void)call;
  return Value::Int64(Wrap(U(ToInt64(args[0])) - U(ToInt64(args[1]))));
}

CONVERGE_FUNC(FnMul) {
  (void)call;
  uint64_t product = U(ToInt64(args[0]));
  for (size_t i = 1; i < args.size(); ++i) product *= U(ToInt64(args[i]));
  return Value::Int64(Wrap(product));
}

CONVERGE_FUNC(FnDiv) {
  (void)call;
  int64_t divisor = ToInt64(args[1]);
  if (divisor == 0) return DivideByZero();
  int64_t dividend = ToInt64(args[0]);
  if (divisor == -1) return Value::Int64(Wrap(0 - U(dividend)));
  return Value::Int64(dividend / divisor);
}

CONVERGE_FUNC(FnMod) {
  (void)call;
  int64_t divisor = ToInt64(args[1]);
  if (divisor == 0) return DivideByZero();
  if (divisor == -1) return Value::Int64(0);
  return Value::Int64(ToInt64(args[0]) % divisor);
}

CONVERGE_FUNC(FnMax) {
  (void)call;
  int64_t best = ToInt64(args[0]);
  for (size_t i = 1; i < args.size(); ++i) best = std::max(best, ToInt64(args[i]));
  return Value::Int64(best);
}

CONVERGE_FUNC(FnMin) {
  (void)call;
  int64_t best = ToInt64(args[0]);
  for (size_t i = 1; i < args.size(); ++i) best = std::min(best, ToInt64(args[i]));
  return Value::Int64(best);
}

CONVERGE_FUNC(FnMaxf) {
  (void)call;
  double best = ToFloat64(args[0]);
  for (size_t i = 1; i < args.size(); ++i) best = std::fmax(best, ToFloat64(args[i]));
  return Value::Float(best);
}

CONVERGE_FUNC(FnMinf) {
  (void)call;
  double best = ToFloat64(args[0]);
  for (size_t i = 1; i < args.size(); ++i) best = std::fmin(best, ToFloat64(args[i]));
  return Value::Float(best);
}

CONVERGE_FUNC(FnAddf) {
  (void)call;
  return DecimalOp(Value::Float(0), args, Op::kAdd);
}

CONVERGE_FUNC(FnAdd1f) {
  (void)call;
  Value one = Value::Int(1);
  return DecimalOp(args[0], std::span<const Value>(&one, 1), Op::kAdd);
}

CONVERGE_FUNC(FnSubf) {
  (void)call;
  return DecimalOp(args[0], std::span<const Value>(args).subspan(1), Op::kSub);
}

CONVERGE_FUNC(FnMulf) {
  (void)call;
  return DecimalOp(args[0], std::span<const Value>(args).subspan(1), Op::kMul);
}

CONVERGE_FUNC(FnDivf) {
  (void)call;
  return DecimalOp(args[0], std::span<const Value>(args).subspan(1), Op::kDiv);
}

CONVERGE_FUNC(FnCeil) {
  (void)call;
  return Value::Float(std::ceil(ToFloat64(args[0])));
}

CONVERGE_FUNC(FnFloor) {
  (void)call;
  return Value::Float(std::floor(ToFloat64(args[0])));
}

CONVERGE_FUNC(FnRound) {
  (void)call;
  double round_on = args.size() > 2 ? args[2].float_value() : 0.5;
  double value = ToFloat64(args[0]);
  double pow = std::pow(10.0, static_cast<double>(args[1].int_value()));
  double digit = pow * value;
  double integral = 0;
  double fraction = std::modf(digit, &integral);
  double rounded = fraction >= round_on ? std::ceil(digit) : std::floor(digit);
  return Value::Float(rounded / pow);
}

CONVERGE_FUNC(FnInt) {
  (void)call;
  return Value::Int(ToInt64(args[0]));
}

CONVERGE_FUNC(FnInt64) {
  (void)call;
  return Value::Int64(ToInt64(args[0]));
}

CONVERGE_FUNC(FnFloat64) {
  (void)call;
  return Value::Float(ToFloat64(args[0]));
}

// strconv.Atoi in base 10; on overflow Go returns the saturated value with an error that sprig
// ignores, on bad syntax 0.
CONVERGE_FUNC(FnAtoi) {
  (void)call;
  std::string_view digits = args[0].string_value();
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  bool ok = !digits.empty() &&
            std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ok) return Value::Int(0);
  uint64_t magnitude = 0;
  for (char c : digits) {
    if (magnitude > (uint64_t{1} << 63) / 10) {
      return Value::Int(negative ? INT64_MIN : INT64_MAX);
    }
    magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
  }
  if (negative) {
    if (magnitude > uint64_t{1} << 63) return Value::Int(INT64_MIN);
    return Value::Int(static_cast<int64_t>(0 - magnitude));
  }
  if (magnitude >= uint64_t{1} << 63) return Value::Int(INT64_MAX);
  return Value::Int(static_cast<int64_t>(magnitude));
}

CONVERGE_FUNC(FnToDecimal) {
  (void)call;
  std::string text = FormatValue(args[0]);
  std::string_view digits = text;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return Value::Int64(0);
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '7') return Value::Int64(0);
    value = value * 8 + (c - '0');
  }
  return Value::Int64(negative ? -value : value);
}

}  // namespace converge::sources::helm::tmpl
