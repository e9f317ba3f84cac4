// The comparison walk shared by both modes, and the views printed by the human diff.
//
// Managed-fields mode walks the desired object and looks at live only where desired sets a
// value or where the field manager's managedFields entry says it owns a field; dry-run mode
// looks at every field. Neither copies an object unless a Secret, an ignore rule or a
// difference requires it.

#include <algorithm>
#include <utility>

#include "diff/internal.h"
#include "diff/rules.h"

namespace converge::diff {
namespace {

using nlohmann::json;

enum class Level { kRoot, kMetadata, kInner };

// Fields outside the comparison: identity, server metadata and status.
bool Skipped(Level level, std::string_view key) {
  if (level == Level::kRoot) return key == "apiVersion" || key == "kind" || key == "status";
  if (level == Level::kMetadata) return key != "labels" && key != "annotations";
  return false;
}

Level ChildLevel(Level level, std::string_view key) {
  return level == Level::kRoot && key == "metadata" ? Level::kMetadata : Level::kInner;
}

// A field the server fills in when the applied item leaves it out, even though the applier
// then owns it: ports' protocol.
bool Defaulted(std::string_view field, std::string_view key, const json& value) {
  return field == "ports" && key == "protocol" && value == "TCP";
}

const json* Find(const json* object, std::string_view key) {
  if (object == nullptr || !object->is_object()) return nullptr;
  auto it = object->find(key);
  return it == object->end() || it->is_null() ? nullptr : &*it;
}

// Which live items of a list found a partner; no allocation for the usual short lists.
class Marks {
 public:
  explicit Marks(size_t size) {
    if (size > 64) many_.resize(size);
  }
  bool Get(size_t i) const { return many_.empty() ? (few_ >> i) & 1 : many_[i]; }
  void Set(size_t i) {
    if (many_.empty()) {
      few_ |= uint64_t{1} << i;
    } else {
      many_[i] = true;
    }
  }

 private:
  uint64_t few_ = 0;
  std::vector<bool> many_;
};

class Walker {
 public:
  // `all`: every live field counts (dry-run mode, extraneous objects); otherwise only those
  // desired sets or `owned` (a FieldsV1 trie, may be null) names.
  Walker(bool all, std::vector<Difference>* out) : all_(all), out_(out) {}

  void Root(const json& desired, const json& live, const json* owned) {
    Object(desired, live, owned, Level::kRoot, false, "");
  }

  json DesiredView(const json& desired, const json* live, Level level, std::string_view field,
                   bool quantity) const;
  json LiveView(const json* desired, const json& live, const json* owned, Level level,
                std::string_view field) const;

 private:
  const json* Child(const json* owned, std::string_view key) const {
    if (owned == nullptr || !owned->is_object()) return nullptr;
    key_.assign("f:");
    key_ += key;
    auto it = owned->find(key_);
    return it == owned->end() ? nullptr : &*it;
  }
  bool Owns(const json* owned, std::string_view key) const {
    return all_ || Child(owned, key) != nullptr;
  }
  const json* Item(const json* owned, const MergeKey& key, const json& item) const {
    if (owned == nullptr || !owned->is_object()) return nullptr;
    key_.clear();
    AppendOwnedItemKey(key_, key, item);
    auto it = owned->find(key_);
    return it == owned->end() ? nullptr : &*it;
  }
  bool OwnsItem(const json* owned, const MergeKey& key, const json& item) const {
    return all_ || Item(owned, key, item) != nullptr;
  }

  void Add(const json* desired, const json* live) {
    Difference difference{.path = path_};
    if (desired != nullptr) difference.desired = *desired;
    if (live != nullptr) difference.live = *live;
    out_->push_back(std::move(difference));
  }

  void Value(const json& desired, const json* live, const json* owned, std::string_view field,
             Level level, bool quantity) {
    if (live == nullptr) {
      if (!IsZero(desired)) Add(&desired, nullptr);
    } else if (desired.is_object()) {
      if (live->is_object()) {
        Object(desired, *live, owned, level, HoldsQuantities(field), field);
      } else {
        Add(&desired, live);
      }
    } else if (desired.is_array()) {
      if (live->is_array()) {
        Array(desired, *live, owned, field);
      } else {
        Add(&desired, live);
      }
    } else if (!ScalarEqual(desired, *live, quantity)) {
      Add(&desired, live);
    }
  }

