#include "operator/cli/flags.h"

#include <algorithm>

#include "base/duration.h"

namespace converge::cli {
namespace {

const FlagSpec* FindLong(const std::vector<FlagSpec>& specs, std::string_view name) {
  auto it = std::find_if(specs.begin(), specs.end(),
                         [&](const FlagSpec& spec) { return spec.name == name; });
  return it == specs.end() ? nullptr : &*it;
}

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char name) {
  auto it = std::find_if(specs.begin(), specs.end(),
                         [&](const FlagSpec& spec) { return spec.short_name == name; });
  return it == specs.end() ? nullptr : &*it;
}

}  // namespace

bool ParsedFlags::Bool(std::string_view name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->second.empty() && it->second.back() == "true";
}

std::string ParsedFlags::String(std::string_view name) const {
  auto it = values_.find(name);
  if (it != values_.end() && !it->second.empty()) return it->second.back();
  auto fallback = defaults_.find(name);
  return fallback == defaults_.end() ? std::string() : fallback->second;
}

std::vector<std::string> ParsedFlags::List(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

Result<ParsedFlags> ParseFlags(const std::vector<FlagSpec>& specs,
                               std::span<const std::string> args) {
  ParsedFlags parsed;
  for (const FlagSpec& spec : specs) {
    if (spec.type == FlagType::kString) parsed.defaults_[spec.name] = spec.default_value;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      parsed.positional_.insert(parsed.positional_.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      parsed.positional_.push_back(arg);
      continue;
    }
    const FlagSpec* spec = nullptr;
    std::string value;
    bool has_value = false;
    std::string shown;
    if (arg[1] == '-') {
      std::string_view body = std::string_view(arg).substr(2);
      size_t equals = body.find('=');
      std::string_view name = body.substr(0, equals);
      spec = FindLong(specs, name);
      shown = "--" + std::string(name);
      if (equals != std::string_view::npos) {
        value = std::string(body.substr(equals + 1));
        has_value = true;
      }
    } else {
      spec = FindShort(specs, arg[1]);
      shown = arg.substr(0, 2);
      if (arg.size() > 2) {
        value = arg.substr(arg[2] == '=' ? 3 : 2);
        has_value = true;
      }
    }
    if (spec == nullptr) {
      return Status::Invalid("unknown flag " + shown);
    }
    if (spec->type == FlagType::kBool) {
      if (!has_value) value = "true";
      if (value != "true" && value != "false") {
        return Status::Invalid("flag " + shown + " takes true or false, not \"" + value + "\"");
      }
    } else if (!has_value) {
      if (i + 1 >= args.size()) {
        return Status::Invalid("flag " + shown + " needs a value");
      }
      value = args[++i];
    }
    parsed.values_[spec->name].push_back(std::move(value));
  }
  return parsed;
}

std::string FlagHelp(const std::vector<FlagSpec>& specs) {
  std::vector<std::pair<std::string, std::string>> rows;
  size_t width = 0;
  for (const FlagSpec& spec : specs) {
    std::string left = spec.short_name != 0 ? std::string("-") + spec.short_name + ", " : "    ";
    left += "--" + spec.name;
    if (spec.type != FlagType::kBool) left += " " + spec.value_name;
    std::string right = spec.help;
    if (spec.type == FlagType::kString && !spec.default_value.empty()) {
      right += " (default " + spec.default_value + ")";
    }
    if (spec.type == FlagType::kList) right += " (repeatable)";
    width = std::max(width, left.size());
    rows.emplace_back(std::move(left), std::move(right));
  }
  std::string out;
  for (const auto& [left, right] : rows) {
    out += "  " + left + std::string(width - left.size() + 2, ' ') + right + "\n";
  }
  return out;
}

Result<std::chrono::milliseconds> DurationFlag(const ParsedFlags& flags, std::string_view name) {
  Result<std::chrono::nanoseconds> parsed = ParseDuration(flags.String(name));
  if (!parsed.ok()) return parsed.status().Wrap("--" + std::string(name));
  if (parsed->count() < 0) return Status::Invalid("--" + std::string(name) + " is negative");
  return std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
}

}  // namespace converge::cli
