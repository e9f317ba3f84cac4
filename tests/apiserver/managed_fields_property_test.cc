// Property test of server-side apply and update ownership: random sequences of applies and
// merge patches by two managers on random Deployments, with the invariants of
// shared/reference/kubernetes-api.md section 5 checked after every step:
//   1. every live field has an owner (nothing is defaulted in this harness);
//   2. an applier owns exactly the fields it last applied that still exist and that no later
//      update by someone else took over;
//   3. applying the same configuration again changes nothing.

#include <map>
#include <random>

#include <gtest/gtest.h>

#include "apiserver/fieldset.h"
#include "apiserver/managed_fields.h"
#include "apiserver/resources.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

const ResourceType& Deployments() {
  static const std::vector<ResourceType> kTypes = BuiltinResources();
  for (const ResourceType& type : kTypes) {
    if (type.resource == "deployments") return type;
  }
  return kTypes[0];
}

class Generator {
 public:
  explicit Generator(uint32_t seed) : random_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  // A configuration: some labels, maybe replicas, some containers with images and env.
  json Config() {
    json config = {{"apiVersion", "apps/v1"},
                   {"kind", "Deployment"},
                   {"metadata", {{"name", "d"}, {"namespace", "default"}}}};
    for (int i = 0; i < Pick(3); ++i)
      config["metadata"]["labels"]["l" + std::to_string(Pick(4))] = std::to_string(Pick(3));
    if (Pick(2) == 0) config["spec"]["replicas"] = Pick(4);
    json containers = json::array();
    for (int c = 0; c < Pick(3); ++c) {
      json container = {{"name", "c" + std::to_string(c)},
                        {"image", "img:" + std::to_string(Pick(3))}};
      for (int e = 0; e < Pick(3); ++e) {
        container["env"].push_back(
            {{"name", "E" + std::to_string(e)}, {"value", std::to_string(Pick(2))}});
      }
      containers.push_back(container);
    }
    if (!containers.empty()) config["spec"]["template"]["spec"]["containers"] = containers;
    return config;
  }

  // A merge patch: change or remove a label, or change replicas.
  json Patch() {
    switch (Pick(3)) {
      case 0:
        return {
            {"metadata", {{"labels", {{"l" + std::to_string(Pick(4)), std::to_string(Pick(3))}}}}}};
      case 1:
        return {{"metadata", {{"labels", {{"l" + std::to_string(Pick(4)), nullptr}}}}}};
      default:
        return {{"spec", {{"replicas", Pick(4)}}}};
    }
  }

 private:
  std::mt19937 random_;
};

FieldSet OwnedBy(const json& object, const std::string& manager, const std::string& operation) {
  for (const ManagedEntry& entry : ReadManagedFields(object)) {
    if (entry.manager == manager && entry.operation == operation) return entry.fields;
  }
  return FieldSet();
}

TEST(ManagedFieldsPropertyTest, RandomApplyAndPatchSequencesKeepTheInvariants) {
  const ResourceType& type = Deployments();
  const std::vector<std::string> managers = {"alice", "bob"};
  int checked = 0;
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    Generator generate(seed);
    json live;
    std::map<std::string, FieldSet> expected;  // per applier: what it should still own
    for (int step = 0; step < 12; ++step) {
      std::string manager = managers[static_cast<size_t>(generate.Pick(2))];
      SCOPED_TRACE("seed " + std::to_string(seed) + " step " + std::to_string(step) + " by " +
                   manager);
      if (live.is_null() || generate.Pick(3) != 0) {
        json config = generate.Config();
        ApiResult<json> applied = ServerSideApply(type, live.is_null() ? nullptr : &live, config,
                                                  {.manager = manager, .force = true});
        ASSERT_TRUE(applied.ok()) << applied.error().message;

        FieldSet mine = TrackedFields(type, config, "");
        // Forcing takes from the other applier the values it changed; equal values and list
        // items stay shared.
        for (auto& [other, fields] : expected) {
          if (other == manager) continue;
          FieldSet contested;
          for (const std::vector<std::string>& path : mine.Intersection(fields).Members()) {
            if (path.back().rfind("k:", 0) == 0 || live.is_null()) continue;
            const json* before = Lookup(live, path);
            const json* after = Lookup(*applied, path);
            if (before != nullptr && (after == nullptr || *before != *after))
              contested.Insert(path);
          }
          fields = fields.Difference(contested);
        }
        // Applying the same thing again is a no-op.
        ApiResult<json> again =
            ServerSideApply(type, &*applied, config, {.manager = manager, .force = true});
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, *applied) << "a repeated apply changed the object";
        live = std::move(*applied);
        expected[manager] = mine;
      } else {
        json updated = live;
        updated.merge_patch(generate.Patch());
        json before = live;
        RecordUpdate(type, &before, updated, manager, "");
        // Fields whose value the update changed move to the updater.
        FieldSet taken;
        for (const std::vector<std::string>& path : TrackedFields(type, updated, "").Members()) {
          const json* old_value = Lookup(before, path);
          const json* new_value = Lookup(updated, path);
          if (old_value == nullptr ||
              (path.back().rfind("k:", 0) != 0 && *old_value != *new_value)) {
            taken.Insert(path);
          }
        }
        for (auto& [other, fields] : expected) fields = fields.Difference(taken);
        live = std::move(updated);
      }
      FieldSet present = TrackedFields(type, live, "");
      // A field that disappears leaves every set; re-created later, it belongs to its creator.
      for (auto& [applier, fields] : expected) fields = fields.Intersection(present);
      FieldSet owned;
      for (const ManagedEntry& entry : ReadManagedFields(live)) owned = owned.Union(entry.fields);
      EXPECT_TRUE(present.Difference(owned).empty())
          << "unowned fields: " << present.Difference(owned).ToFieldsV1().dump();
      for (const auto& [applier, fields] : expected) {
        EXPECT_EQ(OwnedBy(live, applier, "Apply").ToFieldsV1(), fields.ToFieldsV1())
            << applier << " in " << live.dump();
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 200 * 12);
}

}  // namespace
}  // namespace converge::apiserver