  // `field` names the object, or for a list item the list.
  void Object(const json& desired, const json& live, const json* owned, Level level,
              bool quantities, std::string_view field) {
    size_t mark = path_.size();
    for (const auto& [key, value] : desired.items()) {
      if (value.is_null() || Skipped(level, key)) continue;
      AppendPointerToken(path_, key);
      Value(value, Find(&live, key), Child(owned, key), key, ChildLevel(level, key),
            quantities || IsQuantityField(key));
      path_.resize(mark);
    }
    for (const auto& [key, value] : live.items()) {
      if (Skipped(level, key) || Find(&desired, key) != nullptr || !Owns(owned, key)) continue;
      if (Defaulted(field, key, value)) continue;
      if (level == Level::kRoot && key == "metadata") continue;
      AppendPointerToken(path_, key);
      Add(nullptr, &value);
      path_.resize(mark);
    }
  }

  void Array(const json& desired, const json& live, const json* owned, std::string_view field) {
    const MergeKey* key = FindMergeKey(field, desired.empty() ? live : desired);
    size_t mark = path_.size();
    if (key == nullptr) {
      if (desired.size() != live.size()) {
        Add(&desired, &live);
        return;
      }
      for (size_t i = 0; i < desired.size(); ++i) {
        path_ += '/';
        path_ += std::to_string(i);
        Value(desired[i], &live[i], nullptr, "", Level::kInner, false);
        path_.resize(mark);
      }
      return;
    }
    Marks matched(live.size());
    for (size_t i = 0; i < desired.size(); ++i) {
      const json* partner = nullptr;
      for (size_t j = 0; j < live.size(); ++j) {
        if (!matched.Get(j) && SameItem(*key, desired[i], live[j])) {
          matched.Set(j);
          partner = &live[j];
          break;
        }
      }
      path_ += '/';
      path_ += std::to_string(i);
      Value(desired[i], partner, partner != nullptr ? Item(owned, *key, desired[i]) : nullptr,
            field, Level::kInner, false);
      path_.resize(mark);
    }
    for (size_t j = 0; j < live.size(); ++j) {
      if (matched.Get(j) || !OwnsItem(owned, *key, live[j])) continue;
      path_ += '/';
      path_ += std::to_string(j);
      Add(nullptr, &live[j]);
      path_.resize(mark);
    }
  }

