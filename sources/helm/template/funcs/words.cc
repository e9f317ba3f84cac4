// Sprig's word functions: camelcase, snakecase and kebabcase (huandu/xstrings v1.5's
// ToPascalCase, ToSnakeCase, ToKebabCase), wrap and wrapWith (Masterminds/goutils WrapCustom).
// Behaviour is reproduced rune by rune because charts feed these names that become Kubernetes
// object names.

#include <string_view>

#include "base/utf8.h"
#include "sources/helm/template/fmt.h"
#include "sources/helm/template/funcs/funcs.h"

namespace converge::sources::helm::tmpl {
namespace {

bool IsUpper(char32_t r) { return LowerRune(r) != r; }

bool IsConnector(char32_t r) { return r == '-' || r == '_' || IsUnicodeSpace(r); }

// xstrings' isAlphabet: a letter outside the CJK blocks. Beyond ASCII, the alphabetic blocks
// count as letters (Latin-1's letters, Latin Extended, Greek, Cyrillic, …) and the blocks of
// spaces, punctuation and symbols do not.
bool IsAlphabet(char32_t r) {
  if ((r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) return true;
  if (r < 0xc0) return r == 0xaa || r == 0xb5 || r == 0xba;
  if (r == 0xd7 || r == 0xf7 || r == 0x37e || r == 0x387) return false;
  if (r >= 0x2000 && r <= 0x2bff) return false;
  if (r >= 0x3000 && r <= 0x303f) return false;
  return r < 0x3400 || (r >= 0xa000 && r < 0xf900 && !(r >= 0xd800 && r <= 0xdfff));
}

bool IsNumber(char32_t r) { return r >= '0' && r <= '9'; }

// unicode.IsPunct over ASCII (connectors are tested first by every caller).
bool IsPunct(char32_t r) {
  return r < 0x80 && std::string_view("!\"#%&'()*,-./:;?@[\\]_{}").find(static_cast<char>(r)) !=
                         std::string_view::npos;
}

enum class WordType { kInvalid, kNumber, kUpperCase, kAlphabet, kConnector, kPunct, kOther };

struct Word {
  WordType type = WordType::kInvalid;
  std::string_view text;
};

// xstrings' nextValidRune: the next rune that decodes, with the bytes skipped to reach it;
// `prev` when none does.
Rune NextValidRune(std::string_view text, char32_t prev) {
  size_t size = 0;
  while (size < text.size()) {
    Rune rune = DecodeRune(text, size);
    size += rune.size;
    if (rune.value != 0xfffd) return Rune{rune.value, size};
  }
  return Rune{prev, size};
}

// Consumes runes while `keep` holds; returns how many bytes were taken.
template <typename Keep>
size_t TakeWhile(std::string_view rest, char32_t r, Keep keep) {
  size_t taken = 0;
  while (taken < rest.size()) {
    Rune next = NextValidRune(rest.substr(taken), r);
    r = next.value;
    if (!keep(r)) break;
    taken += next.size;
  }
  return taken;
}

// xstrings' nextWord: splits off the first word of `text` and its type.
Word NextWord(std::string_view& text) {
  if (text.empty()) return {};
  Rune first = NextValidRune(text, 0xfffd);
  size_t offset = first.size;
  char32_t r = first.value;
  WordType type;
  if (r == 0xfffd) {
    type = WordType::kInvalid;
  } else if (IsConnector(r)) {
    type = WordType::kConnector;
    offset += TakeWhile(text.substr(offset), r, IsConnector);
  } else if (IsPunct(r)) {
    type = WordType::kPunct;
    offset += TakeWhile(text.substr(offset), r, IsPunct);
  } else if (IsUpper(r)) {
    type = WordType::kUpperCase;
    if (offset < text.size()) {
      Rune second = NextValidRune(text.substr(offset), r);
      if (IsUpper(second.value)) {
        size_t last_size = second.size;
        offset += second.size;
        char32_t last = second.value;
        while (offset < text.size()) {
          Rune next = NextValidRune(text.substr(offset), last);
          last = next.value;
          if (!IsUpper(last)) break;
          last_size = next.size;
          offset += next.size;
        }
        // "HTTPStatus" splits as "HTTP" and "Status".
        if (offset < text.size() && IsAlphabet(last)) offset -= last_size;
      } else if (IsAlphabet(second.value)) {
        offset += second.size;
        offset += TakeWhile(text.substr(offset), second.value,
                            [](char32_t c) { return IsAlphabet(c) && !IsUpper(c); });
      }
    }
  } else if (IsAlphabet(r)) {
    type = WordType::kAlphabet;
    offset +=
        TakeWhile(text.substr(offset), r, [](char32_t c) { return IsAlphabet(c) && !IsUpper(c); });
  } else if (IsNumber(r)) {
    type = WordType::kNumber;
    offset += TakeWhile(text.substr(offset), r, IsNumber);
  } else {
    type = WordType::kOther;
    offset += TakeWhile(text.substr(offset), r, [](char32_t c) {
      return !IsConnector(c) && !IsAlphabet(c) && !IsNumber(c) && !IsPunct(c);
    });
  }
  Word word{type, text.substr(0, offset)};
  text.remove_prefix(offset);
  return word;
}

void AppendLower(std::string& out, const Word& word, char connector) {
  if (word.type != WordType::kUpperCase && word.type != WordType::kConnector) {
    out += word.text;
    return;
  }
  for (char32_t r : DecodeUtf8(word.text)) {
    if (IsConnector(r)) {
      out += connector;
    } else {
      AppendUtf8(out, LowerRune(r));
    }
  }
}

bool Joins(WordType type) {
  return type != WordType::kInvalid && type != WordType::kPunct && type != WordType::kConnector;
}

// xstrings' camelCaseToLowerCase: words lowered and joined by `connector`; digits stay with
// the word before them ("Bld4Floor" → "bld4_floor") unless lower-case letters follow them
// ("HTTP2xx" → "http_2xx").
std::string CamelToLower(std::string_view text, char connector) {
  std::string out;
  if (text.empty()) return out;
  Word word = NextWord(text);
  while (!text.empty()) {
    if (word.type != WordType::kConnector) AppendLower(out, word, connector);
    Word previous = word;
    word = NextWord(text);
    switch (previous.type) {
      case WordType::kNumber:
        while (word.type == WordType::kAlphabet || word.type == WordType::kNumber) {
          AppendLower(out, word, connector);
          word = NextWord(text);
        }
        if (Joins(word.type)) out += connector;
        break;
      case WordType::kConnector:
        AppendLower(out, previous, connector);
        break;
      case WordType::kPunct:
        break;
      default: {
        if (word.type != WordType::kNumber) {
          if (word.type != WordType::kConnector && word.type != WordType::kPunct) {
            out += connector;
          }
          break;
        }
        if (text.empty()) break;
        Word number = word;
        word = NextWord(text);
        if (word.type != WordType::kAlphabet) {
          AppendLower(out, Word{WordType::kNumber, number.text}, connector);
          if (word.type != WordType::kConnector && word.type != WordType::kPunct) {
            out += connector;
          }
          break;
        }
        out += connector;
        AppendLower(out, Word{WordType::kNumber, number.text}, connector);
        while (word.type == WordType::kAlphabet || word.type == WordType::kNumber) {
          AppendLower(out, word, connector);
          word = NextWord(text);
        }
        if (Joins(word.type)) out += connector;
      }
    }
  }
  AppendLower(out, word, connector);
  return out;
}

// xstrings' ToPascalCase (sprig's camelcase): words split at connectors, each capitalised; a
// run of capitals keeps only its first.
std::string ToPascalCase(std::string_view text) {
  std::string out;
  if (text.empty()) return out;
  std::u32string runes = DecodeUtf8(text);
  size_t i = 0;
  char32_t r0 = 0;
  bool first_upper = false;
  while (i < runes.size()) {
    r0 = runes[i++];
    if (!IsConnector(r0)) {
      first_upper = IsUpper(r0);
      r0 = UpperRune(r0);
      break;
    }
    AppendUtf8(out, r0);
  }
  // xstrings writes the last rune once more when only connectors precede it, or all are.
  if (i == runes.size()) {
    AppendUtf8(out, r0);
    return out;
  }
  while (i < runes.size()) {
    char32_t r1 = r0;
    r0 = runes[i++];
    if (IsConnector(r0) && IsConnector(r1)) {
      AppendUtf8(out, r1);
      continue;
    }
    if (IsConnector(r1)) {
      first_upper = IsUpper(r0);
      r0 = UpperRune(r0);
    } else {
      if (first_upper) {
        if (IsUpper(r0)) {
          r0 = LowerRune(r0);
        } else {
          first_upper = false;
        }
      }
      AppendUtf8(out, r1);
    }
  }
  AppendUtf8(out, r0);
  return out;
}

// goutils.WrapCustom: breaks at the last space within `width` bytes; leading spaces of a line
// are dropped. Longer words are cut at `width` bytes when `wrap_long`, else left whole.
std::string WrapCustom(const std::string& text, int64_t width, std::string separator,
                       bool wrap_long) {
  if (text.empty()) return "";
  if (separator.empty()) separator = "\n";
  size_t length = width < 1 ? 1 : static_cast<size_t>(width);
  std::string out;
  size_t offset = 0;
  while (text.size() - offset > length) {
    if (text[offset] == ' ') {
      ++offset;
      continue;
    }
    size_t space = text.substr(offset, length + 1).rfind(' ');
    if (space != std::string::npos) {
      out.append(text, offset, space);
      out += separator;
      offset += space + 1;
    } else if (wrap_long) {
      out.append(text, offset, length);
      out += separator;
      offset += length;
    } else {
      size_t next = text.find(' ', offset + length);
      if (next == std::string::npos) {
        out.append(text, offset);
        offset = text.size();
      } else {
        out.append(text, offset, next - offset);
        out += separator;
        offset = next + 1;
      }
    }
  }
  out.append(text, offset);
  return out;
}

}  // namespace

CONVERGE_FUNC(FnCamelcase) {
  (void)call;
  return Value::String(ToPascalCase(args[0].string_value()));
}

CONVERGE_FUNC(FnSnakecase) {
  (void)call;
  return Value::String(CamelToLower(args[0].string_value(), '_'));
}

CONVERGE_FUNC(FnKebabcase) {
  (void)call;
  return Value::String(CamelToLower(args[0].string_value(), '-'));
}

CONVERGE_FUNC(FnWrap) {
  (void)call;
  return Value::String(WrapCustom(args[1].string_value(), args[0].int_value(), "", false));
}

CONVERGE_FUNC(FnWrapWith) {
  (void)call;
  return Value::String(
      WrapCustom(args[2].string_value(), args[0].int_value(), args[1].string_value(), true));
}

}  // namespace converge::sources::helm::tmpl
