// Values coalescing and dependency processing with Helm's exact rules: maps merge deeply, the
// higher layer wins, lists are replaced, a null deletes a default (when coalescing, not when
// merging), globals flow down only, and a dependency's condition, tags, alias and import-values
// decide what renders.

#include <algorithm>

#include "sources/helm/internal.h"
#include "sources/helm/template/template.h"

namespace converge::sources::helm {
namespace {

using tmpl::Value;

bool IsTable(const Value& value) { return value.kind() == Value::Kind::kMap; }

Value ShallowCopy(const Value& map) {
  Value copy = Value::Map();
  copy.mutable_map() = map.map();
  return copy;
}

// Go's strings.Split on '.'.
std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.emplace_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

// Values.Table: the map at a dotted path, or nullopt.
std::optional<Value> Table(const Value& values, std::string_view path) {
  Value table = values;
  for (const std::string& part : SplitPath(path)) {
    auto found = table.map().find(part);
    if (found == table.map().end() || !IsTable(found->second)) return std::nullopt;
    table = found->second;
  }
  return table;
}

// Values.PathValue: the non-map value at a dotted path, or nullopt.
std::optional<Value> PathValue(const Value& values, std::string_view path) {
  std::vector<std::string> parts = SplitPath(path);
  std::string key = parts.back();
  parts.pop_back();
  Value table = values;
  for (const std::string& part : parts) {
    auto found = table.map().find(part);
    if (found == table.map().end() || !IsTable(found->second)) return std::nullopt;
    table = found->second;
  }
  auto found = table.map().find(key);
  if (found == table.map().end() || IsTable(found->second)) return std::nullopt;
  return found->second;
}

bool IsSubchart(const Chart& chart, const std::string& key) {
  return std::any_of(chart.charts.begin(), chart.charts.end(),
                     [&](const Chart& sub) { return sub.name == key; });
}

// coalesceValues: the chart's defaults under the user's `values` (mutated).
void CoalesceChartValues(const Chart& chart, Value& values, bool merge) {
  Value defaults = chart.values.IsNil() ? Value::Map() : chart.values.DeepCopy();
  auto& dest = values.mutable_map();
  for (auto& [key, value] : defaults.map()) {
    auto found = dest.find(key);
    if (found == dest.end()) {
      dest[key] = value;
    } else if (found->second.IsNil() && !merge) {
      dest.erase(found);
    } else if (IsTable(found->second) && IsTable(value)) {
      MergeTables(found->second, value, merge || IsSubchart(chart, key));
    }
  }
}

// coalesceGlobals: the parent's `global` copied into a sub-chart's values, parent first.
void CoalesceGlobals(Value& dest, const Value& src) {
  Value dest_globals = Value::Map();
  if (auto found = dest.map().find("global"); found != dest.map().end()) {
    if (!IsTable(found->second)) return;
    dest_globals = found->second;
  }
  Value src_globals = Value::Map();
  if (auto found = src.map().find("global"); found != src.map().end()) {
    if (!IsTable(found->second)) return;
    src_globals = found->second;
  }
  auto& globals = dest_globals.mutable_map();
  for (const auto& [key, value] : src_globals.map()) {
    auto existing = globals.find(key);
    if (IsTable(value)) {
      Value copy = ShallowCopy(value);
      if (existing == globals.end()) {
        globals[key] = copy;
      } else if (IsTable(existing->second)) {
        MergeTables(copy, existing->second, true);
        existing->second = copy;
      }
    } else if (existing == globals.end() || !IsTable(existing->second)) {
      globals[key] = value;
    }
  }
  dest.mutable_map()["global"] = dest_globals;
}

Status Coalesce(const Chart& chart, Value& values, bool merge);

Status CoalesceDependencies(const Chart& chart, Value& values, bool merge) {
  for (const Chart& sub : chart.charts) {
    auto& dest = values.mutable_map();
    auto found = dest.find(sub.name);
    if (found == dest.end()) {
      found = dest.emplace(sub.name, Value::Map()).first;
    } else if (!IsTable(found->second)) {
      // Helm formats the value with %t, Go's verb for booleans.
      const Value operand[] = {found->second};
      return Status::Invalid("type mismatch on " + sub.name + ": " + tmpl::Sprintf("%t", operand));
    }
    Value sub_values = found->second;
    CoalesceGlobals(sub_values, values);
    if (Status s = Coalesce(sub, sub_values, merge); !s.ok()) return s;
    values.mutable_map()[sub.name] = sub_values;
  }
  return Status();
}

Status Coalesce(const Chart& chart, Value& values, bool merge) {
  CoalesceChartValues(chart, values, merge);
  return CoalesceDependencies(chart, values, merge);
}

Result<Value> CoalesceOrMerge(const Chart& chart, const Value& user_values, bool merge) {
  Value values = user_values.IsNil() ? Value::Map() : user_values.DeepCopy();
  if (Status s = Coalesce(chart, values, merge); !s.ok()) return s;
  return values;
}

bool Compatible(const std::string& constraint, const std::string& version) {
  Result<bool> satisfied = tmpl::SemverSatisfies(constraint, version);
  return satisfied.ok() && *satisfied;
}

void ApplyTags(std::vector<Dependency>& dependencies, const Value& values) {
  std::optional<Value> tags = Table(values, "tags");
  if (!tags) return;
  for (Dependency& dependency : dependencies) {
    bool has_true = false;
    bool has_false = false;
    for (const std::string& tag : dependency.tags) {
      auto found = tags->map().find(tag);
      if (found == tags->map().end() || found->second.kind() != Value::Kind::kBool) continue;
      (found->second.bool_value() ? has_true : has_false) = true;
    }
    dependency.enabled = has_true || !has_false;
  }
}

void ApplyConditions(std::vector<Dependency>& dependencies, const Value& values,
                     const std::string& prefix) {
  for (Dependency& dependency : dependencies) {
    std::string_view conditions = TrimSpace(dependency.condition);
    size_t start = 0;
    while (start <= conditions.size()) {
      size_t comma = conditions.find(',', start);
      if (comma == std::string_view::npos) comma = conditions.size();
      std::string_view path = conditions.substr(start, comma - start);
      start = comma + 1;
      if (path.empty()) continue;
      std::optional<Value> value = PathValue(values, prefix + std::string(path));
      if (value && value->kind() == Value::Kind::kBool) {
        dependency.enabled = value->bool_value();
        break;
      }
    }
  }
}

// getAliasDependency: the loaded chart a dependency names, renamed to its alias.
std::optional<Chart> AliasDependency(const std::vector<Chart>& charts,
                                     const Dependency& dependency) {
  for (const Chart& chart : charts) {
    if (chart.name != dependency.name || !Compatible(dependency.version, chart.version)) continue;
    Chart copy = chart;
    if (!dependency.alias.empty()) copy.name = dependency.alias;
    return copy;
  }
  return std::nullopt;
}

// processDependencyEnabled.
Status ProcessEnabled(Chart& chart, const Value& values, const std::string& prefix) {
  if (!chart.metadata.contains("dependencies")) return Status();
  std::vector<Chart> kept;
  for (const Chart& existing : chart.charts) {
    bool listed = std::any_of(chart.dependencies.begin(), chart.dependencies.end(),
                              [&](const Dependency& dependency) {
                                return existing.name == dependency.name &&
                                       Compatible(dependency.version, existing.version);
                              });
    if (!listed) kept.push_back(existing);
  }
  for (Dependency& dependency : chart.dependencies) {
    if (std::optional<Chart> aliased = AliasDependency(chart.charts, dependency)) {
      kept.push_back(std::move(*aliased));
    }
    if (!dependency.alias.empty()) dependency.name = dependency.alias;
    dependency.enabled = true;
  }
  chart.charts = std::move(kept);
  Result<Value> coalesced = CoalesceOrMerge(chart, values, false);
  if (!coalesced.ok()) return coalesced.status();
  ApplyTags(chart.dependencies, *coalesced);
  ApplyConditions(chart.dependencies, *coalesced, prefix);
  std::vector<std::string> disabled;
  for (const Dependency& dependency : chart.dependencies) {
    if (!dependency.enabled) disabled.push_back(dependency.name);
  }
  auto is_disabled = [&](const std::string& name) {
    return std::find(disabled.begin(), disabled.end(), name) != disabled.end();
  };
  std::erase_if(chart.charts, [&](const Chart& sub) { return is_disabled(sub.name); });
  std::erase_if(chart.dependencies,
                [&](const Dependency& dependency) { return is_disabled(dependency.name); });
  for (Chart& sub : chart.charts) {
    if (Status s = ProcessEnabled(sub, *coalesced, prefix + sub.name + "."); !s.ok()) return s;
  }
  return Status();
}

// pathToMap.
Value PathToMap(const std::string& path, const Value& data) {
  if (path == ".") return data;
  std::vector<std::string> parts = SplitPath(path);
  Value current = data;
  for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
    Value wrapper = Value::Map();
    wrapper.mutable_map()[*part] = current;
    current = wrapper;
  }
  return current;
}

std::string Sprint(const Value& value) {
  if (value.kind() == Value::Kind::kString) return value.string_value();
  if (value.IsNil()) return "<nil>";
  return tmpl::FormatValue(value);
}

// processImportValues: children's exported values merged under the parent's own.
Status ProcessImports(Chart& chart) {
  if (chart.dependencies.empty()) return Status();
  Result<Value> merged = CoalesceOrMerge(chart, Value(), true);
  if (!merged.ok()) return merged.status();
  Value imported = Value::Map();
  for (Dependency& dependency : chart.dependencies) {
    std::vector<Value> normalized;
    for (const Value& entry : dependency.import_values) {
      std::string child;
      std::string parent;
      if (IsTable(entry)) {
        auto field = [&](const char* key) {
          auto found = entry.map().find(key);
          return Sprint(found == entry.map().end() ? Value() : found->second);
        };
        child = field("child");
        parent = field("parent");
      } else if (entry.kind() == Value::Kind::kString) {
        child = "exports." + entry.string_value();
        parent = ".";
      } else {
        continue;
      }
      Value pair = Value::Map();
      pair.mutable_map()["child"] = Value::String(child);
      pair.mutable_map()["parent"] = Value::String(parent);
      normalized.push_back(pair);
      std::optional<Value> table = Table(*merged, dependency.name + "." + child);
      if (!table) continue;
      imported = MergeTables(imported, PathToMap(parent, *table), true);
    }
    dependency.import_values = std::move(normalized);
  }
  chart.values = MergeTables(merged->DeepCopy(), imported, true);
  return Status();
}

Status ProcessImportsRecursively(Chart& chart) {
  for (Chart& sub : chart.charts) {
    if (Status s = ProcessImportsRecursively(sub); !s.ok()) return s;
  }
  return ProcessImports(chart);
}

}  // namespace

Value MergeTables(Value dst, const Value& src, bool merge) {
  if (src.IsNil()) return dst;
  if (dst.IsNil()) return src;
  auto& to = dst.mutable_map();
  for (const auto& [key, value] : src.map()) {
    auto found = to.find(key);
    if (found == to.end()) {
      to[key] = value;
    } else if (found->second.IsNil()) {
      // A null removes a default when coalescing; a null set where the default is null too
      // (or absent) stays, as helm 4.1.4 keeps it.
      if (!merge && !value.IsNil()) to.erase(found);
    } else if (IsTable(value) && IsTable(found->second)) {
      MergeTables(found->second, value, merge);
    }
  }
  return dst;
}

Result<Value> CoalesceValues(const Chart& chart, const Value& user_values) {
  return CoalesceOrMerge(chart, user_values, false);
}

Status ProcessDependencies(Chart& chart, const Value& user_values) {
  if (Status s = ProcessEnabled(chart, user_values, ""); !s.ok()) return s;
  return ProcessImportsRecursively(chart);
}

Value AsValues(const Value& map) {
  Value values = Value::Map(tmpl::ElemType::kValues);
  if (IsTable(map)) values.mutable_map() = map.map();
  return values;
}

}  // namespace converge::sources::helm
