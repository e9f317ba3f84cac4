#pragma once
// sources/helm/template/fmt.h (internal): Go's fmt and strconv as templates see them: default
// value printing (%v), Sprint/Sprintf/Sprintln with Go's verbs, flags and error forms, and the
// quoting and number syntax of Go literals.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sources/helm/template/value.h"

namespace converge::sources::helm::tmpl {

// strconv.Quote.
std::string GoQuote(std::string_view text);
// fmt's %.Nq: the first `runes` runes, quoted.
std::string GoQuotePrefix(std::string_view text, size_t runes);
// strconv.Unquote for "…", `…` and '…' literals; nullopt when malformed.
std::optional<std::string> GoUnquote(std::string_view literal);
std::u32string DecodeUtf8Runes(std::string_view text);
void AppendUtf8(std::string& out, char32_t rune);

// strconv.ParseInt / ParseUint with base 0, and ParseFloat, on Go literal syntax.
std::optional<int64_t> ParseGoInt(std::string_view text);
std::optional<uint64_t> ParseGoUint(std::string_view text);
std::optional<double> ParseGoFloat(std::string_view text);

// fmt.Sprint(value): %v.
std::string FormatValue(const Value& value);
void AppendValue(std::string& out, const Value& value);
// What a template action prints for a value: as %v, but a String method with a pointer
// receiver applies (the value is taken as addressable) and a pointer prints what it points to.
void AppendDirect(std::string& out, const Value& value);
std::string Sprint(std::span<const Value> args);
std::string Sprintln(std::span<const Value> args);
std::string Sprintf(std::string_view format, std::span<const Value> args);

}  // namespace converge::sources::helm::tmpl
