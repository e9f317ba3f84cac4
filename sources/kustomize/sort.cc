#include <algorithm>
#include <map>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

std::vector<std::string> StringList(const json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const json& item : list) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string GvkSortString(const ResId& id) {
  return (id.group.empty() ? "~G" : id.group) + "_" + (id.version.empty() ? "~V" : id.version) +
         "_" + (id.kind.empty() ? "~K" : id.kind);
}

std::string IdSortString(const ResId& id) {
  return GvkSortString(id) + "|" + (id.ns.empty() ? "~X" : id.ns) + "|" +
         (id.name.empty() ? "~N" : id.name);
}

}  // namespace

void LegacySort(ResMap& resources, const json& sort_options) {
  std::vector<std::string> first = {"Namespace",
                                    "ResourceQuota",
                                    "StorageClass",
                                    "CustomResourceDefinition",
                                    "ServiceAccount",
                                    "PodSecurityPolicy",
                                    "Role",
                                    "ClusterRole",
                                    "RoleBinding",
                                    "ClusterRoleBinding",
                                    "ConfigMap",
                                    "Secret",
                                    "Endpoints",
                                    "Service",
                                    "LimitRange",
                                    "PriorityClass",
                                    "PersistentVolume",
                                    "PersistentVolumeClaim",
                                    "Deployment",
                                    "StatefulSet",
                                    "CronJob",
                                    "PodDisruptionBudget"};
  std::vector<std::string> last = {"MutatingWebhookConfiguration",
                                   "ValidatingWebhookConfiguration"};
  if (sort_options.is_object() && sort_options.contains("legacySortOptions")) {
    const json& legacy = sort_options["legacySortOptions"];
    first = StringList(legacy.value("orderFirst", json()));
    last = StringList(legacy.value("orderLast", json()));
  }
  std::map<std::string, int> rank;
  for (size_t i = 0; i < first.size(); ++i) {
    rank[first[i]] = static_cast<int>(i) - static_cast<int>(first.size());
  }
  for (size_t i = 0; i < last.size(); ++i) rank[last[i]] = static_cast<int>(i) + 1;
  auto rank_of = [&](const std::string& kind) {
    auto it = rank.find(kind);
    return it == rank.end() ? 0 : it->second;
  };
  std::stable_sort(resources.begin(), resources.end(), [&](const Resource& a, const Resource& b) {
    ResId x = a.Id();
    ResId y = b.Id();
    if (x.group != y.group || x.version != y.version || x.kind != y.kind) {
      int rx = rank_of(x.kind);
      int ry = rank_of(y.kind);
      if (rx != ry) return rx < ry;
      if (x.kind == "Namespace" && y.kind == "Namespace" && (x.group.empty() || y.group.empty())) {
        return GvkSortString(x) > GvkSortString(y);
      }
      return GvkSortString(x) < GvkSortString(y);
    }
    return IdSortString(x) < IdSortString(y);
  });
}

}  // namespace converge::sources::kustomize