  bool all_;
  std::vector<Difference>* out_;
  std::string path_;
  mutable std::string key_;
};

const json* MatchItem(const MergeKey& key, const json& item, const json& list) {
  for (const json& candidate : list) {
    if (SameItem(key, item, candidate)) return &candidate;
  }
  return nullptr;
}

json Walker::DesiredView(const json& desired, const json* live, Level level, std::string_view field,
                         bool quantity) const {
  if (desired.is_object()) {
    json out = json::object();
    const json* live_object = live != nullptr && live->is_object() ? live : nullptr;
    for (const auto& [key, value] : desired.items()) {
      if (value.is_null()) continue;
      if (level == Level::kMetadata && (key == "name" || key == "namespace")) {
        out[key] = value;
        continue;
      }
      if (level == Level::kRoot ? key == "status" : Skipped(level, key)) continue;
      const json* partner = Find(live_object, key);
      if (partner == nullptr && IsZero(value)) continue;
      out[key] = DesiredView(value, partner, ChildLevel(level, key), key,
                             HoldsQuantities(field) || IsQuantityField(key));
    }
    return out;
  }
  if (live == nullptr) return desired;
  if (desired.is_array() && live->is_array()) {
    const MergeKey* key = FindMergeKey(field, desired);
    json out = json::array();
    for (size_t i = 0; i < desired.size(); ++i) {
      const json* partner = nullptr;
      if (key != nullptr) {
        partner = MatchItem(*key, desired[i], *live);
      } else if (desired.size() == live->size()) {
        partner = &(*live)[i];
      }
      out.push_back(DesiredView(desired[i], partner, Level::kInner, "", false));
    }
    return out;
  }
  return ScalarEqual(desired, *live, quantity) ? *live : desired;
}

json Walker::LiveView(const json* desired, const json& live, const json* owned, Level level,
                      std::string_view field) const {
  if (live.is_object() && (desired == nullptr || desired->is_object())) {
    json out = json::object();
    for (const auto& [key, value] : live.items()) {
      bool identity = (level == Level::kRoot && (key == "apiVersion" || key == "kind")) ||
                      (level == Level::kMetadata && (key == "name" || key == "namespace"));
      if (identity) {
        out[key] = value;
        continue;
      }
      if (Skipped(level, key)) continue;
      const json* partner = Find(desired, key);
      bool metadata = level == Level::kRoot && key == "metadata";
      if (partner != nullptr || metadata || all_) {
        out[key] = LiveView(partner, value, Child(owned, key), ChildLevel(level, key), key);
      } else if (Owns(owned, key) && !(desired != nullptr && Defaulted(field, key, value))) {
        out[key] = value;
      }
    }
    return out;
  }
  const MergeKey* key = desired != nullptr && desired->is_array() && live.is_array()
                            ? FindMergeKey(field, desired->empty() ? live : *desired)
                            : nullptr;
  if (key == nullptr) return live;
  json out = json::array();
  for (const json& item : live) {
    const json* partner = MatchItem(*key, item, *desired);
    if (partner != nullptr) {
      out.push_back(LiveView(partner, item, Item(owned, *key, item), Level::kInner, field));
    } else if (OwnsItem(owned, *key, item)) {
      out.push_back(item);
    }
  }
  return out;
}

// The managedFields entry of `manager` for the main resource (not a subresource).
const json* OwnedFields(const json& live, std::string_view manager) {
  const json* metadata = Find(&live, "metadata");
  const json* entries = Find(metadata, "managedFields");
  if (entries == nullptr || !entries->is_array()) return nullptr;
  for (const json& entry : *entries) {
    if (kube::StringAt(entry, {"manager"}) != manager) continue;
    if (!kube::StringAt(entry, {"subresource"}).empty()) continue;
    if (kube::StringAt(entry, {"operation"}) != "Apply") continue;
    return Find(&entry, "fieldsV1");
  }
  return nullptr;
}

bool IsSecret(const json& object) {
  return kube::StringAt(object, {"kind"}) == "Secret" &&
         kube::StringAt(object, {"apiVersion"}) == "v1";
}

}  // namespace

std::string_view SyncStatusName(SyncStatus status) {
  switch (status) {
    case SyncStatus::kSynced:
      return "Synced";
    case SyncStatus::kOutOfSync:
      return "OutOfSync";
    case SyncStatus::kMissing:
      return "Missing";
    case SyncStatus::kExtraneous:
      return "Extraneous";
  }
  return "Unknown";
}

bool Report::Synced() const {
  return std::all_of(resources.begin(), resources.end(),
                     [](const ResourceDiff& r) { return r.status == SyncStatus::kSynced; });
}

Differ::Differ(Differ&&) noexcept = default;
Differ& Differ::operator=(Differ&&) noexcept = default;
Differ::~Differ() = default;

Result<Differ> Differ::Create(Options options) {
  Differ differ;
  for (const std::vector<IgnoreRule>* list :
       {&options.ignore_differences, &options.default_ignore_differences}) {
    for (size_t i = 0; i < list->size(); ++i) {
      Result<CompiledRule> rule = CompileRule((*list)[i]);
      if (!rule.ok()) {
        const char* name =
            list == &options.ignore_differences ? "ignoreDifferences" : "default ignoreDifferences";
        return rule.status().Wrap(std::string(name) + "[" + std::to_string(i) + "]");
      }
      differ.rules_.push_back(std::move(*rule));
    }
  }
  differ.options_ = std::move(options);
  return differ;
}

ResourceDiff Differ::Compare(const kube::Object* desired, const kube::Object* live) const {
  return Finish(desired, live, false);
}

ResourceDiff Differ::CompareDryRun(const kube::Object& dry_run, const kube::Object* live) const {
  return Finish(&dry_run, live, true);
}

ResourceDiff Differ::Finish(const kube::Object* desired_object, const kube::Object* live_object,
                            bool dry_run_mode) const {
  assert(desired_object != nullptr || live_object != nullptr);
  const kube::Object& any = desired_object != nullptr ? *desired_object : *live_object;
  ResourceDiff result{.key = any.Key()};
  const json* desired = desired_object != nullptr ? &desired_object->json() : nullptr;
  const json* live = live_object != nullptr ? &live_object->json() : nullptr;

  // Copies only for what has to change: Secrets (folded and masked) and ignored paths.
  json desired_copy;
  json live_copy;
  auto own = [](const json*& side, json& copy) {
    if (side != nullptr && side != &copy) {
      copy = *side;
      side = &copy;
    }
  };
  bool secret = IsSecret(any.json());
  if (secret) {
    own(desired, desired_copy);
    own(live, live_copy);
    // A real API server never returns stringData; the embedded one and fakes may, so both
    // sides are folded.
    if (desired != nullptr) FoldStringData(desired_copy);
    if (live != nullptr) FoldStringData(live_copy);
  }
  for (const CompiledRule& rule : rules_) {
    if (!rule.Matches(result.key)) continue;
    own(desired, desired_copy);
    own(live, live_copy);
    rule.Remove(desired != nullptr ? &desired_copy : nullptr,
                live != nullptr ? &live_copy : nullptr);
  }
  if (secret) {
    MaskSecrets(desired != nullptr ? &desired_copy : nullptr,
                live != nullptr ? &live_copy : nullptr);
  }

  const json* owned =
      live != nullptr && !dry_run_mode ? OwnedFields(*live, options_.field_manager) : nullptr;
  Walker walker(dry_run_mode || desired == nullptr, &result.differences);
  if (desired == nullptr) {
    result.status = SyncStatus::kExtraneous;
  } else if (live == nullptr) {
    result.status = SyncStatus::kMissing;
  } else {
    walker.Root(*desired, *live, owned);
    std::sort(result.differences.begin(), result.differences.end(),
              [](const Difference& a, const Difference& b) { return a.path < b.path; });
    if (result.differences.empty()) return result;
    result.status = SyncStatus::kOutOfSync;
  }
  if (desired != nullptr)
    result.desired_view = walker.DesiredView(*desired, live, Level::kRoot, "", false);
  if (live != nullptr) result.live_view = walker.LiveView(desired, *live, owned, Level::kRoot, "");
  if (desired != nullptr && result.desired_view.is_object()) {
    result.desired_view["apiVersion"] = (*desired)["apiVersion"];
    result.desired_view["kind"] = (*desired)["kind"];
  }
  return result;
}

Result<Report> Differ::CompareAll(const std::vector<kube::Object>& desired,
                                  const std::vector<kube::Object>& live,
                                  const DryRunResults* dry_runs) const {
  // Sorted entries rather than a map: one allocation for all keys' slots, and keys that view
  // the objects' own strings instead of copying four of them per object.
  struct KeyView {
    std::string_view group, kind, ns, name;
    auto operator<=>(const KeyView&) const = default;
    bool operator==(const KeyView&) const = default;
  };
  struct Entry {
    KeyView key;
    const kube::Object* object;
    bool is_live;
  };
  auto key_of = [](const kube::Object& object) {
    return KeyView{object.Group(), object.Kind(), object.Namespace(), object.Name()};
  };
  std::vector<Entry> entries;
  entries.reserve(desired.size() + live.size());
  for (const kube::Object& object : desired) entries.push_back({key_of(object), &object, false});
  for (const kube::Object& object : live) entries.push_back({key_of(object), &object, true});
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.key != b.key ? a.key < b.key : a.is_live < b.is_live;
  });
  Report report;
  report.resources.reserve(std::max(desired.size(), live.size()));
  for (size_t i = 0; i < entries.size();) {
    const Entry& first = entries[i];
    const kube::Object* want = first.is_live ? nullptr : first.object;
    const kube::Object* have = first.is_live ? first.object : nullptr;
    size_t next = i + 1;
    if (next < entries.size() && entries[next].key == first.key) {
      const Entry& second = entries[next];
      if (second.is_live == first.is_live) {
        const kube::Object& twice = *second.object;
        std::string where =
            twice.origin().file.empty() ? "" : " (" + twice.origin().ToString() + ")";
        return Status::Invalid(kube::Describe(twice) +
                               (first.is_live ? ": live twice" : ": desired twice") + where);
      }
      have = second.object;
      ++next;
      if (next < entries.size() && entries[next].key == first.key) {
        return Status::Invalid(kube::Describe(*entries[next].object) + ": live twice");
      }
    }
    i = next;
    const kube::Object* dry_run = nullptr;
    if (dry_runs != nullptr && want != nullptr) {
      auto it = dry_runs->find(want->Key());
      if (it != dry_runs->end()) dry_run = &it->second;
    }
    report.resources.push_back(dry_run != nullptr && have != nullptr ? CompareDryRun(*dry_run, have)
                                                                     : Compare(want, have));
  }
  return report;
}

}  // namespace converge::diff
