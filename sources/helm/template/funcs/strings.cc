// Sprig's string functions (strings.go) and Go's strings package as they use it.

#include <algorithm>

#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

const std::string& S(const std::vector<Value>& args, size_t i) { return args[i].string_value(); }

std::string TrimSpace(const std::string& text) {
  std::u32string runes = DecodeUtf8Runes(text);
  size_t begin = 0;
  size_t end = runes.size();
  while (begin < end && IsUnicodeSpace(runes[begin])) ++begin;
  while (end > begin && IsUnicodeSpace(runes[end - 1])) --end;
  std::string out;
  for (size_t i = begin; i < end; ++i) AppendUtf8(out, runes[i]);
  return out;
}

std::string ReplaceAll(const std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) {
    std::string out = to;
    std::u32string runes = DecodeUtf8Runes(text);
    for (char32_t r : runes) {
      AppendUtf8(out, r);
      out += to;
    }
    return out;
  }
  std::string out;
  size_t start = 0;
  while (true) {
    size_t found = text.find(from, start);
    if (found == std::string::npos) break;
    out.append(text, start, found - start);
    out += to;
    start = found + from.size();
  }
  out.append(text, start);
  return out;
}

// Go's strings.Split.
std::vector<std::string> Split(const std::string& text, const std::string& sep, int limit) {
  std::vector<std::string> parts;
  if (limit == 0) return parts;
  if (sep.empty()) {
    std::u32string runes = DecodeUtf8Runes(text);
    for (size_t i = 0; i < runes.size(); ++i) {
      if (limit > 0 && static_cast<int>(parts.size()) == limit - 1) {
        std::string rest;
        for (size_t k = i; k < runes.size(); ++k) AppendUtf8(rest, runes[k]);
        parts.push_back(rest);
        return parts;
      }
      std::string one;
      AppendUtf8(one, runes[i]);
      parts.push_back(one);
    }
    return parts;
  }
  size_t start = 0;
  while (limit < 0 || static_cast<int>(parts.size()) < limit - 1) {
    size_t found = text.find(sep, start);
    if (found == std::string::npos) break;
    parts.push_back(text.substr(start, found - start));
    start = found + sep.size();
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::string MapRunes(const std::string& text, char32_t (*map)(char32_t)) {
  std::string out;
  for (char32_t r : DecodeUtf8Runes(text)) AppendUtf8(out, map(r));
  return out;
}

bool IsLetterOrDigit(char32_t r) {
  return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' ||
         r >= 0x80;
}

Value MakeMapOfParts(const std::vector<std::string>& parts) {
  Value map = Value::Map(ElemType::kString);
  for (size_t i = 0; i < parts.size(); ++i) {
    map.mutable_map()["_" + std::to_string(i)] = Value::String(parts[i]);
  }
  return map;
}

Result<std::string> Repeat(const std::string& text, int64_t count) {
  if (count < 0) return Status::Invalid("strings: negative Repeat count");
  std::string out;
  out.reserve(text.size() * static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) out += text;
  return out;
}

// quote, squote and cat: the non-nil arguments, each written by `append`, joined by spaces.
template <typename Append>
Value JoinNonNil(const std::vector<Value>& args, Append append) {
  std::string out;
  bool first = true;
  for (const Value& arg : args) {
    if (arg.IsNil()) continue;
    if (!first) out += ' ';
    first = false;
    append(out, arg);
  }
  return Value::String(out);
}

}  // namespace

bool IsUnicodeSpace(char32_t r) {
  return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xa0 || r == 0x1680 ||
         (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f ||
         r == 0x3000;
}

char32_t UpperRune(char32_t r) {
  if (r >= 'a' && r <= 'z') return r - 32;
  if ((r >= 0xe0 && r <= 0xfe && r != 0xf7)) return r - 32;
  if (r >= 0x3b1 && r <= 0x3c9 && r != 0x3c2) return r - 32;
  if (r >= 0x430 && r <= 0x44f) return r - 32;
  return r;
}

char32_t LowerRune(char32_t r) {
  if (r >= 'A' && r <= 'Z') return r + 32;
  if ((r >= 0xc0 && r <= 0xde && r != 0xd7)) return r + 32;
  if (r >= 0x391 && r <= 0x3a9 && r != 0x3a2) return r + 32;
  if (r >= 0x410 && r <= 0x42f) return r + 32;
  return r;
}

// Go's strslice: lists (and []byte) element by element without nils, nil as nothing, else one
// element.
std::vector<std::string> StrSlice(const Value& value) {
  std::vector<std::string> out;
  if (value.kind() == Value::Kind::kList) {
    for (const Value& item : value.list()) {
      if (!item.IsNil()) out.push_back(StrVal(item));
    }
    return out;
  }
  if (value.kind() == Value::Kind::kBytes) {
    for (unsigned char byte : value.bytes_value()) out.push_back(std::to_string(byte));
    return out;
  }
  if (value.IsNil()) return out;
  out.push_back(StrVal(value));
  return out;
}

CONVERGE_FUNC(FnUpper) {
  (void)call;
  return Value::String(MapRunes(S(args, 0), &UpperRune));
}

CONVERGE_FUNC(FnLower) {
  (void)call;
  return Value::String(MapRunes(S(args, 0), &LowerRune));
}

CONVERGE_FUNC(FnTitle) {
  (void)call;
  std::string out;
  char32_t previous = ' ';
  for (char32_t r : DecodeUtf8Runes(S(args, 0))) {
    AppendUtf8(out, IsLetterOrDigit(previous) ? r : UpperRune(r));
    previous = r;
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnUntitle) {
  (void)call;
  std::string out;
  bool in_word = false;
  for (char32_t r : DecodeUtf8Runes(S(args, 0))) {
    bool space = IsUnicodeSpace(r);
    AppendUtf8(out, !in_word && !space ? LowerRune(r) : r);
    in_word = !space;
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnTrim) {
  (void)call;
  return Value::String(TrimSpace(S(args, 0)));
}

CONVERGE_FUNC(FnTrimAll) {
  (void)call;
  std::u32string cutset = DecodeUtf8Runes(S(args, 0));
  std::u32string runes = DecodeUtf8Runes(S(args, 1));
  auto in_set = [&](char32_t r) { return cutset.find(r) != std::u32string::npos; };
  size_t begin = 0;
  size_t end = runes.size();
  while (begin < end && in_set(runes[begin])) ++begin;
  while (end > begin && in_set(runes[end - 1])) --end;
  std::string out;
  for (size_t i = begin; i < end; ++i) AppendUtf8(out, runes[i]);
  return Value::String(out);
}

CONVERGE_FUNC(FnTrimSuffix) {
  (void)call;
  const std::string& text = S(args, 1);
  const std::string& suffix = S(args, 0);
  if (text.ends_with(suffix)) return Value::String(text.substr(0, text.size() - suffix.size()));
  return Value::String(text);
}

CONVERGE_FUNC(FnTrimPrefix) {
  (void)call;
  const std::string& text = S(args, 1);
  const std::string& prefix = S(args, 0);
  if (text.starts_with(prefix)) return Value::String(text.substr(prefix.size()));
  return Value::String(text);
}

CONVERGE_FUNC(FnTrunc) {
  (void)call;
  int64_t c = args[0].int_value();
  const std::string& text = S(args, 1);
  auto size = static_cast<int64_t>(text.size());
  if (c < 0 && size + c > 0) return Value::String(text.substr(static_cast<size_t>(size + c)));
  if (c >= 0 && size > c) return Value::String(text.substr(0, static_cast<size_t>(c)));
  return Value::String(text);
}

CONVERGE_FUNC(FnSubstr) {
  (void)call;
  int64_t start = args[0].int_value();
  int64_t end = args[1].int_value();
  const std::string& text = S(args, 2);
  auto size = static_cast<int64_t>(text.size());
  auto bounds = [&](int64_t low, int64_t high) -> Result<Value> {
    if (high > size || high < 0) {
      return Status::Invalid("runtime error: slice bounds out of range [:" + std::to_string(high) +
                             "] with length " + std::to_string(size));
    }
    if (low > high || low < 0) {
      return Status::Invalid("runtime error: slice bounds out of range [" + std::to_string(low) +
                             ":" + std::to_string(high) + "]");
    }
    return Value::String(text.substr(static_cast<size_t>(low), static_cast<size_t>(high - low)));
  };
  if (start < 0) return bounds(0, end);
  if (end < 0 || end > size) return bounds(start, size);
  return bounds(start, end);
}

CONVERGE_FUNC(FnRepeat) {
  (void)call;
  Result<std::string> text = Repeat(S(args, 1), args[0].int_value());
  if (!text.ok()) return text.status();
  return Value::String(std::move(*text));
}

CONVERGE_FUNC(FnIndent) {
  (void)call;
  Result<std::string> pad = Repeat(" ", args[0].int_value());
  if (!pad.ok()) return pad.status();
  return Value::String(*pad + ReplaceAll(S(args, 1), "\n", "\n" + *pad));
}

CONVERGE_FUNC(FnNindent) {
  Result<Value> indented = FnIndent(call, args);
  if (!indented.ok()) return indented;
  return Value::String("\n" + indented->string_value());
}

CONVERGE_FUNC(FnReplace) {
  (void)call;
  return Value::String(ReplaceAll(S(args, 2), S(args, 0), S(args, 1)));
}

CONVERGE_FUNC(FnContains) {
  (void)call;
  return Value::Bool(S(args, 1).find(S(args, 0)) != std::string::npos);
}

CONVERGE_FUNC(FnHasPrefix) {
  (void)call;
  return Value::Bool(S(args, 1).starts_with(S(args, 0)));
}

CONVERGE_FUNC(FnHasSuffix) {
  (void)call;
  return Value::Bool(S(args, 1).ends_with(S(args, 0)));
}

CONVERGE_FUNC(FnQuote) {
  (void)call;
  return JoinNonNil(args, [](std::string& out, const Value& arg) { out += GoQuote(StrVal(arg)); });
}

CONVERGE_FUNC(FnSquote) {
  (void)call;
  return JoinNonNil(
      args, [](std::string& out, const Value& arg) { out += "'" + FormatValue(arg) + "'"; });
}

CONVERGE_FUNC(FnCat) {
  (void)call;
  return JoinNonNil(args, AppendValue);
}

// goutils.DeleteWhiteSpace reads the text byte by byte, each byte taken as a Latin-1 rune.
CONVERGE_FUNC(FnNospace) {
  (void)call;
  std::string out;
  for (unsigned char c : S(args, 0)) {
    if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xa0) continue;
    AppendUtf8(out, c);
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnPlural) {
  (void)call;
  return args[2].int_value() == 1 ? args[0] : args[1];
}

CONVERGE_FUNC(FnToString) {
  (void)call;
  return Value::String(StrVal(args[0]));
}

CONVERGE_FUNC(FnSplit) {
  (void)call;
  return MakeMapOfParts(Split(S(args, 1), S(args, 0), -1));
}

CONVERGE_FUNC(FnSplitn) {
  (void)call;
  return MakeMapOfParts(Split(S(args, 2), S(args, 0), static_cast<int>(args[1].int_value())));
}

CONVERGE_FUNC(FnSplitList) {
  (void)call;
  return Value::StringList(Split(S(args, 1), S(args, 0), -1));
}

CONVERGE_FUNC(FnJoin) {
  (void)call;
  std::string out;
  std::vector<std::string> parts = StrSlice(args[1]);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += S(args, 0);
    out += parts[i];
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnToStrings) {
  (void)call;
  return Value::StringList(StrSlice(args[0]));
}

CONVERGE_FUNC(FnSortAlpha) {
  (void)call;
  if (args[0].kind() != Value::Kind::kList) return Value::StringList({StrVal(args[0])});
  std::vector<std::string> parts = StrSlice(args[0]);
  std::sort(parts.begin(), parts.end());
  return Value::StringList(parts);
}

CONVERGE_FUNC(FnHello) {
  (void)call;
  (void)args;
  return Value::String("Hello!");
}

// goutils.Initials: the first byte of every word, each byte taken as a Latin-1 rune.
CONVERGE_FUNC(FnInitials) {
  (void)call;
  std::string out;
  bool take = true;
  for (unsigned char c : S(args, 0)) {
    if (c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xa0) {
      take = true;
    } else if (take) {
      AppendUtf8(out, c);
      take = false;
    }
  }
  return Value::String(out);
}

CONVERGE_FUNC(FnSwapcase) {
  (void)call;
  std::string out;
  for (char32_t r : DecodeUtf8Runes(S(args, 0))) {
    char32_t upper = UpperRune(r);
    AppendUtf8(out, upper != r ? upper : LowerRune(r));
  }
  return Value::String(out);
}

}  // namespace converge::sources::helm::tmpl

namespace converge::sources::helm::tmpl {

// goutils.Abbreviate / AbbreviateFull as sprig calls them; widths below 4 (7 for both ends)
// return the text unchanged, as sprig swallows the library's error.
CONVERGE_FUNC(FnAbbrev) {
  (void)call;
  int64_t width = args[0].int_value();
  const std::string& text = args[1].string_value();
  if (width < 4) return Value::String(text);
  if (static_cast<int64_t>(text.size()) <= width) return Value::String(text);
  return Value::String(text.substr(0, static_cast<size_t>(width - 3)) + "...");
}

CONVERGE_FUNC(FnAbbrevboth) {
  (void)call;
  int64_t offset = args[0].int_value();
  int64_t width = args[1].int_value();
  const std::string& text = args[2].string_value();
  auto size = static_cast<int64_t>(text.size());
  if (width < 4 || (offset > 0 && width < 7) || size <= width) return Value::String(text);
  if (offset > size) offset = size;
  if (size - offset < width - 3) offset = size - (width - 3);
  if (offset <= 4) return Value::String(text.substr(0, static_cast<size_t>(width - 3)) + "...");
  if (offset + width - 3 < size) {
    std::string rest = text.substr(static_cast<size_t>(offset));
    std::vector<Value> inner = {Value::Int(width - 3), Value::String(rest)};
    Result<Value> abbreviated = FnAbbrev(call, inner);
    return Value::String("..." + abbreviated->string_value());
  }
  return Value::String("..." + text.substr(static_cast<size_t>(size - (width - 3))));
}

}  // namespace converge::sources::helm::tmpl
